/**
 * Manual proposals: a person asks for ACEs in one cell, with a reason. They
 * are built like the proposer's (DESIGN §6): the id comes from the
 * idempotency key with trigger `manual` and the request's id as its
 * reference, the status is pending, and expiry follows the settings. Evidence
 * is whatever the inventory already holds for the traffic the ACEs match, so
 * the approver sees what the change touches.
 *
 * Decisions: no storm collapse (a person's request stands on its own), and
 * a proposal is only ever created, never overwritten. Sending the same
 * request again with the same `Idempotency-Key` finds the same proposal.
 */
import * as v from 'valibot';
import { type Ace, AceAction, type AceProtocol, aceMatchesFlow } from '../../domain/ace.ts';
import type { ContractAce } from '../../domain/contracts.ts';
import { normalizeProtocol } from '../../domain/flow.ts';
import {
  type FlowEvidence,
  idempotencyKey,
  mergeAces,
  type Proposal,
  proposalIdFor,
} from '../../domain/proposal.ts';
import { isRare } from '../../domain/rarity.ts';
import { KvConflictError } from '../../engine/errors.ts';
import { type InventoryRecord, keys } from '../../kv-schema/mod.ts';
import { encodeMessage } from '../../streams/mod.ts';
import type { Principal } from '../auth.ts';
import type { Actor } from './channel.ts';
import type { ApiDeps } from './deps.ts';
import { NonBlank } from './params.ts';

const Port = v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(65535));
const PORTLESS = /^(ip|icmp|icmpv6|25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)$/;
const MAX_EVIDENCE = 20;
const MAX_FLOW_IDS = 50;

/** `6` → `tcp`, `17` → `udp`; `ip` stays. */
const aceProtocol = (raw: string): AceProtocol =>
  (raw === 'ip' ? 'ip' : (normalizeProtocol(raw) ?? raw)) as AceProtocol;

const Action = v.picklist([AceAction.Permit, AceAction.Deny]);

/** An ACE with ports: tcp or udp (by name or number). */
const PortedAce = v.object({
  action: Action,
  protocol: v.picklist(['tcp', 'udp', '6', '17']),
  dstPort: v.optional(Port),
  srcPort: v.optional(Port),
  log: v.optional(v.boolean()),
});

/** Any other protocol: SGACL syntax takes no ports after it. */
const PortlessAce = v.strictObject({
  action: Action,
  protocol: v.pipe(
    v.string(),
    v.regex(PORTLESS, 'must be ip, tcp, udp, icmp, icmpv6 or an IP protocol number 0-255'),
  ),
  log: v.optional(v.boolean()),
});

/**
 * One requested ACE. A union rather than a check, so the rule (ports only
 * with tcp and udp) is in the schema the OpenAPI document is built from.
 */
export const ManualAce = v.union(
  [PortedAce, PortlessAce],
  'must be an ACE: action permit or deny; protocol ip, tcp, udp, icmp, icmpv6 or 0-255; ' +
    'dstPort and srcPort 1-65535, only with tcp and udp',
);

/** POST /proposals. */
export const ManualProposalBody = v.object({
  sgt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)),
  dgt: v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)),
  aces: v.pipe(v.array(ManualAce), v.minLength(1), v.maxLength(64)),
  reason: NonBlank(2000),
});
export type ManualProposalBody = v.InferOutput<typeof ManualProposalBody>;

/** The `Idempotency-Key` request header, when given. */
export const IdempotencyKeyHeader = v.pipe(
  v.string(),
  v.regex(/^[\x21-\x7e]{1,128}$/, 'must be 1-128 visible ASCII characters'),
);

function contractAce(
  body: ManualProposalBody,
  requested: Ace,
  flows: readonly InventoryRecord[],
): ContractAce {
  const matched = flows.filter((f) => aceMatchesFlow(requested, f));
  const flowId = `${body.sgt}-${body.dgt}-${requested.protocol}-${requested.srcPort ?? 'any'}-${requested.dstPort ?? 'any'}`;
  return {
    ...requested,
    hits: matched.reduce((n, f) => n + f.hits, 0),
    events: matched.reduce((n, f) => n + f.events, 0),
    flowIds: matched.slice(0, MAX_FLOW_IDS).map((f) => f.flowId),
    conflict: false,
    decision: {
      flowId,
      category: requested.action === AceAction.Permit ? 'business_relevant' : 'business_irrelevant',
      source: 'manual',
      risk: 'low',
      rationale: body.reason,
    },
  };
}

export interface ManualInput {
  tenant: string;
  body: ManualProposalBody;
  principal: Principal;
  /** The channel and labelled actor the history records (default: `api`, the subject). */
  actor?: Pick<Actor, 'channel' | 'by'>;
  /** The request's id: the trigger reference. */
  requestId: string;
  /** The pair's inventory, busiest first. */
  flows: readonly InventoryRecord[];
  expiryMs: number;
  rareDays: number;
  /** Days the tenant has been watched (domain/rarity.ts): nothing is rare before a full window. */
  watched?: number;
  nowMs: number;
}

export function manualProposal(i: ManualInput): Proposal {
  const requested = i.body.aces.map(
    (a): Ace => ({
      action: a.action,
      protocol: aceProtocol(a.protocol),
      ...('srcPort' in a && a.srcPort !== undefined ? { srcPort: a.srcPort } : {}),
      ...('dstPort' in a && a.dstPort !== undefined ? { dstPort: a.dstPort } : {}),
      ...(a.log === true ? { log: true } : {}),
    }),
  );
  const aces = mergeAces(
    [],
    requested.map((a) => contractAce(i.body, a, i.flows)),
  );
  const matched = i.flows.filter((f) => aces.some((a) => aceMatchesFlow(a, f))).slice(0, MAX_EVIDENCE);
  const evidence = matched.map(
    (f): FlowEvidence => ({
      flowId: f.flowId,
      hits: f.hits,
      events: f.events,
      firstSeenMs: f.firstSeenMs,
      lastSeenMs: f.lastSeenMs,
      daysSeen: f.days.length,
      srcSamples: f.srcSamples,
      dstSamples: f.dstSamples,
      category: 'manual',
      source: 'manual',
      rationale: i.body.reason,
      risk: 'low',
    }),
  );
  const ref = `manual:${i.requestId}`;
  const key = idempotencyKey(i.tenant, ref, i.body.sgt, i.body.dgt, aces);
  // createdBy is the identity alone (the four-eyes rule compares it); the history names the channel's actor.
  const by = i.principal.subject;
  const actor: Pick<Actor, 'channel' | 'by'> = i.actor ?? { channel: 'api', by };
  return {
    id: proposalIdFor(key),
    tenant: i.tenant,
    idempotencyKey: key,
    sgt: i.body.sgt,
    dgt: i.body.dgt,
    aces,
    evidence,
    triggers: [{ trigger: 'manual', ref }],
    status: 'pending',
    rare: isRare(Math.max(0, ...evidence.map((e) => e.daysSeen)), i.watched ?? 0, i.rareDays),
    createdBy: by,
    createdAtMs: i.nowMs,
    updatedAtMs: i.nowMs,
    expiresAtMs: i.nowMs + i.expiryMs,
    history: [
      {
        status: 'pending',
        atMs: i.nowMs,
        by: actor.by,
        channel: actor.channel,
        note: i.body.reason.slice(0, 500),
      },
    ],
  };
}

/**
 * Announce a new proposal (for the notifier and UI) and audit it, by the actor
 * and channel its first history entry names; msgIds make repeats harmless.
 */
async function announce(deps: ApiDeps, p: Proposal): Promise<void> {
  const at = new Date(p.createdAtMs).toISOString();
  const by = p.history[0]?.by ?? p.createdBy;
  const channel = p.history[0]?.channel ?? 'api';
  const eventId = `proposal:${p.tenant}:${p.id}:created:manual`;
  const auditId = `audit:${eventId}`;
  const data = { proposalId: p.id, status: p.status, revision: p.history.length, channel };
  await deps.engine.log.publish(
    deps.subjects.proposal(p.tenant, 'created'),
    encodeMessage({ id: eventId, tenant: p.tenant, at, by, data }),
    { msgId: eventId },
  );
  const audit = {
    action: 'proposal.created',
    object: p.id,
    channel,
    detail: { pair: `${p.sgt}>${p.dgt}`, trigger: 'manual', reason: p.history[0]?.note ?? '' },
  };
  await deps.engine.log.publish(
    deps.subjects.audit(p.tenant),
    encodeMessage({ id: auditId, tenant: p.tenant, at, by, data: audit }),
    { msgId: auditId },
  );
}

/**
 * Store a new proposal (create only). When its id exists already, that
 * proposal is returned untouched with `created: false`; it is announced again
 * while still pending, in case the first request died before announcing it.
 */
export async function fileManual(
  deps: ApiDeps,
  p: Proposal,
): Promise<{ created: boolean; proposal: Proposal }> {
  const key = keys.proposal(p.tenant, p.id);
  try {
    await deps.stores.proposals.create(key, p);
  } catch (error) {
    if (!(error instanceof KvConflictError)) throw error;
    const existing = await deps.stores.proposals.get(key);
    if (existing === null) throw error;
    const found = existing.value as Proposal;
    if (found.status === 'pending') await announce(deps, found);
    return { created: false, proposal: found };
  }
  await announce(deps, p);
  return { created: true, proposal: p };
}
