/**
 * One ERS write of a plan, carried out with care: the object is read again
 * right before it is written, and left alone (a conflict) when it changed
 * since the plan was made; a write that turns out to be unneeded is skipped;
 * each success is recorded in the sync state at once, so a push that dies
 * midway leaves an exact record and the next push finishes the job. Creates
 * cannot be re-read first: an SGACL whose name is taken and a `Cell Already
 * Exists` are looked up instead, and adopted when they hold what the plan
 * wants.
 */
import { aclText, contentFingerprint } from '../../../domain/ise/acl.ts';
import { DEFAULT_PAIR } from '../../../domain/ise/types.ts';
import { cellObjectFingerprint, sgaclFingerprint, viewCell } from '../../../domain/ise/view.ts';
import { IseErrorCode, isIseError } from '../errors.ts';
import type { EgressMatrixCell } from '../schemas.ts';
import type { PushRun } from './push-run.ts';
import type { IseOperation } from './types.ts';

export type OpOutcome =
  | { result: 'applied' | 'skipped'; iseId?: string; note?: string }
  | { result: 'conflict'; reason: string };

const conflict = (reason: string): OpOutcome => ({ result: 'conflict', reason });

/** Did the object change since the plan? generationIds when both sides have one, else fingerprints. */
export function changedSince(
  expect: IseOperation['expect'],
  generationId: string | undefined,
  fingerprint: string,
): boolean {
  if (expect === undefined) return false;
  if (expect.generationId !== undefined && generationId !== undefined)
    return generationId !== expect.generationId;
  return expect.fingerprint !== undefined && expect.fingerprint !== fingerprint;
}

async function readOrNull<T>(read: () => Promise<T>): Promise<T | null> {
  try {
    return await read();
  } catch (error) {
    if (isIseError(error, IseErrorCode.NotFound)) return null;
    throw error;
  }
}

const cellInput = (
  cur: EgressMatrixCell,
  patch: Partial<Pick<EgressMatrixCell, 'matrixCellStatus' | 'defaultRule' | 'sgacls'>>,
) => ({
  ...(cur.name ? { name: cur.name } : {}),
  ...(cur.description ? { description: cur.description } : {}),
  sourceSgtId: cur.sourceSgtId,
  destinationSgtId: cur.destinationSgtId,
  matrixCellStatus: patch.matrixCellStatus ?? cur.matrixCellStatus,
  defaultRule: patch.defaultRule ?? cur.defaultRule,
  sgacls: patch.sgacls ?? cur.sgacls,
});

export async function createSgacl(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  const name = op.sgaclName as string;
  const content = op.content as string;
  let id: string;
  let result: 'applied' | 'skipped' = 'applied';
  try {
    id = await run.client.createSgacl({ name, description: run.description(op), aclcontent: content });
  } catch (error) {
    if (!isIseError(error, IseErrorCode.AlreadyExists)) throw error;
    // Made by an earlier push whose answer was lost, or by someone else: adopt it only if it says the same.
    const found = (await run.client.listSgacls()).find((s) => s.name.toLowerCase() === name.toLowerCase());
    if (found === undefined || sgaclFingerprint(found) !== contentFingerprint(content)) {
      return conflict(`SGACL name ${name} is taken in ISE by other content`);
    }
    id = found.id;
    result = 'skipped';
  }
  run.created(name, { id, name, aclcontent: content, readOnly: false });
  await run.recordSgacl(id, name, content, true);
  return { result, iseId: id };
}

export async function updateSgacl(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  const id = op.expect?.id as string;
  const content = op.content as string;
  const cur = await readOrNull(() => run.client.getSgacl(id));
  if (cur === null) return conflict(`SGACL ${op.sgaclName} was deleted in ISE since the plan`);
  if (changedSince(op.expect, cur.generationId, sgaclFingerprint(cur))) {
    return conflict(`SGACL ${cur.name} changed in ISE since the plan`);
  }
  let result: 'applied' | 'skipped' = 'skipped';
  if (sgaclFingerprint(cur) !== contentFingerprint(content)) {
    await run.markIntent(op, {}, { id, content });
    await run.client.updateSgacl(id, {
      name: cur.name,
      ...(cur.description ? { description: cur.description } : {}),
      ipVersion: cur.ipVersion,
      aclcontent: content,
    });
    result = 'applied';
  }
  run.sgaclContent(id, content);
  await run.recordSgacl(id, cur.name, content, run.loaded.sgacls.get(id)?.createdByUs ?? false);
  await run.recordCell(op, { contentChanged: true });
  return { result, iseId: id };
}

export async function createCell(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  const ref = op.cell as NonNullable<IseOperation['cell']>;
  const src = run.view.sgtByValue.get(ref.sgt)?.id as string;
  const dst = run.view.sgtByValue.get(ref.dgt)?.id as string;
  const ids = await run.idsOf(op.sgacls ?? []);
  const status = op.status ?? 'MONITOR';
  const defaultRule = op.defaultRule ?? 'NONE';
  const hadPending = run.loaded.cells.get(run.pair(op))?.pending !== undefined;
  await run.markPending(op, { status, defaultRule, sgacls: ids });
  let cell: EgressMatrixCell;
  let result: 'applied' | 'skipped' = 'applied';
  let ours = true;
  try {
    const id = await run.client.createCell({
      sourceSgtId: src,
      destinationSgtId: dst,
      matrixCellStatus: status,
      defaultRule,
      sgacls: ids,
      description: run.description(op),
    });
    cell = {
      id,
      name: '',
      description: '',
      sourceSgtId: src,
      destinationSgtId: dst,
      matrixCellStatus: status,
      defaultRule,
      sgacls: ids,
    };
  } catch (error) {
    if (!isIseError(error, IseErrorCode.AlreadyExists)) throw error;
    const existing = await run.client.getCellBySrcDst(ref.sgt, ref.dgt);
    if (existing === null) throw error;
    const sgacls = await run.sgaclsById(existing.sgacls);
    const seen = viewCell(existing, ref.sgt, ref.dgt, sgacls);
    if (seen.text !== aclText(run.wanted(op)?.aces ?? [])) {
      await run.unmarkPending(op);
      return conflict('Cell Already Exists in ISE with other policy than the version: not overwritten');
    }
    cell = existing;
    result = 'skipped';
    // A create this product sent before (its answer lost) made it; otherwise someone else did.
    ours = hadPending;
  }
  run.setModel(op, cell, ours);
  await run.recordCell(op, { contentChanged: true });
  return { result, iseId: cell.id };
}

async function readCell(run: PushRun, op: IseOperation): Promise<EgressMatrixCell | OpOutcome> {
  const cur = await readOrNull(() => run.client.getCell(op.expect?.id as string));
  if (cur === null) return conflict('deleted in ISE since the plan');
  if (changedSince(op.expect, cur.generationId, cellObjectFingerprint(cur))) {
    return conflict('changed in ISE since the plan');
  }
  return cur;
}

export async function updateCell(
  run: PushRun,
  op: IseOperation,
  patch: 'content' | 'status' | 'default',
): Promise<OpOutcome> {
  const cur = await readCell(run, op);
  if ('result' in cur) return cur;
  const next = cellInput(
    cur,
    patch === 'content'
      ? {
          sgacls: await run.idsOf(op.sgacls ?? []),
          ...(op.defaultRule ? { defaultRule: op.defaultRule } : {}),
        }
      : patch === 'status'
        ? { ...(op.status ? { matrixCellStatus: op.status } : {}) }
        : { ...(op.defaultRule ? { defaultRule: op.defaultRule } : {}) },
  );
  let result: 'applied' | 'skipped' = 'skipped';
  if (cellObjectFingerprint(next) !== cellObjectFingerprint(cur)) {
    await run.markIntent(op, {
      matrixCellStatus: next.matrixCellStatus,
      defaultRule: next.defaultRule,
      sgacls: next.sgacls,
    });
    await run.client.updateCell(cur.id, next);
    result = 'applied';
  }
  const ours =
    run.pair(op) === DEFAULT_PAIR ? false : (run.loaded.cells.get(run.pair(op))?.createdByUs ?? false);
  run.setModel(op, { ...cur, ...next, id: cur.id }, ours);
  await run.recordCell(op, { contentChanged: patch === 'content' });
  return { result, iseId: cur.id };
}

export async function deleteCell(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  const cur = await readOrNull(() => run.client.getCell(op.expect?.id as string));
  if (cur !== null) {
    if (changedSince(op.expect, cur.generationId, cellObjectFingerprint(cur))) {
      return conflict('changed in ISE since the plan: not deleted');
    }
    await run.client.deleteCell(cur.id);
  }
  await run.forgetCell(op);
  return { result: cur === null ? 'skipped' : 'applied', iseId: op.expect?.id as string };
}

export async function deleteSgacl(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  const id = op.expect?.id as string;
  const held = run.heldBack(id);
  if (held !== null) return { result: 'skipped', iseId: id, note: held };
  const cur = await readOrNull(() => run.client.getSgacl(id));
  if (cur === null) {
    await run.forgetSgacl(id);
    return { result: 'skipped', iseId: id, note: 'already gone from ISE' };
  }
  if (changedSince(op.expect, cur.generationId, sgaclFingerprint(cur))) {
    return { result: 'skipped', iseId: id, note: 'changed in ISE since the plan: not deleted' };
  }
  try {
    await run.client.deleteSgacl(id);
  } catch (error) {
    // ISE refuses to delete an SGACL a cell lists: someone listed it since the plan.
    if (isIseError(error, IseErrorCode.BadRequest))
      return { result: 'skipped', iseId: id, note: error.message };
    throw error;
  }
  await run.forgetSgacl(id);
  return { result: 'applied', iseId: id };
}
