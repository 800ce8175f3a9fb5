/**
 * Immutable matrix versions (DESIGN §5–6). An approval folds one proposal into
 * the current matrix and the result becomes the next version: a complete
 * snapshot with its parent, author, reason and the proposals it applied.
 * Existing cells keep their names, since a renamed SGACL is a new SGACL on
 * the switch.
 */
import { contractBaseName, sgtDisplayName } from './contract-names.ts';
import type { Contract } from './contracts.ts';
import { DefaultRule, type Matrix } from './matrix.ts';
import { mergeAces, type Proposal } from './proposal.ts';
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
    aces: mergeAces(old.aces, proposal.aces),
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
