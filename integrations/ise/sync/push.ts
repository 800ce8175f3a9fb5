/**
 * Carrying out a plan. Each cell's writes run in order (its SGACL, then the
 * cell); different cells run in parallel, a few dozen at a time (the ERS
 * client bounds the calls in flight itself). When one write of a cell fails
 * or meets a conflict, the cell's later writes are not attempted, and SGACLs
 * it listed are not deleted. Deletions of SGACLs come last. Then the cells
 * already as the version wants them are recorded (nothing written to ISE).
 */
import { isOwnSgaclName } from '../../../domain/ise/names.ts';
import type { PlanDetail } from '../../../domain/ise/plan-input.ts';
import { DEFAULT_PAIR } from '../../../domain/ise/types.ts';
import { sgaclFingerprint } from '../../../domain/ise/view.ts';
import { IseError } from '../errors.ts';
import { Semaphore } from '../limit.ts';
import type { SyncContext } from './context.ts';
import { cellRecordOf } from './importer.ts';
import {
  createCell,
  createSgacl,
  deleteCell,
  deleteSgacl,
  type OpOutcome,
  updateCell,
  updateSgacl,
} from './push-ops.ts';
import type { PushRun } from './push-run.ts';
import type { IseOperation, IsePushReport } from './types.ts';

/** Cells worked on at once; each makes one or two calls at a time. */
const CELLS_IN_PARALLEL = 32;

function execute(run: PushRun, op: IseOperation): Promise<OpOutcome> {
  switch (op.kind) {
    case 'create-sgacl':
      return createSgacl(run, op);
    case 'update-sgacl':
      return updateSgacl(run, op);
    case 'create-cell':
      return createCell(run, op);
    case 'update-cell':
      return updateCell(run, op, 'content');
    case 'set-cell-status':
      return updateCell(run, op, 'status');
    case 'set-default':
      return updateCell(run, op, 'default');
    case 'delete-cell':
      return deleteCell(run, op);
    case 'delete-sgacl':
      return deleteSgacl(run, op);
  }
}

const describe = (error: unknown): string =>
  error instanceof IseError
    ? `${error.code}: ${error.message}${error.outcomeUnknown ? ' (ISE may have carried it out: the next push checks)' : ''}`
    : error instanceof Error
      ? error.message
      : String(error);

function settle(run: PushRun, op: IseOperation, outcome: OpOutcome): void {
  if (outcome.result === 'conflict') {
    run.conflicts.push({
      cell: op.cell ?? { sgt: 65535, dgt: 65535, srcName: 'ANY', dstName: 'ANY' },
      reason: outcome.reason,
    });
    return;
  }
  const result = {
    operation: op,
    ...(outcome.iseId === undefined ? {} : { iseId: outcome.iseId }),
    ...(outcome.note === undefined ? {} : { note: outcome.note }),
  };
  (outcome.result === 'applied' ? run.applied : run.skipped).push(result);
}

/** One cell's writes, in order; the first failure or conflict stops the rest. */
async function runCell(run: PushRun, pair: string, ops: readonly IseOperation[]): Promise<void> {
  for (let i = 0; i < ops.length; i++) {
    const op = ops[i] as IseOperation;
    let outcome: OpOutcome;
    try {
      outcome = await execute(run, op);
    } catch (error) {
      run.failed.push({ operation: op, error: describe(error).slice(0, 2000) });
      stopAfter(run, pair, op, ops.slice(i + 1), 'failed');
      return;
    }
    settle(run, op, outcome);
    if (outcome.result === 'conflict') {
      stopAfter(run, pair, op, ops.slice(i + 1), 'met a conflict');
      return;
    }
  }
}

function stopAfter(
  run: PushRun,
  pair: string,
  op: IseOperation,
  rest: readonly IseOperation[],
  what: string,
) {
  run.unsettle(pair);
  if (op.kind === 'create-sgacl' && op.sgaclName) run.createFailed(op.sgaclName, what);
  for (const later of rest) {
    if (later.kind === 'create-sgacl' && later.sgaclName) run.createFailed(later.sgaclName, 'not attempted');
    run.failed.push({ operation: later, error: `not attempted: ${op.id} ${what}` });
  }
}

/** Cells already as wanted, and the ANY-ANY cell, recorded as ISE holds them; records of vanished cells dropped. */
async function bookkeeping(ctx: SyncContext, run: PushRun, detail: PlanDetail, version: number, by: string) {
  const atMs = ctx.now();
  const adopt = [...detail.adopt];
  if (run.view.defaultCell !== null && !run.loaded.cells.has(DEFAULT_PAIR)) adopt.push(DEFAULT_PAIR);
  await Promise.all(
    adopt.map(async (pair) => {
      const v = pair === DEFAULT_PAIR ? run.view.defaultCell : run.view.cells.get(pair);
      if (v === null || v === undefined) return;
      await ctx.state.putCell(run.tenant, cellRecordOf(v, run.loaded.cells.get(pair), version, atMs, by));
      for (const s of v.sgacls) {
        if (run.loaded.sgacls.has(s.id)) continue;
        await ctx.state.putSgacl(run.tenant, {
          iseId: s.id,
          name: s.name,
          fingerprint: sgaclFingerprint(s),
          createdByUs: !s.readOnly && isOwnSgaclName(s.name, s.aclcontent),
          readOnly: s.readOnly,
          atMs,
        });
      }
    }),
  );
  await Promise.all(
    detail.forget.map((pair) => {
      const [sgt, dgt] = pair.split('-').map(Number) as [number, number];
      return ctx.state.dropCell(run.tenant, sgt, dgt);
    }),
  );
}

export async function applyPlan(
  ctx: SyncContext,
  run: PushRun,
  detail: PlanDetail,
  by: string,
): Promise<IsePushReport> {
  const ops = detail.plan.operations;
  run.expectCreates(ops);
  const cells = new Map<string, IseOperation[]>();
  for (const op of ops) {
    if (op.kind === 'delete-sgacl') continue;
    const pair = run.pair(op);
    cells.set(pair, [...(cells.get(pair) ?? []), op]);
  }
  const slots = new Semaphore(CELLS_IN_PARALLEL);
  await Promise.all([...cells].map(([pair, list]) => slots.run(() => runCell(run, pair, list))));
  const deletes = ops.filter((op) => op.kind === 'delete-sgacl');
  await Promise.all(deletes.map((op) => slots.run(() => runCell(run, `sgacl:${op.sgaclName}`, [op]))));
  await bookkeeping(ctx, run, detail, detail.plan.version, by);
  return run.report();
}
