/**
 * The planner's inputs and what its stages add to, and the two rules every
 * stage shares: how a cell is named to people, and when a cell in ISE is no
 * longer as the product last left it (a conflict).
 */
import type { IseConflict, IseOperation, IsePlan, IseWarning } from '../../integrations/ise/sync/types.ts';
import { sgtDisplayName } from '../contract-names.ts';
import type { CoverageFlow } from '../coverage.ts';
import type { Matrix } from '../matrix.ts';
import type { SgtDictionary } from '../types.ts';
import type { SyncCell, SyncState } from './types.ts';
import type { CellView, IseView } from './view.ts';

export interface PlanSettings {
  monitorSoakMs: number;
  denyDefaultMinReadiness: number;
}

export interface PlanInput {
  tenant: string;
  stage: IsePlan['stage'];
  version: number;
  matrix: Matrix;
  view: IseView;
  state: SyncState;
  flows: readonly CoverageFlow[];
  settings: PlanSettings;
  nowMs: number;
  names: SgtDictionary;
}

export interface PlanDetail {
  plan: IsePlan;
  /** Cells already as the version wants them whose sync record is missing or stale: a push records them. */
  adopt: string[];
  /** Sync records of cells gone from ISE and from the version: a push drops them. */
  forget: string[];
}

/** What the stage functions add to. */
export interface PlanAcc {
  operations: IseOperation[];
  conflicts: IseConflict[];
  warnings: IseWarning[];
  adopt: string[];
  forget: string[];
}

export const cellRef = (sgt: number, dgt: number, names: SgtDictionary) => ({
  sgt,
  dgt,
  srcName: sgtDisplayName(sgt, names),
  dstName: sgtDisplayName(dgt, names),
});

export const byPair = (a: string, b: string): number => {
  const [as, ad] = a.split('-').map(Number) as [number, number];
  const [bs, bd] = b.split('-').map(Number) as [number, number];
  return as - bs || ad - bd;
};

export const expectOf = (id: string, generationId: string | undefined, fingerprint: string) => ({
  id,
  ...(generationId === undefined ? {} : { generationId }),
  fingerprint,
});

/**
 * A write the product sent whose record was lost (the process died, or ISE's
 * answer never came): ISE holds what that write was to leave.
 */
export const ownPendingWrite = (rec: SyncCell | undefined, ise: CellView): boolean =>
  rec?.pending !== undefined &&
  rec.pending.fingerprint === ise.policyFingerprint &&
  (rec.iseId === undefined || rec.iseId === ise.cell.id);

/** A cell the product created (a create whose record was lost included). */
export const createdByProduct = (rec: SyncCell | undefined, ise: CellView): boolean =>
  rec !== undefined &&
  ((rec.iseId === ise.cell.id && rec.createdByUs) || (rec.iseId === undefined && ownPendingWrite(rec, ise)));

/** Why a cell in ISE may not be written over, or null when it is as the product last left it. */
export function conflictReason(rec: SyncCell | undefined, ise: CellView): string | null {
  if (rec === undefined) return 'in ISE but never imported or pushed by the product: import ISE first';
  if (ownPendingWrite(rec, ise)) return null;
  if (rec.iseId === undefined) return 'a cell appeared in ISE while the product was creating it';
  if (rec.iseId !== ise.cell.id) return 'replaced in ISE (another cell id) since the last import or push';
  if (rec.fingerprint === ise.policyFingerprint) return null;
  const what: string[] = [];
  if (rec.status !== ise.cell.matrixCellStatus)
    what.push(`status ${rec.status} → ${ise.cell.matrixCellStatus}`);
  if (rec.defaultRule !== ise.cell.defaultRule)
    what.push(`default rule ${rec.defaultRule} → ${ise.cell.defaultRule}`);
  if (rec.sgacls.join() !== ise.cell.sgacls.join()) what.push('its SGACL list');
  if (what.length === 0) what.push('the content of its SGACLs');
  return `changed in ISE since the last import or push: ${what.join(', ')}`;
}
