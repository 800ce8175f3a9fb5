/**
 * Immutable matrix versions (DESIGN §5–6). An approval folds one proposal into
 * the current matrix and the result becomes the next version: a complete
 * snapshot with its parent, author, reason and the proposals it applied.
 * Existing cells keep their names, since a renamed SGACL is a new SGACL on
 * the switch.
 */
import { aceMatchKey } from './ace.ts';
import { contractBaseName, sgtDisplayName } from './contract-names.ts';
import type { Contract } from './contracts.ts';
import { DefaultRule, type Matrix } from './matrix.ts';
import { mergeAces, mergeIntoCell, type Proposal } from './proposal.ts';
import type { SgtDictionary } from './types.ts';

export interface MatrixVersion {
  version: number;
  parent: number | null;
  author: string;
  channel: string;
  reason: string;
  atMs: number;
  /** Proposals this version applied (one for an approval). */
  proposals: string[];
  matrix: Matrix;
}

/**
 * Before any approval: no contracts and the permissive default most networks
 * run while they learn. Coverage never counts on the default.
 */
export const INITIAL_MATRIX: Matrix = Object.freeze({
  cells: [],
  defaultRule: DefaultRule.PermitIp,
}) as Matrix;

function freshName(sgt: number, dgt: number, names: SgtDictionary, cells: readonly Contract[]): string {
  const taken = new Set(cells.map((c) => c.name));
  const base = contractBaseName(sgt, dgt, names);
  let name = base;
  for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
  return name;
}

/** The matrix with a proposal's ACEs folded into its cell (deny wins on a conflicting match). */
export function foldProposal(matrix: Matrix, proposal: Proposal, names: SgtDictionary): Matrix {
  const index = matrix.cells.findIndex((c) => c.sgt === proposal.sgt && c.dgt === proposal.dgt);
  const hits = proposal.aces.reduce((sum, a) => sum + a.hits, 0);
  const events = proposal.aces.reduce((sum, a) => sum + a.events, 0);
  if (index === -1) {
    const cell: Contract = {
      name: freshName(proposal.sgt, proposal.dgt, names, matrix.cells),
      sgt: proposal.sgt,
      dgt: proposal.dgt,
      sourceName: sgtDisplayName(proposal.sgt, names),
      destinationName: sgtDisplayName(proposal.dgt, names),
      aces: mergeAces([], proposal.aces),
      hits,
      events,
      classification: {
        business_relevant: { flows: 0, hits: 0 },
        default: { flows: 0, hits: 0 },
        business_irrelevant: { flows: 0, hits: 0 },
        harmful: { flows: 0, hits: 0 },
        unclassified: { flows: 0, hits: 0 },
      },
    };
    const cells = [...matrix.cells, cell].sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt);
    return { ...matrix, cells };
  }
  const old = matrix.cells[index]!;
  const cell: Contract = {
    ...old,
    aces: mergeIntoCell(old.aces, proposal.aces),
    hits: old.hits + hits,
    events: old.events + events,
  };
  return { ...matrix, cells: matrix.cells.map((c, i) => (i === index ? cell : c)) };
}

export interface NextVersionInput {
  /** The version the pointer names: the parent. */
  current: MatrixVersion | null;
  /** The highest version ever written: after a rollback it is above `current`. */
  latest: number;
  proposal: Proposal;
  names: SgtDictionary;
  author: string;
  channel: string;
  atMs: number;
}

export function nextVersion(input: NextVersionInput): MatrixVersion {
  const base = input.current?.matrix ?? INITIAL_MATRIX;
  return {
    version: input.latest + 1,
    parent: input.current?.version ?? null,
    author: input.author,
    channel: input.channel,
    reason: `approved proposal ${input.proposal.id}`,
    atMs: input.atMs,
    proposals: [input.proposal.id],
    matrix: foldProposal(base, input.proposal, input.names),
  };
}

/**
 * The proposals a version carries, each with the nearest version of its
 * ancestry that applied it: its own, its parent's, and so on back to the
 * first. `versionOf` answers the versions loaded so far (null ends the walk,
 * as for a version never written).
 */
export function carriedProposals(
  version: number,
  versionOf: (n: number) => Pick<MatrixVersion, 'parent' | 'proposals'> | null,
): Map<string, number> {
  const carried = new Map<string, number>();
  const seen = new Set<number>();
  for (let n: number | null = version; n !== null && n > 0 && !seen.has(n); ) {
    seen.add(n);
    const v = versionOf(n);
    if (v === null) break;
    for (const id of v.proposals) if (!carried.has(id)) carried.set(id, n);
    n = v.parent;
  }
  return carried;
}

/** Every ACE of the proposal is in its cell of `matrix`, with the same action: it is in force there. */
export function inForce(matrix: Matrix, proposal: Pick<Proposal, 'sgt' | 'dgt' | 'aces'>): boolean {
  const cell = matrix.cells.find((c) => c.sgt === proposal.sgt && c.dgt === proposal.dgt);
  if (cell === undefined) return proposal.aces.length === 0;
  const live = new Set(cell.aces.map((a) => `${a.action} ${aceMatchKey(a)}`));
  return proposal.aces.every((a) => live.has(`${a.action} ${aceMatchKey(a)}`));
}
