/**
 * The proposer on the engine: classified flows become proposals, stored in
 * `scopilot_proposals` with CAS because the matrix keeper writes the same
 * records when people decide. A proposal's id is derived from its idempotency
 * key, so a redelivered or re-scanned flow finds its proposal instead of
 * making a second one; a flow for a pair with an open proposal is folded into
 * it (storm collapse), through a per-pair index in KV. A flow people decided
 * on is not asked again, unless a rollback took the version that applied it
 * out of the live matrix: then its rolled-back proposal is reopened. During a
 * tenant's learning period flows are only observed.
 */
import * as v from 'valibot';
import { collapse, isOpen, type Proposal, reopen } from '../../domain/proposal.ts';
import { daysWatched } from '../../domain/rarity.ts';
import type { ActorDefinition, Effect } from '../../engine/actor/types.ts';
import { sleep } from '../../engine/backoff.ts';
import { KvConflictError } from '../../engine/errors.ts';
import { keys, noteWatching, type Stores, sgtNames, watchingSince } from '../../kv-schema/mod.ts';
import {
  AuditRecord,
  checked,
  decodeMessage,
  envelope,
  FlowClassified,
  type Namespace,
  type ProposalEvent,
  ProposalEventMessage,
  StreamName,
  type Subjects,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import type { PipelineMetrics } from '../pipeline-metrics.ts';
import { DEFAULT_PROPOSER_SETTINGS, type ProposerSettings, proposalFor } from './logic.ts';
import { OpenProposalQuota, type OpenQuotaOptions, OpenSet, pairOf } from './quota.ts';

const CLAIM_POLL_MS = 100;
const CLAIM_GRACE_MS = 2_000;

export const ProposerState = v.object({
  firstSeenMs: v.nullable(v.number()),
  /** The proposals this tenant has open, by pair, while it has an open-proposals quota (quota.ts). */
  open: v.optional(OpenSet),
});
export type ProposerState = v.InferOutput<typeof ProposerState>;

export interface ProposerOptions extends Partial<ProposerSettings>, OpenQuotaOptions {
  /** Observe only, for this long after a tenant's first classified flow (default 0). */
  learningMs?: number;
  /** Proposals made visible, and how long after their line was received. */
  metrics?: PipelineMetrics;
}

function events(
  subjects: Subjects,
  tenant: string,
  event: ProposalEvent,
  p: Proposal,
  nowMs: number,
  cause: string,
  action = `proposal.${event}`,
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
        data: checked(ProposalEventMessage, {
          proposalId: p.id,
          status: p.status,
          revision: p.history.length,
        }),
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
        data: checked(AuditRecord, {
          action,
          object: p.id,
          channel: 'system',
          detail: { pair: `${p.sgt}>${p.dgt}`, cause },
        }),
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
  const quota = new OpenProposalQuota(stores, options);

  /**
   * File `candidate` under its pair: folded into the pair's open proposal, or
   * created and made the open one. The pair's index lives in KV and is claimed
   * with CAS before the proposal is written, so neither a crash nor a second
   * replica can leave two open proposals for one pair.
   */
  async function file(
    tenant: string,
    candidate: Proposal,
    nowMs: number,
    mayOpen: () => Promise<boolean>,
  ): Promise<['created' | 'updated' | 'reopened', Proposal] | ['held', null]> {
    const indexKey = keys.openProposal(tenant, candidate.sgt, candidate.dgt);
    for (let waited = 0; ; ) {
      const index = await stores.openProposals.get(indexKey);
      if (index !== null) {
        const key = keys.proposal(tenant, index.value.proposalId);
        const open = await stores.proposals.get(key);
        if (open === null && index.value.proposalId !== candidate.id && waited < CLAIM_GRACE_MS) {
          // Claimed but not written yet: another replica is between the two steps. Give it a moment;
          // only a writer that died there leaves this for long.
          await sleep(CLAIM_POLL_MS);
          waited += CLAIM_POLL_MS;
          continue;
        }
        if (open !== null && isOpen(open.value.status)) {
          if (open.value.id === candidate.id) return ['created', open.value as Proposal];
          const merged = collapse(open.value as Proposal, candidate, nowMs);
          try {
            await stores.proposals.update(key, merged, open.revision);
            return ['updated', merged];
          } catch (error) {
            if (error instanceof KvConflictError) continue; // decided or merged meanwhile: look again
            throw error;
          }
        }
      }
      // Not merged: this would open a proposal, which the tenant's quota may not allow now.
      if (!(await mayOpen())) return ['held', null];
      try {
        if (index === null) await stores.openProposals.create(indexKey, { proposalId: candidate.id });
        else await stores.openProposals.update(indexKey, { proposalId: candidate.id }, index.revision);
      } catch (error) {
        if (error instanceof KvConflictError) continue; // another writer claimed the pair first
        throw error;
      }
      const key = keys.proposal(tenant, candidate.id);
      const own = await stores.proposals.get(key);
      try {
        if (own === null) {
          await stores.proposals.create(key, candidate);
          return ['created', candidate];
        }
        if (own.value.status !== 'rolled_back') return ['created', own.value as Proposal];
        // Asked and applied before, then a rollback took it out: the same proposal is asked again.
        const note = `asked again: version ${own.value.appliedVersion ?? '?'} was rolled back and the flow is uncovered`;
        const reopened = reopen(own.value as Proposal, candidate, nowMs, note);
        await stores.proposals.update(key, reopened, own.revision);
        return ['reopened', reopened];
      } catch (error) {
        if (error instanceof KvConflictError) continue; // written meanwhile: look again
        throw error;
      }
    }
  }

  return {
    kind: 'proposer',
    stream: streamName(StreamName.Work, ns),
    filterSubject: subjects.allTenants('flows.classified'),
    initialState: () => ({ firstSeenMs: null }),
    parseState: (raw) => v.parse(ProposerState, raw),
    decode: (message) => decodeMessage(message.data, FlowClassified).data,
    async transition(state, c, ctx) {
      const tenant = ctx.tenant;
      const next: ProposerState = { ...state, firstSeenMs: state.firstSeenMs ?? ctx.nowMs };
      // A flow released from being held back: once it is filed (or needs nothing), it is held no more.
      const released = ctx.msgId?.startsWith('released:') === true;
      const done = async (): Promise<void> => {
        if (released) await quota.release(tenant, c.flowId);
      };
      // Learning only observes ordinary traffic; a flow to a malicious destination is proposed at once.
      const learning = ctx.nowMs < (next.firstSeenMs ?? ctx.nowMs) + learningMs;
      if (learning && c.trigger !== 'threat') return { state: next, effects: [] };
      const record = (await stores.inventory.get(keys.inventory(tenant, c.flowId)))?.value ?? null;
      // Watching began with the tenant's earliest traffic: this flow's, if nothing earlier was noted.
      const since =
        record === null
          ? await watchingSince(stores, tenant)
          : await noteWatching(stores, tenant, record.firstSeenMs);
      const names = await sgtNames(stores, tenant);
      const watched = daysWatched(since, ctx.nowMs);
      const candidate = proposalFor(tenant, c, record, names, settings, ctx.nowMs, watched);
      if (candidate === null) {
        await done();
        return { state: next, effects: [] };
      }

      const existing = await stores.proposals.get(keys.proposal(tenant, candidate.id));
      // Asked before and decided (rejected, applied, expired): people have spoken on this flow. Not so
      // when a rollback took the version that applied it out of the live matrix: then it is asked again.
      const decided = existing !== null && !isOpen(existing.value.status);
      if (decided && existing.value.status !== 'rolled_back') {
        await done();
        return { state: next, effects: [] };
      }
      const limited = quota.limitOf(tenant) > 0;
      const open = limited ? { ...(await quota.openSet(tenant, state.open)) } : undefined;
      const filed = await file(tenant, candidate, ctx.nowMs, async () =>
        open === undefined ? true : quota.mayOpen(tenant, open, c, ctx.nowMs),
      );
      if (open === undefined) delete next.open;
      else next.open = open;
      if (filed[0] === 'held') return { state: next, effects: [] };
      const [event, proposal] = filed;
      if (open !== undefined && event !== 'updated') open[pairOf(proposal.sgt, proposal.dgt)] = proposal.id;
      await done();
      // Made visible now: not one found already written (by another replica, or before a retry).
      if (event === 'reopened' || (event === 'created' && proposal.createdAtMs === ctx.nowMs)) {
        options.metrics?.proposed(tenant, c.receivedAtMs);
      }
      // Announcements carry deterministic msgIds: repeating one after a crash stores it once.
      const effects =
        event === 'reopened'
          ? // Announced like a new one (a card for a decision), under ids of this reopening.
            events(
              subjects,
              tenant,
              'created',
              proposal,
              ctx.nowMs,
              `${candidate.id}:reopened:${proposal.history.length}`,
              'proposal.reopened',
            )
          : events(subjects, tenant, event, proposal, ctx.nowMs, candidate.id);
      return { state: next, effects };
    },
  };
}
