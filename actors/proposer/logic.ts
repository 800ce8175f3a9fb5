/**
 * The proposer's pure part: from one classified flow to the proposal it asks
 * for (ACEs, evidence, expiry, rarity), and the events that announce it.
 */
import { buildContracts } from '../../domain/contracts.ts';
import {
  type FlowEvidence,
  idempotencyKey,
  type Proposal,
  proposalIdFor,
  type Trigger,
} from '../../domain/proposal.ts';
import { isRare } from '../../domain/rarity.ts';
import type { Classification, SgtDictionary } from '../../domain/types.ts';
import type { InventoryRecord } from '../../kv-schema/records.ts';
import type { FlowClassified } from '../../streams/mod.ts';
import { inventoryFlow } from '../inventory-flow.ts';

export interface ProposerSettings {
  expiryMs: number;
  /** A flow seen on fewer distinct days than this is flagged rare, once the tenant was watched long enough. */
  rareDays: number;
}

export const DEFAULT_PROPOSER_SETTINGS: ProposerSettings = { expiryMs: 72 * 3_600_000, rareDays: 3 };

/**
 * The proposal a classified flow asks for; null when it asks for no ACE.
 * `watched`: days the tenant has been watched (domain/rarity.ts), 0 when unknown.
 */
export function proposalFor(
  tenant: string,
  c: FlowClassified,
  record: InventoryRecord | null,
  names: SgtDictionary,
  settings: ProposerSettings,
  nowMs: number,
  watched = 0,
): Proposal | null {
  const flow = inventoryFlow(c, record);
  const classification: Classification = {
    flowId: c.flowId,
    category: c.category,
    rationale: c.rationale,
    source: c.source,
    risk: c.risk,
    atMs: nowMs,
    ...(c.needsReview === true ? { needsReview: true } : {}),
    ...(c.confidence === undefined ? {} : { confidence: c.confidence }),
  };
  const [contract] = buildContracts([flow], [classification], names);
  if (contract === undefined || contract.aces.length === 0) return null;
  const key = idempotencyKey(tenant, c.triggerRef, c.sgt, c.dgt, contract.aces);
  const evidence: FlowEvidence = {
    flowId: flow.id,
    hits: flow.hits,
    events: flow.events,
    firstSeenMs: flow.firstSeenMs,
    lastSeenMs: flow.lastSeenMs,
    daysSeen: flow.daysSeen,
    srcSamples: flow.srcSamples,
    dstSamples: flow.dstSamples,
    category: c.category,
    source: c.source,
    rationale: c.rationale,
    risk: c.risk,
  };
  return {
    id: proposalIdFor(key),
    tenant,
    idempotencyKey: key,
    sgt: c.sgt,
    dgt: c.dgt,
    aces: contract.aces,
    evidence: [evidence],
    triggers: [{ trigger: c.trigger as Trigger, ref: c.triggerRef }],
    status: 'pending',
    rare: isRare(flow.daysSeen, watched, settings.rareDays),
    ...(c.trigger === 'threat' ? { urgent: true, threat: c.verdicts ?? [] } : {}),
    createdBy: 'proposer',
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    expiresAtMs: nowMs + settings.expiryMs,
    history: [
      { status: 'pending', atMs: nowMs, by: 'proposer', channel: 'system', note: c.rationale.slice(0, 500) },
    ],
  };
}
