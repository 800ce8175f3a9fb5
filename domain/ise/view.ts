/**
 * An ISE snapshot indexed for the sync: cells by their tag values, each with
 * its SGACLs resolved and its policy read as the product reads it (acl.ts),
 * which cells use each SGACL (a shared SGACL is never edited in place), and
 * two fingerprints per cell — the cell object alone (what a push re-checks
 * before writing it) and its whole policy (what the sync state remembers).
 */
import type { Ace } from '../ace.ts';
import { aclText, contentFingerprint, defaultRuleAce, fingerprint, sgaclAces } from './acl.ts';
import {
  ANY_TAG,
  type IseCellLike,
  type IseSgaclLike,
  type IseSgtLike,
  type IseSnapshotLike,
  pairKey,
} from './types.ts';

export interface CellView {
  pair: string;
  sgt: number;
  dgt: number;
  cell: IseCellLike;
  /** The SGACLs it lists, in order (an id ISE did not show is left out and counted in `missing`). */
  sgacls: IseSgaclLike[];
  missing: number;
  aces: Ace[];
  /** Policy text: what the cell is compared by. */
  text: string;
  /** Of the cell object: status, default rule, SGACL ids. */
  objectFingerprint: string;
  /** Of status, default rule and the SGACLs' contents: what the sync state keeps. */
  policyFingerprint: string;
}

export interface IseView {
  readAt: string;
  sgtByValue: ReadonlyMap<number, IseSgtLike>;
  sgaclById: ReadonlyMap<string, IseSgaclLike>;
  /** By lower-cased name: ISE's names are unique without regard to case. */
  sgaclByName: ReadonlyMap<string, IseSgaclLike>;
  /** Every cell but the default, by pair key. */
  cells: ReadonlyMap<string, CellView>;
  defaultCell: CellView | null;
  /** SGACL id → pair keys of the cells listing it (the default cell included). */
  usage: ReadonlyMap<string, readonly string[]>;
  /** Cells naming a group ISE did not show (skipped). */
  unresolved: number;
}

export const cellObjectFingerprint = (
  c: Pick<IseCellLike, 'matrixCellStatus' | 'defaultRule' | 'sgacls'>,
): string => fingerprint('cell', c.matrixCellStatus, c.defaultRule, ...c.sgacls);

export const cellPolicyFingerprint = (
  status: string,
  defaultRule: string,
  sgaclContentFingerprints: readonly string[],
): string => fingerprint('policy', status, defaultRule, ...sgaclContentFingerprints);

export const sgaclFingerprint = (s: Pick<IseSgaclLike, 'aclcontent'>): string =>
  contentFingerprint(s.aclcontent);

export function viewCell(
  cell: IseCellLike,
  sgt: number,
  dgt: number,
  sgaclById: ReadonlyMap<string, IseSgaclLike>,
): CellView {
  const sgacls: IseSgaclLike[] = [];
  for (const id of cell.sgacls) {
    const s = sgaclById.get(id);
    if (s !== undefined) sgacls.push(s);
  }
  const aces = sgacls.flatMap((s) => sgaclAces(s.name, s.aclcontent));
  const rule = defaultRuleAce(cell.defaultRule);
  if (rule !== null) aces.push(rule);
  return {
    pair: pairKey(sgt, dgt),
    sgt,
    dgt,
    cell,
    sgacls,
    missing: cell.sgacls.length - sgacls.length,
    aces,
    text: aclText(aces),
    objectFingerprint: cellObjectFingerprint(cell),
    // A listed id ISE did not show counts as its id, so it still changes the fingerprint.
    policyFingerprint: cellPolicyFingerprint(
      cell.matrixCellStatus,
      cell.defaultRule,
      cell.sgacls.map((id) => {
        const s = sgaclById.get(id);
        return s === undefined ? `missing:${id}` : sgaclFingerprint(s);
      }),
    ),
  };
}

export function indexSnapshot(snapshot: IseSnapshotLike): IseView {
  const sgtById = new Map(snapshot.sgts.map((s) => [s.id, s]));
  const sgtByValue = new Map(snapshot.sgts.map((s) => [s.value, s]));
  const sgaclById = new Map(snapshot.sgacls.map((s) => [s.id, s]));
  const sgaclByName = new Map(snapshot.sgacls.map((s) => [s.name.toLowerCase(), s]));
  const cells = new Map<string, CellView>();
  const usage = new Map<string, string[]>();
  let defaultCell: CellView | null = null;
  let unresolved = 0;
  for (const cell of snapshot.cells) {
    const isDefault = snapshot.defaultCell !== null && cell.id === snapshot.defaultCell.id;
    const src = sgtById.get(cell.sourceSgtId)?.value ?? (isDefault ? ANY_TAG : undefined);
    const dst = sgtById.get(cell.destinationSgtId)?.value ?? (isDefault ? ANY_TAG : undefined);
    if (src === undefined || dst === undefined) {
      unresolved++;
      continue;
    }
    const view = viewCell(cell, src, dst, sgaclById);
    if (isDefault || (src === ANY_TAG && dst === ANY_TAG)) defaultCell = view;
    else cells.set(view.pair, view);
    for (const id of cell.sgacls) usage.set(id, [...(usage.get(id) ?? []), view.pair]);
  }
  return {
    readAt: snapshot.readAt,
    sgtByValue,
    sgaclById,
    sgaclByName,
    cells,
    defaultCell,
    usage,
    unresolved,
  };
}

/** The SGACLs more than one cell lists: never edited in place. */
export const sharedSgacls = (view: IseView): string[] =>
  [...view.usage].filter(([, pairs]) => pairs.length > 1).map(([id]) => id);
