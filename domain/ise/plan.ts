/**
 * The ISE planner (pure): snapshot × approved version × sync state × observed
 * inventory × settings → the ERS writes that bring ISE to the version, for one
 * stage. Planning writes nothing.
 *
 * Per cell (monitor stage):
 * - as the version wants it already: no write (its sync record is refreshed: `adopt`);
 * - changed in ISE since the product last imported or pushed it (or in ISE and
 *   never seen by the product): a conflict, reported and never overwritten;
 * - new: its SGACL (deterministic name) and a MONITOR cell;
 * - changed: keeps its status; its one SGACL is edited in place unless another
 *   cell lists it, else it gets an SGACL of its own;
 * - gone from the version: deleted only when the product created it.
 * SGACLs the product created that no cell lists any more are deleted last.
 */
import type { IseOperation, IsePlan } from '../../integrations/ise/sync/types.ts';
import { sgtDisplayName } from '../contract-names.ts';
import type { Contract } from '../contracts.ts';
import type { CoverageFlow } from '../coverage.ts';
import { aclText, contentFingerprint, sgaclAces, splitForCell } from './acl.ts';
import { denyImpact, flowsByPair, oversizedDestinations } from './impact.ts';
import {
  byPair,
  cellRef,
  conflictReason,
  createdByProduct,
  expectOf,
  type PlanAcc,
  type PlanDetail,
  type PlanInput,
} from './plan-input.ts';
import { SgaclChoices } from './plan-sgacls.ts';
import { planDenyDefault, planEnforce } from './stages.ts';
import { DEFAULT_PAIR, pairKey, type SyncCell } from './types.ts';
import { type CellView, sgaclFingerprint } from './view.ts';

const needsAdopt = (rec: SyncCell | undefined, ise: CellView): boolean =>
  rec === undefined ||
  rec.pending !== undefined ||
  rec.iseId !== ise.cell.id ||
  rec.fingerprint !== ise.policyFingerprint;

function planContent(input: PlanInput, acc: PlanAcc): void {
  const { view, state, version, names } = input;
  const want = new Map(input.matrix.cells.map((c) => [pairKey(c.sgt, c.dgt), c]));
  const pairs = new Set([...want.keys(), ...view.cells.keys(), ...state.cells.keys()]);
  pairs.delete(DEFAULT_PAIR);
  const choices = new SgaclChoices(view, state);
  const flows = flowsByPair(input.flows);
  for (const pair of [...pairs].sort(byPair)) {
    const w = want.get(pair);
    const rec = state.cells.get(pair);
    const ise = view.cells.get(pair);
    const [sgt, dgt] = pair.split('-').map(Number) as [number, number];
    const ref = cellRef(sgt, dgt, names);
    if (w !== undefined) {
      if (ise !== undefined && ise.text === aclText(w.aces)) {
        if (needsAdopt(rec, ise)) acc.adopt.push(pair);
        continue;
      }
      if (ise !== undefined) {
        const why = conflictReason(rec, ise);
        if (why !== null) acc.conflicts.push({ cell: ref, reason: why });
        else change(input, acc, choices, w, ise, flows.get(pair) ?? []);
      } else if (rec?.iseId !== undefined) {
        acc.conflicts.push({ cell: ref, reason: 'deleted in ISE since the last import or push' });
      } else {
        create(input, acc, choices, w, flows.get(pair) ?? []);
      }
      continue;
    }
    if (ise === undefined) {
      if (rec !== undefined) acc.forget.push(pair);
      continue;
    }
    if (!createdByProduct(rec, ise)) {
      if (rec !== undefined) {
        acc.warnings.push({
          code: 'OTHER',
          message: `${ref.srcName} → ${ref.dstName} is not in version ${version} but stays in ISE: the product did not create it`,
        });
      }
      continue;
    }
    const why = conflictReason(rec, ise);
    if (why !== null) {
      acc.conflicts.push({ cell: ref, reason: `${why}; not deleted` });
      continue;
    }
    acc.operations.push({
      id: `delete-cell:${pair}`,
      kind: 'delete-cell',
      cell: ref,
      expect: expectOf(ise.cell.id, ise.cell.generationId, ise.objectFingerprint),
      reason: `not in version ${version}, and the product created it`,
    });
    choices.release(pair, ise.cell.sgacls);
  }
  acc.operations.push(...choices.deletions(version));
}

function create(
  input: PlanInput,
  acc: PlanAcc,
  choices: SgaclChoices,
  w: Contract,
  flows: readonly CoverageFlow[],
): void {
  const ref = cellRef(w.sgt, w.dgt, input.names);
  const missing = [w.sgt, w.dgt].filter((t) => !input.view.sgtByValue.has(t));
  if (missing.length > 0) {
    acc.warnings.push({
      code: 'OTHER',
      message: `${w.name} is not pushed: ISE has no group with tag ${missing.join(' or ')}`,
    });
    return;
  }
  const { content, defaultRule } = splitForCell(w.aces);
  if (content === '' && defaultRule === 'NONE') {
    acc.warnings.push({ code: 'OTHER', message: `${w.name} has no ACEs: nothing to push` });
    return;
  }
  const sgacls: string[] = [];
  if (content !== '') {
    const e = choices.ensure(w.name, content, input.version, ref);
    if ('taken' in e) {
      acc.conflicts.push({ cell: ref, reason: `SGACL name ${e.taken} is taken in ISE by other content` });
      return;
    }
    if (e.create !== undefined) acc.operations.push(e.create);
    sgacls.push(e.name);
  }
  const impact = denyImpact([], w.aces, flows);
  acc.operations.push({
    id: `create-cell:${pairKey(w.sgt, w.dgt)}`,
    kind: 'create-cell',
    cell: ref,
    sgacls,
    status: 'MONITOR',
    defaultRule,
    reason: `new in version ${input.version}: created in MONITOR, so it logs before it enforces`,
    ...(impact === null ? {} : { impact }),
  });
}

function change(
  input: PlanInput,
  acc: PlanAcc,
  choices: SgaclChoices,
  w: Contract,
  ise: CellView,
  flows: readonly CoverageFlow[],
): void {
  const ref = cellRef(w.sgt, w.dgt, input.names);
  const { content, defaultRule } = splitForCell(w.aces);
  const ops: IseOperation[] = [];
  let sgacls: string[] = [];
  const only = ise.sgacls.length === 1 && ise.missing === 0 ? ise.sgacls[0] : undefined;
  const listedText = aclText(ise.sgacls.flatMap((s) => sgaclAces(s.name, s.aclcontent)));
  if (content === '') {
    sgacls = [];
  } else if (ise.missing === 0 && listedText === content) {
    // The SGACLs say it already (only the default rule changes): keep listing them, shared or not.
    sgacls = ise.sgacls.map((s) => s.name);
    for (const n of sgacls) choices.keep(n);
  } else if (only !== undefined && !only.readOnly && !choices.sharedBeyond(only.id, ise.pair)) {
    choices.keep(only.name);
    sgacls = [only.name];
    if (sgaclFingerprint(only) !== contentFingerprint(content)) {
      ops.push({
        id: `update-sgacl:${only.name}`,
        kind: 'update-sgacl',
        cell: ref,
        sgaclName: only.name,
        content,
        expect: expectOf(only.id, only.generationId, sgaclFingerprint(only)),
        reason: `${w.name} changed in version ${input.version}; no other cell lists ${only.name}, so it is edited in place`,
      });
    }
  } else {
    const e = choices.ensure(w.name, content, input.version, ref);
    if ('taken' in e) {
      acc.conflicts.push({ cell: ref, reason: `SGACL name ${e.taken} is taken in ISE by other content` });
      return;
    }
    if (e.create !== undefined) ops.push(e.create);
    sgacls = [e.name];
  }
  const listed = ise.sgacls.map((s) => s.name.toLowerCase());
  const listChanged =
    ise.missing > 0 ||
    sgacls.length !== listed.length ||
    sgacls.some((n, i) => n.toLowerCase() !== listed[i]);
  if (listChanged || defaultRule !== ise.cell.defaultRule) {
    ops.push({
      id: `update-cell:${ise.pair}`,
      kind: 'update-cell',
      cell: ref,
      sgacls,
      status: ise.cell.matrixCellStatus,
      defaultRule,
      expect: expectOf(ise.cell.id, ise.cell.generationId, ise.objectFingerprint),
      reason:
        `${w.name} changed in version ${input.version}; it keeps its status ${ise.cell.matrixCellStatus}` +
        (only !== undefined && listChanged && sgacls.length > 0 && choices.sharedBeyond(only.id, ise.pair)
          ? ` and gets an SGACL of its own (${only.name} is shared with other cells)`
          : ''),
    });
    if (listChanged) {
      const keep = new Set(sgacls.map((n) => n.toLowerCase()));
      choices.release(
        ise.pair,
        ise.sgacls.filter((s) => !keep.has(s.name.toLowerCase())).map((s) => s.id),
      );
    }
  }
  const impact = denyImpact(ise.aces, w.aces, flows);
  const last = ops.at(-1);
  if (impact !== null && last !== undefined) last.impact = impact;
  acc.operations.push(...ops);
}

function sizeWarnings(input: PlanInput, acc: PlanAcc): void {
  for (const [dgt, bytes] of oversizedDestinations(input.matrix.cells)) {
    acc.warnings.push({
      code: 'POLICY_SIZE',
      dgt,
      message:
        `${sgtDisplayName(dgt, input.names)} (${dgt}) receives ${(bytes / 1024).toFixed(1)} KB of ACE text; ` +
        'a switch downloads about 6 KB per destination tag, and with a deny default may get only part of it',
    });
  }
}

export function planSync(input: PlanInput): PlanDetail {
  const acc: PlanAcc = { operations: [], conflicts: [], warnings: [], adopt: [], forget: [] };
  let extra: Pick<IsePlan, 'fallback' | 'readiness'> = {};
  if (input.stage === 'monitor') planContent(input, acc);
  else if (input.stage === 'enforce') planEnforce(input, acc);
  else extra = planDenyDefault(input, acc);
  sizeWarnings(input, acc);
  return {
    plan: {
      tenant: input.tenant,
      stage: input.stage,
      version: input.version,
      operations: acc.operations,
      conflicts: acc.conflicts,
      warnings: acc.warnings,
      ...extra,
    },
    adopt: acc.adopt,
    forget: acc.forget,
  };
}
