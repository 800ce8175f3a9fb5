/**
 * Drift (pure): how ISE differs from the approved version — cells missing
 * from ISE, cells only ISE has, cells whose policy differs, a status that is
 * not what the product last recorded, and the ANY-ANY default. Each entry
 * carries both sides as ACE text an engineer can compare.
 */
import type { IseDrift } from '../../integrations/ise/sync/types.ts';
import type { Matrix } from '../matrix.ts';
import type { SgtDictionary } from '../types.ts';
import { aclText, describeAces } from './acl.ts';
import { defaultRuleOf } from './import.ts';
import { byPair, cellRef } from './plan-input.ts';
import { pairKey, type SyncState } from './types.ts';
import type { IseView } from './view.ts';

export interface DriftInput {
  view: IseView;
  version: number;
  matrix: Matrix;
  state: SyncState;
  names: SgtDictionary;
}

export function driftOf(input: DriftInput): IseDrift[] {
  const { view, matrix, version } = input;
  const want = new Map(matrix.cells.map((c) => [pairKey(c.sgt, c.dgt), c]));
  const out: IseDrift[] = [];
  for (const pair of [...new Set([...want.keys(), ...view.cells.keys()])].sort(byPair)) {
    const w = want.get(pair);
    const ise = view.cells.get(pair);
    const [sgt, dgt] = pair.split('-').map(Number) as [number, number];
    const cell = cellRef(sgt, dgt, input.names);
    const label = `${cell.srcName} (${sgt}) → ${cell.dstName} (${dgt})`;
    if (ise === undefined) {
      if (w === undefined) continue;
      out.push({
        kind: 'missing',
        cell,
        expected: describeAces(w.aces),
        detail: `${label}: in version ${version}, not in ISE`,
      });
    } else if (w === undefined) {
      out.push({
        kind: 'extra',
        cell,
        actual: describeAces(ise.aces),
        detail: `${label}: in ISE (${ise.cell.matrixCellStatus}), not in version ${version}`,
      });
    } else if (aclText(w.aces) !== ise.text) {
      out.push({
        kind: 'changed',
        cell,
        expected: describeAces(w.aces),
        actual: describeAces(ise.aces),
        detail: `${label}: its ACEs in ISE differ from version ${version}`,
      });
    } else {
      const rec = input.state.cells.get(pair);
      if (rec !== undefined && rec.iseId === ise.cell.id && rec.status !== ise.cell.matrixCellStatus) {
        out.push({
          kind: 'changed',
          cell,
          expected: rec.status,
          actual: ise.cell.matrixCellStatus,
          detail: `${label}: status ${ise.cell.matrixCellStatus} in ISE, ${rec.status} when last imported or pushed`,
        });
      }
    }
  }
  const actual = defaultRuleOf(view, matrix.defaultRule);
  if (view.defaultCell !== null && actual !== matrix.defaultRule) {
    out.push({
      kind: 'default',
      expected: matrix.defaultRule,
      actual,
      detail: `the matrix default is ${actual} in ISE (ANY-ANY ${view.defaultCell.cell.defaultRule}), ${matrix.defaultRule} in version ${version}`,
    });
  }
  return out;
}
