/**
 * Proposals (DESIGN §6): the change one cell of the matrix needs, with its
 * evidence, waiting for a person. The lifecycle allows exactly
 *   pending → notified → approved → applied | failed
 *   pending | notified → rejected | expired
 *   applied → rolled_back        (the version that applied it is no longer live)
 *   rolled_back → pending        (its flow is uncovered and reported again: asked again)
 *   rolled_back | pending | notified → applied
 *                                (a roll forward made its version live again; from an
 *                                 open status only for a proposal applied before)
 * and nothing else; every transition is recorded with who and which channel.
 * A new proposal for a pair with an open one merges into it (storm collapse),
 * and the same ACE proposed as permit and deny ends as deny.
 */
import { createHash } from 'node:crypto';
import { type Ace, AceAction, aceMatchKey, compareAces } from './ace.ts';
import type { ContractAce } from './contracts.ts';

export const ProposalStatus = {
  Pending: 'pending',
  Notified: 'notified',
  Approved: 'approved',
  Applied: 'applied',
  Failed: 'failed',
  Rejected: 'rejected',
  Expired: 'expired',
  /** Applied, then a rollback took its version out of the live matrix: no longer in force. */
  RolledBack: 'rolled_back',
} as const;
export type ProposalStatus = (typeof ProposalStatus)[keyof typeof ProposalStatus];

const NEXT: Record<ProposalStatus, readonly ProposalStatus[]> = {
  pending: ['notified', 'approved', 'rejected', 'expired', 'applied'],
  notified: ['approved', 'rejected', 'expired', 'applied'],
  approved: ['applied', 'failed'],
  applied: ['rolled_back'],
  failed: [],
  rejected: [],
  expired: [],
  rolled_back: ['pending', 'applied'],
};

/** Was it ever applied: only such a proposal goes to `applied` again without a new approval. */
const wasApplied = (p: Proposal): boolean => p.history.some((h) => h.status === ProposalStatus.Applied);

export const isOpen = (status: ProposalStatus): boolean =>
  status === ProposalStatus.Pending || status === ProposalStatus.Notified;

export const Channel = {
  Api: 'api',
  Cli: 'cli',
  Ui: 'ui',
  Mcp: 'mcp',
  Webex: 'webex',
  System: 'system',
} as const;
export type Channel = (typeof Channel)[keyof typeof Channel];

export const Trigger = { Scan: 'scan', Threat: 'threat', Manual: 'manual', Ingest: 'ingest' } as const;
export type Trigger = (typeof Trigger)[keyof typeof Trigger];

export interface HistoryEntry {
  status: ProposalStatus;
  atMs: number;
  by: string;
  channel: Channel;
  note?: string;
}

/** What one flow contributed: shown to the approver. Never sent to a model. */
export interface FlowEvidence {
  flowId: string;
  hits: number;
  events: number;
  firstSeenMs: number;
  lastSeenMs: number;
  daysSeen: number;
  srcSamples: string[];
  dstSamples: string[];
  category: string;
  source: string;
  rationale: string;
  risk: string;
}

/** One provider's word on a destination behind a `threat` trigger: shown to the approver. */
export interface ThreatTrailEntry {
  ip: string;
  provider: string;
  malicious: boolean;
  score?: number;
  categories?: string[];
  reason?: string;
  checkedAtMs?: number;
}

/** The longest trail a proposal keeps. */
const MAX_TRAIL = 64;

export interface Proposal {
  id: string;
  tenant: string;
  /** Of the proposal as first created; merges keep it. */
  idempotencyKey: string;
  sgt: number;
  dgt: number;
  aces: ContractAce[];
  evidence: FlowEvidence[];
  triggers: { trigger: Trigger; ref: string }[];
  status: ProposalStatus;
  /** Seen on fewer distinct days than the rare threshold: approve with care. */
  rare: boolean;
  /** Asked for by threat intel: traffic to a malicious destination is flowing now. */
  urgent?: boolean;
  /** The threat-intel verdicts behind it, when a `threat` trigger asked for it. */
  threat?: ThreatTrailEntry[];
  createdBy: string;
  createdAtMs: number;
  updatedAtMs: number;
  expiresAtMs: number;
  decision?: { by: string; channel: Channel; atMs: number; reason?: string };
  appliedVersion?: number;
  failure?: string;
  /** When the evidence figures were last read from the inventory (refreshEvidence); absent: as created. */
  evidenceAtMs?: number;
  history: HistoryEntry[];
}

export const ProposalErrorCode = {
  InvalidTransition: 'INVALID_TRANSITION',
  AlreadyDecided: 'ALREADY_DECIDED',
  FourEyes: 'FOUR_EYES',
  /** The ACEs changed since the decider saw them. */
  Stale: 'STALE',
} as const;
export type ProposalErrorCode = (typeof ProposalErrorCode)[keyof typeof ProposalErrorCode];

export class ProposalError extends Error {
  readonly code: ProposalErrorCode;
  constructor(code: ProposalErrorCode, message: string) {
    super(message);
    this.name = 'ProposalError';
    this.code = code;
  }
}

const sortedAceKeys = (aces: readonly Ace[]): string[] =>
  aces.map((a) => `${a.action} ${aceMatchKey(a)}`).sort();

/**
 * A short fingerprint of an ACE set (actions and matches, not counts): what a
 * person saw when they chose to approve, so a decision on a proposal that has
 * grown since can be refused instead of applying ACEs nobody read.
 */
export function aceFingerprint(aces: readonly Ace[]): string {
  return createHash('sha256').update(sortedAceKeys(aces).join('\n')).digest('hex').slice(0, 16);
}

/** Hash of tenant, trigger reference, pair and the sorted ACE set (DESIGN §6). */
export function idempotencyKey(
  tenant: string,
  triggerRef: string,
  sgt: number,
  dgt: number,
  aces: readonly Ace[],
): string {
  return createHash('sha256')
    .update(JSON.stringify([tenant, triggerRef, sgt, dgt, sortedAceKeys(aces)]))
    .digest('hex');
}

export const proposalIdFor = (key: string): string => `p-${key.slice(0, 20)}`;

/**
 * Merge ACE lists: one ACE per match, a deny beats a permit (and marks the
 * conflict), evidence adds up, order is the switch's (denies first).
 */
export function mergeAces(existing: readonly ContractAce[], incoming: readonly ContractAce[]): ContractAce[] {
  const byMatch = new Map<string, ContractAce>();
  for (const ace of [...existing, ...incoming]) {
    const key = aceMatchKey(ace);
    const seen = byMatch.get(key);
    if (seen === undefined) {
      byMatch.set(key, { ...ace, flowIds: [...ace.flowIds] });
      continue;
    }
    const conflict = seen.conflict || ace.conflict || seen.action !== ace.action;
    const winner = ace.action === AceAction.Deny && seen.action !== AceAction.Deny ? ace : seen;
    const flowIds = [...new Set([...seen.flowIds, ...ace.flowIds])];
    byMatch.set(key, {
      ...winner,
      conflict,
      flowIds,
      hits: Math.max(seen.hits, ace.hits),
      events: Math.max(seen.events, ace.events),
    });
  }
  return [...byMatch.values()].sort(compareAces);
}

/** Whether a cell's ACEs are in the product's own order (denies first …): false for an order someone chose. */
const canonical = (aces: readonly Ace[]): boolean =>
  aces.every((ace, i) => ace.raw === undefined && (i === 0 || compareAces(aces[i - 1]!, ace) <= 0));

/**
 * Approving into an existing cell. A cell the product wrote is merged and
 * sorted as always. A cell in an order someone chose (imported from ISE, with
 * a `permit tcp dst eq 80` before a `deny tcp`) keeps that order, because on
 * a switch the first match wins and re-sorting would change what it does: the
 * approved ACEs go first (a person decided on exactly those flows), and an ACE
 * already there is updated in place, a deny winning over a permit.
 */
export function mergeIntoCell(
  existing: readonly ContractAce[],
  incoming: readonly ContractAce[],
): ContractAce[] {
  if (canonical(existing)) return mergeAces(existing, incoming);
  const present = new Set(existing.map(aceMatchKey));
  const merged = mergeAces(
    [],
    incoming.filter((ace) => ace.raw !== undefined || !present.has(aceMatchKey(ace))),
  );
  const updates = new Map(incoming.map((ace) => [aceMatchKey(ace), ace]));
  const kept = existing.map((ace) => {
    const update = ace.raw === undefined ? updates.get(aceMatchKey(ace)) : undefined;
    return update === undefined ? ace : (mergeAces([ace], [update])[0] ?? ace);
  });
  return [...merged, ...kept];
}

/** Most severe first: a flow's gravest classification is the one an approver must see. */
const SEVERITY: Record<string, number> = {
  harmful: 3,
  business_irrelevant: 2,
  default: 1,
  business_relevant: 0,
};
const severity = (e: FlowEvidence): number => SEVERITY[e.category] ?? 0;

/**
 * Evidence per flow: the latest figures replace older ones (so a redelivery
 * adds nothing), but a milder classification never hides a graver one — a
 * threat verdict stays visible when the flow's ordinary scan lands after it.
 */
export function mergeEvidence(
  existing: readonly FlowEvidence[],
  incoming: readonly FlowEvidence[],
): FlowEvidence[] {
  const byFlow = new Map(existing.map((e) => [e.flowId, e]));
  for (const e of incoming) {
    const seen = byFlow.get(e.flowId);
    const graver = seen !== undefined && severity(seen) > severity(e);
    byFlow.set(
      e.flowId,
      graver
        ? { ...e, category: seen.category, source: seen.source, rationale: seen.rationale, risk: seen.risk }
        : e,
    );
  }
  return [...byFlow.values()].sort((a, b) => b.hits - a.hits || a.flowId.localeCompare(b.flowId));
}

/** Storm collapse: fold a new proposal for the same pair into the open one. */
export function collapse(open: Proposal, incoming: Proposal, atMs: number): Proposal {
  const triggers = [...open.triggers];
  for (const t of incoming.triggers) if (!triggers.some((x) => x.ref === t.ref)) triggers.push(t);
  const threat = mergeTrail(open.threat, incoming.threat);
  return {
    ...open,
    aces: mergeAces(open.aces, incoming.aces),
    evidence: mergeEvidence(open.evidence, incoming.evidence),
    triggers,
    rare: open.rare && incoming.rare,
    ...(open.urgent || incoming.urgent ? { urgent: true } : {}),
    ...(threat.length > 0 ? { threat } : {}),
    updatedAtMs: atMs,
  };
}

/** One entry per (address, provider), the latest winning. */
function mergeTrail(
  existing: readonly ThreatTrailEntry[] = [],
  incoming: readonly ThreatTrailEntry[] = [],
): ThreatTrailEntry[] {
  const byKey = new Map(existing.map((e) => [`${e.ip} ${e.provider}`, e]));
  for (const e of incoming) byKey.set(`${e.ip} ${e.provider}`, e);
  return [...byKey.values()].slice(-MAX_TRAIL);
}

export interface TransitionInput {
  to: ProposalStatus;
  by: string;
  channel: Channel;
  atMs: number;
  note?: string;
  /** Refuse an approval by the person who created a manual proposal. */
  fourEyes?: boolean;
  /** Who `by` is, when `by` carries a label; the four-eyes rule compares this. */
  identity?: string;
}

/** The one way a proposal changes status; anything the lifecycle does not allow is an error. */
export function transition(p: Proposal, t: TransitionInput): Proposal {
  if (!NEXT[p.status].includes(t.to)) {
    const decided = !isOpen(p.status) && (t.to === 'approved' || t.to === 'rejected');
    throw new ProposalError(
      decided ? ProposalErrorCode.AlreadyDecided : ProposalErrorCode.InvalidTransition,
      decided
        ? `proposal ${p.id} is already ${p.status}`
        : `proposal ${p.id} cannot go from ${p.status} to ${t.to}`,
    );
  }
  if (t.to === 'applied' && isOpen(p.status) && !wasApplied(p)) {
    throw new ProposalError(
      ProposalErrorCode.InvalidTransition,
      `proposal ${p.id} cannot go from ${p.status} to applied without an approval`,
    );
  }
  if (
    t.fourEyes &&
    t.to === 'approved' &&
    p.triggers.some((x) => x.trigger === 'manual') &&
    p.createdBy === (t.identity ?? t.by)
  ) {
    throw new ProposalError(
      ProposalErrorCode.FourEyes,
      `${t.identity ?? t.by} created proposal ${p.id} and cannot also approve it`,
    );
  }
  const entry: HistoryEntry = {
    status: t.to,
    atMs: t.atMs,
    by: t.by,
    channel: t.channel,
    ...(t.note ? { note: t.note } : {}),
  };
  const decision =
    t.to === 'approved' || t.to === 'rejected'
      ? { decision: { by: t.by, channel: t.channel, atMs: t.atMs, ...(t.note ? { reason: t.note } : {}) } }
      : {};
  return { ...p, ...decision, status: t.to, updatedAtMs: t.atMs, history: [...p.history, entry] };
}

/**
 * A rolled-back proposal asked again: its flow is uncovered and was reported
 * once more, so it is open for a decision with the ACEs and evidence of that
 * report (`incoming`, as the proposer would have filed it). The history keeps
 * the earlier approval, application and rollback; the decision and version
 * that no longer hold are dropped.
 */
export function reopen(rolledBack: Proposal, incoming: Proposal, atMs: number, note: string): Proposal {
  const moved = transition(rolledBack, {
    to: 'pending',
    by: incoming.createdBy,
    channel: 'system',
    atMs,
    note,
  });
  const { decision: _decision, appliedVersion: _applied, failure: _failure, ...rest } = moved;
  const triggers = [...rest.triggers];
  for (const t of incoming.triggers) if (!triggers.some((x) => x.ref === t.ref)) triggers.push(t);
  const threat = mergeTrail(rest.threat, incoming.threat);
  return {
    ...rest,
    aces: mergeAces([], incoming.aces),
    evidence: mergeEvidence([], incoming.evidence),
    triggers,
    rare: incoming.rare,
    ...(incoming.urgent ? { urgent: true } : {}),
    ...(threat.length > 0 ? { threat } : {}),
    expiresAtMs: incoming.expiresAtMs,
  };
}

/** The decision that approved it last, from the history: restored when a roll forward applies it again. */
export function lastApproval(p: Proposal): Proposal['decision'] {
  const h = [...p.history].reverse().find((x) => x.status === ProposalStatus.Approved);
  return h === undefined
    ? undefined
    : { by: h.by, channel: h.channel, atMs: h.atMs, ...(h.note ? { reason: h.note } : {}) };
}
