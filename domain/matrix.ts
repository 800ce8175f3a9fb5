/**
 * The TrustSec matrix as the product versions it (DESIGN §5): every cell's
 * contract plus the default rule, and the diff between two versions that an
 * approver reads before a version goes live. The diff is about policy only:
 * evidence (hits, flows) changing under the same ACEs is not a change.
 */
import { type Ace, aceMatchKey, aceText, toAce } from './ace.ts';
import type { Contract } from './contracts.ts';

export const DefaultRule = { DenyIp: 'deny ip', PermitIp: 'permit ip' } as const;
export type DefaultRule = (typeof DefaultRule)[keyof typeof DefaultRule];

/** A complete snapshot; cells are unique per (sgt, dgt). */
export interface Matrix {
  cells: Contract[];
  defaultRule: DefaultRule;
}

export interface AceChange {
  before: Ace;
  after: Ace;
}

export interface CellChange {
  sgt: number;
  dgt: number;
  nameBefore: string;
  nameAfter: string;
  added: Ace[];
  removed: Ace[];
  /** Same match, different action or logging. */
  changed: AceChange[];
  /** Same ACEs in a different order (first match wins on the switch, so order is policy). */
  reordered: boolean;
}

export interface MatrixDiff {
  added: Contract[];
  removed: Contract[];
  changed: CellChange[];
  defaultRule: { before: DefaultRule; after: DefaultRule } | null;
  /** Nothing differs. */
  identical: boolean;
}

const cellKey = (c: { sgt: number; dgt: number }): string => `${c.sgt}>${c.dgt}`;
const byCell = (a: { sgt: number; dgt: number }, b: { sgt: number; dgt: number }): number =>
  a.sgt - b.sgt || a.dgt - b.dgt;

function indexCells(m: Matrix): Map<string, Contract> {
  const out = new Map<string, Contract>();
  // The first of a duplicated pair wins, as a switch would apply only one.
  for (const c of m.cells) if (!out.has(cellKey(c))) out.set(cellKey(c), c);
  return out;
}

function diffCell(a: Contract, b: Contract): CellChange | null {
  const before = new Map(a.aces.map((x) => [aceMatchKey(x), toAce(x)]));
  const after = new Map(b.aces.map((x) => [aceMatchKey(x), toAce(x)]));
  const added: Ace[] = [];
  const removed: Ace[] = [];
  const changed: AceChange[] = [];
  for (const [key, ace] of after) {
    const old = before.get(key);
    if (old === undefined) added.push(ace);
    else if (aceText(old) !== aceText(ace)) changed.push({ before: old, after: ace });
  }
  for (const [key, ace] of before) if (!after.has(key)) removed.push(ace);
  const order = (c: Contract): string[] => c.aces.map((x) => aceMatchKey(x));
  const common = (keys: string[], other: Map<string, Ace>): string[] => keys.filter((k) => other.has(k));
  const reordered = common(order(a), after).join('\n') !== common(order(b), before).join('\n');
  const same =
    a.name === b.name && added.length === 0 && removed.length === 0 && changed.length === 0 && !reordered;
  if (same) return null;
  return {
    sgt: a.sgt,
    dgt: a.dgt,
    nameBefore: a.name,
    nameAfter: b.name,
    added,
    removed,
    changed,
    reordered,
  };
}

/** What changes going from `a` to `b`, cells in (sgt, dgt) order. */
export function diffMatrices(a: Matrix, b: Matrix): MatrixDiff {
  const before = indexCells(a);
  const after = indexCells(b);
  const added: Contract[] = [];
  const removed: Contract[] = [];
  const changed: CellChange[] = [];
  for (const [key, cell] of after) {
    const old = before.get(key);
    if (old === undefined) added.push(cell);
    else {
      const change = diffCell(old, cell);
      if (change !== null) changed.push(change);
    }
  }
  for (const [key, cell] of before) if (!after.has(key)) removed.push(cell);
  added.sort(byCell);
  removed.sort(byCell);
  changed.sort(byCell);
  const defaultRule =
    a.defaultRule === b.defaultRule ? null : { before: a.defaultRule, after: b.defaultRule };
  const identical =
    added.length === 0 && removed.length === 0 && changed.length === 0 && defaultRule === null;
  return { added, removed, changed, defaultRule, identical };
}
