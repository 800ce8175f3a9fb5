/**
 * The proposer on the engine: classified flows become proposals, stored in
 * `scopilot_proposals` with CAS because the matrix keeper writes the same
 * records when people decide. A proposal's id is derived from its idempotency
 * key, so a redelivered or re-scanned flow finds its proposal instead of
 * making a second one; a flow for a pair with an open proposal is folded into
 * it (storm collapse). During a tenant's learning period flows are only
 * observed.
 */
import * as v from 'valibot';
import { collapse, isOpen, type Proposal } from '../../domain/proposal.ts';
import type { ActorDefinition, Effect } from '../../engine/actor/types.ts';
import { KvConflictError } from '../../engine/errors.ts';
import { keys, type Stores, sgtNames } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  envelope,
  FlowClassified,
  type Namespace,
  type ProposalEvent,
  StreamName,
  type Subjects,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { DEFAULT_PROPOSER_SETTINGS, type ProposerSettings, proposalFor } from './logic.ts';

export const ProposerState = v.object({
  firstSeenMs: v.nullable(v.number()),
  /** Tag pair → the proposal last opened for it. */
  open: v.record(v.string(), v.string()),
});
export type ProposerState = v.InferOutput<typeof ProposerState>;

export interface ProposerOptions extends Partial<ProposerSettings> {
  /** Observe only, for this long after a tenant's first classified flow (default 0). */
  learningMs?: number;
}

function events(
  subjects: Subjects,
  tenant: string,
  event: ProposalEvent,
  p: Proposal,
  nowMs: number,
  cause: string,
): Effect[] {
  const at = new Date(nowMs).toISOString();
  const eventId = `proposal:${tenant}:${p.id}:${event}:${cause}`;
  const auditId = `audit:${eventId}`;
  return [
    {
      type: 'publish',
      subject: subjects.proposal(tenant, event),
      msgId: eventId,
      message: envelope({
        id: eventId,
        tenant,
        at,
        by: 'proposer',
        data: { proposalId: p.id, status: p.status, revision: p.history.length },
      }),
    },
    {
      type: 'publish',
      subject: subjects.audit(tenant),
      msgId: auditId,
      message: envelope({
        id: auditId,
        tenant,
        at,
        by: 'proposer',
        data: {
          action: `proposal.${event}`,
          object: p.id,
          channel: 'system',
          detail: { pair: `${p.sgt}>${p.dgt}`, cause },
        },
      }),
    },
  ];
}

export function proposerActor(
  ns: Namespace,
  stores: Stores,
  options: ProposerOptions = {},
): ActorDefinition<ProposerState, FlowClassified> {
  const subjects = subjectsFor(ns);
  const settings = { ...DEFAULT_PROPOSER_SETTINGS, ...options };
  const learningMs = options.learningMs ?? 0;

  /** Fold `incoming` into the pair's open proposal; false when there is none open any more. */
  async function mergeIntoOpen(
    tenant: string,
    openId: string,
    incoming: Proposal,
    nowMs: number,
  ): Promise<Proposal | null> {
    const key = keys.proposal(tenant, openId);
    for (;;) {
      const found = await stores.proposals.get(key);
      if (found === null || !isOpen(found.value.status)) return null;
      const merged = collapse(found.value as Proposal, incoming, nowMs);
      try {
        await stores.proposals.update(key, merged, found.revision);
        return merged;
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
      }
    }
  }

  return {
    kind: 'proposer',
    stream: streamName(StreamName.Work, ns),
    filterSubject: subjects.allTenants('flows.classified'),
    initialState: () => ({ firstSeenMs: null, open: {} }),
    parseState: (raw) => v.parse(ProposerState, raw),
    decode: (message) => decodeMessage(message.data, FlowClassified).data,
    async transition(state, c, ctx) {
      const tenant = ctx.tenant;
      const next: ProposerState = { ...state, firstSeenMs: state.firstSeenMs ?? ctx.nowMs };
      if (ctx.nowMs < (next.firstSeenMs ?? ctx.nowMs) + learningMs) return { state: next, effects: [] };
      const record = (await stores.inventory.get(keys.inventory(tenant, c.flowId)))?.value ?? null;
      const candidate = proposalFor(tenant, c, record, await sgtNames(stores, tenant), settings, ctx.nowMs);
      if (candidate === null) return { state: next, effects: [] };

      const existing = await stores.proposals.get(keys.proposal(tenant, candidate.id));
      if (existing !== null) {
        // Asked before: a redelivery, a re-scan, or a flow people already decided on. Re-announce
        // an open one (deduplicated by msgId) in case the first announcement was lost in a crash.
        const effects = isOpen(existing.value.status)
          ? events(subjects, tenant, 'created', existing.value as Proposal, ctx.nowMs, 'new')
          : [];
        return { state: next, effects };
      }
      const pair = `${c.sgt}-${c.dgt}`;
      const openId = state.open[pair];
      if (openId !== undefined) {
        const merged = await mergeIntoOpen(tenant, openId, candidate, ctx.nowMs);
        if (merged !== null)
          return {
            state: next,
            effects: events(subjects, tenant, 'updated', merged, ctx.nowMs, candidate.id),
          };
      }
      try {
        await stores.proposals.create(keys.proposal(tenant, candidate.id), candidate);
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
      }
      return {
        state: { ...next, open: { ...state.open, [pair]: candidate.id } },
        effects: events(subjects, tenant, 'created', candidate, ctx.nowMs, 'new'),
      };
    },
  };
}
