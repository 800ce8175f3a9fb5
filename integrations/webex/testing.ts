/** A stored proposal to build cards, summaries and bot tests from. Not part of the product. */
import type { ProposalRecord } from '../../kv-schema/records.ts';

const T0 = Date.parse('2026-06-18T10:00:00.000Z');

export function sampleProposal(over: Partial<ProposalRecord> = {}): ProposalRecord {
  return {
    id: 'p-0123456789abcdef0123',
    tenant: 'acme',
    idempotencyKey: 'k'.repeat(64),
    sgt: 10,
    dgt: 20,
    aces: [
      {
        action: 'permit',
        protocol: 'tcp',
        dstPort: 443,
        hits: 300,
        events: 12,
        flowIds: ['10-20-tcp-any-443'],
        conflict: false,
        decision: {
          flowId: '10-20-tcp-any-443',
          category: 'business_relevant',
          source: 'heuristic',
          risk: 'low',
          rationale: 'HTTPS to the intranet servers',
        },
      },
    ],
    evidence: [
      {
        flowId: '10-20-tcp-any-443',
        hits: 300,
        events: 12,
        firstSeenMs: T0,
        lastSeenMs: T0 + 3_600_000,
        daysSeen: 4,
        srcSamples: ['10.0.0.1'],
        dstSamples: ['10.0.1.1'],
        category: 'business_relevant',
        source: 'heuristic',
        rationale: 'HTTPS to the intranet servers',
        risk: 'low',
      },
    ],
    triggers: [{ trigger: 'scan', ref: 'scan-1' }],
    status: 'pending',
    rare: false,
    createdBy: 'proposer',
    createdAtMs: T0,
    updatedAtMs: T0,
    expiresAtMs: T0 + 72 * 3_600_000,
    history: [{ status: 'pending', atMs: T0, by: 'proposer', channel: 'system' }],
    ...over,
  };
}

export const SAMPLE_NAMES: ReadonlyMap<number, string> = new Map([
  [10, 'Employees'],
  [20, 'Web Servers'],
]);
