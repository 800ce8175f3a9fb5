import { describe, expect, test } from 'bun:test';
import type { ContractAce } from './contracts.ts';
import type { Proposal } from './proposal.ts';
import { type FlowFigures, refreshEvidence } from './proposal-evidence.ts';

const ace = (dstPort: number, flowIds: string[], hits: number): ContractAce => ({
  action: 'permit',
  protocol: 'tcp',
  dstPort,
  hits,
  events: 1,
  flowIds,
  conflict: false,
  decision: { flowId: flowIds[0]!, category: 'default', source: 'heuristic', risk: 'low', rationale: 'r' },
});

const evidence = (flowId: string, hits: number, daysSeen = 1) => ({
  flowId,
  hits,
  events: 1,
  firstSeenMs: 1_000,
  lastSeenMs: 2_000,
  daysSeen,
  srcSamples: [],
  dstSamples: [],
  category: 'default',
  source: 'heuristic',
  rationale: 'r',
  risk: 'low',
});

const proposal: Proposal = {
  id: 'p-1',
  tenant: 'acme',
  idempotencyKey: 'k',
  sgt: 10,
  dgt: 20,
  aces: [ace(443, ['10-20-tcp-any-443'], 10), ace(22, ['10-20-tcp-any-22'], 5)],
  evidence: [evidence('10-20-tcp-any-443', 10), evidence('10-20-tcp-any-22', 5)],
  triggers: [{ trigger: 'ingest', ref: 'flow:10-20-tcp-any-443' }],
  status: 'pending',
  rare: false,
  createdBy: 'proposer',
  createdAtMs: 1,
  updatedAtMs: 1,
  expiresAtMs: 10,
  history: [{ status: 'pending', atMs: 1, by: 'proposer', channel: 'system' }],
};

const figures = (hits: number, daysSeen: number): FlowFigures => ({
  hits,
  events: hits / 10,
  firstSeenMs: 1_000,
  lastSeenMs: 9_000,
  daysSeen,
});

describe('evidence refresh', () => {
  test('figures come from the inventory; ACE hits follow their flows; the busiest flow comes first', () => {
    const now = refreshEvidence(
      proposal,
      new Map([['10-20-tcp-any-22', figures(900, 2)]]),
      77,
      (days) => days < 3,
    );
    expect(now?.evidence.map((e) => [e.flowId, e.hits, e.lastSeenMs, e.daysSeen])).toEqual([
      ['10-20-tcp-any-22', 900, 9_000, 2],
      ['10-20-tcp-any-443', 10, 2_000, 1],
    ]);
    expect(now?.aces.map((a) => [a.dstPort, a.hits, a.events])).toEqual([
      [443, 10, 1],
      [22, 900, 90],
    ]);
    expect(now).toMatchObject({ evidenceAtMs: 77, rare: true, updatedAtMs: 1 });
  });

  test('nothing new: null, so nothing is written', () => {
    expect(refreshEvidence(proposal, new Map(), 5, () => false)).toBeNull();
  });
});
