/**
 * What a push means for the approved proposals behind the version.
 *
 * `applied` keeps the one meaning it has everywhere else — in the approved
 * matrix — because the keeper, rollbacks and reconciliation all rely on it,
 * and a matrix can be approved with no ISE at all. What reached ISE is told
 * beside it: the proposal's `ise` says `monitor`, `enforced` or `failed` (with
 * the reason, and the version and stage of the push), and its trail gains an
 * entry saying so, under its unchanged status. A push that changes nothing for
 * a proposal leaves it alone.
 */
import { carriedProposals } from '../../../domain/matrix-version.ts';
import { Channel } from '../../../domain/proposal.ts';
import { KvConflictError } from '../../../engine/errors.ts';
import {
  keys,
  type MatrixVersionRecord,
  matrixVersion,
  type ProposalRecord,
} from '../../../kv-schema/mod.ts';
import type { SyncContext } from './context.ts';
import type { IseStage } from './types.ts';

export type IseProposalState = NonNullable<ProposalRecord['ise']>['state'];

export interface CellOutcome {
  state: IseProposalState;
  reason?: string;
}

const MAX_RACES = 20;

const channelOf = (c: string): ProposalRecord['history'][number]['channel'] =>
  (Object.values(Channel) as string[]).includes(c)
    ? (c as ProposalRecord['history'][number]['channel'])
    : 'system';

function note(state: IseProposalState, version: number, reason?: string): string {
  if (state === 'monitor')
    return `in ISE (monitor): version ${version} pushed; its cell logs without enforcing`;
  if (state === 'enforced') return `in ISE (enforced): its cell of version ${version} is ENABLED`;
  return `ISE push of version ${version} failed for its cell: ${reason ?? 'unknown reason'}`;
}

async function carried(ctx: SyncContext, tenant: string, version: number): Promise<string[]> {
  const loaded = new Map<number, MatrixVersionRecord>();
  for (let n: number | null = version; n !== null && n > 0 && !loaded.has(n); ) {
    const v = await matrixVersion(ctx.stores, tenant, n);
    if (v === null) break;
    loaded.set(n, v);
    n = v.parent;
  }
  return [...carriedProposals(version, (n) => loaded.get(n) ?? null).keys()];
}

/** Marks the applied proposals of `version` whose cell has an outcome; answers the ids it changed. */
export async function markProposals(
  ctx: SyncContext,
  tenant: string,
  version: number,
  stage: IseStage,
  outcomes: ReadonlyMap<string, CellOutcome>,
  by: string,
  channel: string,
): Promise<string[]> {
  const changed: string[] = [];
  for (const id of await carried(ctx, tenant, version)) {
    const key = keys.proposal(tenant, id);
    for (let race = 0; ; race++) {
      const found = await ctx.stores.proposals.get(key);
      if (found === null || found.value.status !== 'applied') break;
      const p = found.value;
      const outcome = outcomes.get(`${p.sgt}-${p.dgt}`);
      if (outcome === undefined) break;
      if (p.ise?.state === outcome.state && p.ise.version === version && p.ise.reason === outcome.reason)
        break;
      const atMs = ctx.now();
      const next: ProposalRecord = {
        ...p,
        updatedAtMs: atMs,
        ise: {
          state: outcome.state,
          version,
          stage,
          atMs,
          ...(outcome.reason === undefined ? {} : { reason: outcome.reason.slice(0, 2000) }),
        },
        history: [
          ...p.history,
          {
            status: p.status,
            atMs,
            by: by.slice(0, 200),
            channel: channelOf(channel),
            note: note(outcome.state, version, outcome.reason).slice(0, 2000),
          },
        ],
      };
      try {
        await ctx.stores.proposals.update(key, next, found.revision);
        changed.push(id);
        break;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
  }
  return changed;
}
