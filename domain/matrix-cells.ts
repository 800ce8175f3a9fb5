/**
 * A version diff as a matrix (DESIGN §5): per (source, destination) cell,
 * whether the new matrix adds, changes or removes it, which ACE lines change,
 * and for each line the observed flows it decides. An approver reads "this
 * line permits these 12 flows, 40,000 hits" rather than a bare text diff.
 *
 * Policy changes come from `diffMatrices` (evidence moving under the same
 * ACEs is no change); which flows a line decides comes from `coverage`, the
 * reading readiness uses, so the hits shown here are the hits readiness will
 * count after the change. Pure: callers bring the inventory.
 */
import { type Ace, aceText, toAce } from './ace.ts';
import { type CoverageFlow, CoverageStatus, coverage, type FlowCoverage } from './coverage.ts';
import { diffMatrices, type Matrix, type MatrixDiff } from './matrix.ts';

export const CellChangeKind = { Added: 'added', Changed: 'changed', Removed: 'removed' } as const;
export type CellChangeKind = (typeof CellChangeKind)[keyof typeof CellChangeKind];

export const AceChangeKind = { Added: 'added', Changed: 'changed', Removed: 'removed' } as const;
export type AceChangeKind = (typeof AceChangeKind)[keyof typeof AceChangeKind];

/** One observed flow a changed line decides, and how it fares on each side. */
export interface CoveredFlow {
  flowId: string;
  hits: number;
  before: CoverageStatus;
  after: CoverageStatus;
  /** The infrastructure service it carries (DNS, RADIUS …), or null. */
  service: string | null;
}

export interface AceLineChange {
  kind: AceChangeKind;
  /** The line before (removed, changed) and after (added, changed). */
  before: Ace | null;
  after: Ace | null;
  /**
   * The flows this line decides, busiest first, at most `maxFlows`: with the
   * new matrix for an added or changed line, with the old one for a removed
   * line (those flows fall to a later line or to the default now).
   */
  flows: CoveredFlow[];
  /** Every flow it decides and their hits, including those cut from `flows`. */
  flowCount: number;
  hits: number;
}

/** The flows of a cell whose coverage status changes, and their hits by the status they end in. */
export interface CellEffect {
  flows: number;
  hits: number;
  nowPermitted: number;
  nowDenied: number;
  nowUncovered: number;
}

export interface CellDiff {
  sgt: number;
  dgt: number;
  kind: CellChangeKind;
  /** The contract's name on each side; null on the side where the cell does not exist. */
  nameBefore: string | null;
  nameAfter: string | null;
  /** Same ACEs in another order (first match wins on the switch, so order is policy). */
  reordered: boolean;
  aces: AceLineChange[];
  effect: CellEffect;
}

export interface MatrixCellDiff {
  /** In (sgt, dgt) order. */
  cells: CellDiff[];
  /** The rows and columns of the picture: tags with at least one changed cell, ascending. */
  sources: number[];
  destinations: number[];
  defaultRule: MatrixDiff['defaultRule'];
  identical: boolean;
  totals: { added: number; changed: number; removed: number } & CellEffect;
}

export interface CellDiffOptions {
  /** Flows listed per line (the counts cover them all). Default 20. */
  maxFlows?: number;
}

const DEFAULT_MAX_FLOWS = 20;
const cellKey = (sgt: number, dgt: number): string => `${sgt}>${dgt}`;
const noEffect = (): CellEffect => ({ flows: 0, hits: 0, nowPermitted: 0, nowDenied: 0, nowUncovered: 0 });

function addEffect(e: CellEffect, hits: number, after: CoverageStatus): void {
  e.flows++;
  e.hits += hits;
  if (after === CoverageStatus.Permitted) e.nowPermitted += hits;
  else if (after === CoverageStatus.Denied) e.nowDenied += hits;
  else e.nowUncovered += hits;
}

interface Side {
  /** Per cell, per deciding ACE line, the flows it decides. */
  byLine: Map<string, FlowCoverage[]>;
  byFlow: Map<string, FlowCoverage>;
}

function side(matrix: Matrix, flows: readonly CoverageFlow[]): Side {
  const byLine = new Map<string, FlowCoverage[]>();
  const byFlow = new Map<string, FlowCoverage>();
  for (const c of coverage(matrix, flows)) {
    byFlow.set(c.flowId, c);
    if (c.ace === null) continue;
    const key = `${cellKey(c.sgt, c.dgt)} ${c.ace}`;
    const list = byLine.get(key);
    if (list === undefined) byLine.set(key, [c]);
    else list.push(c);
  }
  return { byLine, byFlow };
}

/**
 * The cell-by-cell picture of going from `before` to `after`, with the flows
 * each changed line decides among `flows` (a tenant's inventory; flows of
 * unchanged cells are ignored).
 */
export function cellDiff(
  before: Matrix,
  after: Matrix,
  flows: readonly CoverageFlow[],
  options: CellDiffOptions = {},
): MatrixCellDiff {
  const maxFlows = options.maxFlows ?? DEFAULT_MAX_FLOWS;
  const d = diffMatrices(before, after);
  const touched = new Set([...d.added, ...d.removed, ...d.changed].map((c) => cellKey(c.sgt, c.dgt)));
  const mine = flows.filter((f) => touched.has(cellKey(f.sgt, f.dgt)));
  const old = side(before, mine);
  const now = side(after, mine);

  const line = (
    kind: AceChangeKind,
    sgt: number,
    dgt: number,
    a: Ace | null,
    b: Ace | null,
  ): AceLineChange => {
    // A removed line decided flows in the old matrix; any other line decides them in the new one.
    const [deciding, text] =
      kind === AceChangeKind.Removed ? [old, aceText(a as Ace)] : [now, aceText(b as Ace)];
    const decided = (deciding.byLine.get(`${cellKey(sgt, dgt)} ${text}`) ?? [])
      .map((c) => ({
        flowId: c.flowId,
        hits: c.hits,
        before: old.byFlow.get(c.flowId)?.status ?? CoverageStatus.Uncovered,
        after: now.byFlow.get(c.flowId)?.status ?? CoverageStatus.Uncovered,
        service: c.service,
      }))
      .sort((x, y) => y.hits - x.hits || (x.flowId < y.flowId ? -1 : x.flowId > y.flowId ? 1 : 0));
    return {
      kind,
      before: a,
      after: b,
      flows: decided.slice(0, maxFlows),
      flowCount: decided.length,
      hits: decided.reduce((sum, f) => sum + f.hits, 0),
    };
  };

  const byCell = new Map<string, CoverageFlow[]>();
  for (const f of mine) {
    const key = cellKey(f.sgt, f.dgt);
    const list = byCell.get(key);
    if (list === undefined) byCell.set(key, [f]);
    else list.push(f);
  }
  const effectOf = (sgt: number, dgt: number): CellEffect => {
    const e = noEffect();
    for (const f of byCell.get(cellKey(sgt, dgt)) ?? []) {
      const a = old.byFlow.get(f.id)?.status;
      const b = now.byFlow.get(f.id)?.status;
      if (a !== undefined && b !== undefined && a !== b) addEffect(e, f.hits, b);
    }
    return e;
  };

  const cells: CellDiff[] = [
    ...d.added.map((c) => ({
      sgt: c.sgt,
      dgt: c.dgt,
      kind: CellChangeKind.Added,
      nameBefore: null,
      nameAfter: c.name,
      reordered: false,
      aces: c.aces.map((a) => line(AceChangeKind.Added, c.sgt, c.dgt, null, toAce(a))),
      effect: effectOf(c.sgt, c.dgt),
    })),
    ...d.removed.map((c) => ({
      sgt: c.sgt,
      dgt: c.dgt,
      kind: CellChangeKind.Removed,
      nameBefore: c.name,
      nameAfter: null,
      reordered: false,
      aces: c.aces.map((a) => line(AceChangeKind.Removed, c.sgt, c.dgt, toAce(a), null)),
      effect: effectOf(c.sgt, c.dgt),
    })),
    ...d.changed.map((c) => ({
      sgt: c.sgt,
      dgt: c.dgt,
      kind: CellChangeKind.Changed,
      nameBefore: c.nameBefore,
      nameAfter: c.nameAfter,
      reordered: c.reordered,
      aces: [
        ...c.added.map((a) => line(AceChangeKind.Added, c.sgt, c.dgt, null, a)),
        ...c.changed.map((x) => line(AceChangeKind.Changed, c.sgt, c.dgt, x.before, x.after)),
        ...c.removed.map((a) => line(AceChangeKind.Removed, c.sgt, c.dgt, a, null)),
      ],
      effect: effectOf(c.sgt, c.dgt),
    })),
  ].sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt);

  const totals = {
    added: d.added.length,
    changed: d.changed.length,
    removed: d.removed.length,
    ...noEffect(),
  };
  for (const c of cells) {
    totals.flows += c.effect.flows;
    totals.hits += c.effect.hits;
    totals.nowPermitted += c.effect.nowPermitted;
    totals.nowDenied += c.effect.nowDenied;
    totals.nowUncovered += c.effect.nowUncovered;
  }
  const ascending = (tags: Iterable<number>): number[] => [...new Set(tags)].sort((a, b) => a - b);
  return {
    cells,
    sources: ascending(cells.map((c) => c.sgt)),
    destinations: ascending(cells.map((c) => c.dgt)),
    defaultRule: d.defaultRule,
    identical: d.identical,
    totals,
  };
}
