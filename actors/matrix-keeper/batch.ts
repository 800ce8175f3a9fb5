/**
 * A version made of several approvals at once (a batch decision): the same
 * fold as one approval's version, over each approved proposal in turn, so N
 * approvals decided together make one version with N proposals, not N
 * versions. Pure: the keeper reads and writes.
 */
import {
  foldProposal,
  INITIAL_MATRIX,
  type MatrixVersion,
  nextVersion,
} from '../../domain/matrix-version.ts';
import type { Proposal } from '../../domain/proposal.ts';
import type { SgtDictionary } from '../../domain/types.ts';

export interface BatchVersionInput {
  current: MatrixVersion | null;
  latest: number;
  /** At least one, in the order they were decided. */
  proposals: readonly Proposal[];
  names: SgtDictionary;
  author: string;
  channel: string;
  atMs: number;
}

/** The next version carrying every proposal; one proposal gives exactly what nextVersion gives. */
export function batchVersion(input: BatchVersionInput): MatrixVersion {
  const [first, ...rest] = input.proposals;
  if (first === undefined) throw new RangeError('a version needs at least one proposal');
  if (rest.length === 0) return nextVersion({ ...input, proposal: first });
  let matrix = input.current?.matrix ?? INITIAL_MATRIX;
  for (const p of input.proposals) matrix = foldProposal(matrix, p, input.names);
  return {
    version: input.latest + 1,
    parent: input.current?.version ?? null,
    author: input.author,
    channel: input.channel,
    reason: `approved ${input.proposals.length} proposals in one decision`,
    atMs: input.atMs,
    proposals: input.proposals.map((p) => p.id),
    matrix,
  };
}
