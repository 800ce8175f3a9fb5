import { describe, expect, test } from 'bun:test';
import type { ContractAce } from './contracts.ts';
import { foldProposal, INITIAL_MATRIX, nextVersion } from './matrix-version.ts';
import {
  collapse,
  idempotencyKey,
  mergeAces,
  type Proposal,
  ProposalError,
  ProposalStatus,
  proposalIdFor,
  transition,
} from './proposal.ts';

const ace = (action: 'permit' | 'deny', dstPort: number, hits = 10, flow = `f${dstPort}`): ContractAce => ({
  action,
  protocol: 'tcp',
  dstPort,
  hits,
  events: 1,
  flowIds: [flow],
  conflict: false,
  decision: {
    flowId: flow,
    category: action === 'permit' ? 'business_relevant' : 'harmful',
    source: 'heuristic',
    risk: 'low',
    rationale: 'r',
  },
});

function proposal(over: Partial<Proposal> = {}): Proposal {
  const aces = over.aces ?? [ace('permit', 443)];
  const key = idempotencyKey('acme', 'scan-1', 10, 20, aces);
  return {
    id: proposalIdFor(key),
    tenant: 'acme',
    idempotencyKey: key,
    sgt: 10,
    dgt: 20,
    aces,
    evidence: [],
    triggers: [{ trigger: 'scan', ref: 'scan-1' }],
    status: 'pending',
    rare: false,
    createdBy: 'proposer',
    createdAtMs: 0,
    updatedAtMs: 0,
    expiresAtMs: 1000,
    history: [{ status: 'pending', atMs: 0, by: 'proposer', channel: 'system' }],
    ...over,
  };
}

describe('proposal lifecycle', () => {
  const all = Object.values(ProposalStatus);
  const allowed: Record<string, string[]> = {
    pending: ['notified', 'approved', 'rejected', 'expired'],
    notified: ['approved', 'rejected', 'expired'],
    approved: ['applied', 'failed'],
    applied: [],
    failed: [],
    rejected: [],
    expired: [],
  };
  for (const from of all) {
    for (const to of all) {
      const ok = allowed[from]!.includes(to);
      test(`${from} → ${to} ${ok ? 'is allowed' : 'is refused'}`, () => {
        const run = () => transition(proposal({ status: from }), { to, by: 'ann', channel: 'api', atMs: 5 });
        if (ok) expect(run().status).toBe(to);
        else expect(run).toThrow(ProposalError);
      });
    }
  }

  test('a decision records who, where and why, in the history too', () => {
    const p = transition(proposal(), {
      to: 'rejected',
      by: 'ann@corp',
      channel: 'webex',
      atMs: 7,
      note: 'not needed',
    });
    expect(p.decision).toEqual({ by: 'ann@corp', channel: 'webex', atMs: 7, reason: 'not needed' });
    expect(p.history.at(-1)).toEqual({
      status: 'rejected',
      atMs: 7,
      by: 'ann@corp',
      channel: 'webex',
      note: 'not needed',
    });
  });

  test('deciding twice says already decided', () => {
    const approved = transition(proposal(), { to: 'approved', by: 'a', channel: 'api', atMs: 1 });
    try {
      transition(approved, { to: 'approved', by: 'b', channel: 'api', atMs: 2 });
      throw new Error('no error');
    } catch (error) {
      expect((error as ProposalError).code).toBe('ALREADY_DECIDED');
    }
  });

  test('four eyes: the creator of a manual proposal cannot approve it', () => {
    const manual = proposal({ triggers: [{ trigger: 'manual', ref: 'r' }], createdBy: 'ann' });
    expect(() =>
      transition(manual, { to: 'approved', by: 'ann', channel: 'ui', atMs: 1, fourEyes: true }),
    ).toThrow('cannot also approve');
    expect(
      transition(manual, { to: 'approved', by: 'bob', channel: 'ui', atMs: 1, fourEyes: true }).status,
    ).toBe('approved');
    // A labelled name does not make the creator someone else: the identity is compared.
    const labelled = { to: 'approved' as const, by: 'ann (claude-code)', channel: 'mcp' as const, atMs: 1 };
    expect(() => transition(manual, { ...labelled, fourEyes: true, identity: 'ann' })).toThrow('ann created');
  });
});

describe('storm collapse and idempotency', () => {
  test('the key ignores ACE order and changes with the ACE set', () => {
    const a = [ace('permit', 443), ace('permit', 80)];
    expect(idempotencyKey('t', 'r', 1, 2, a)).toBe(idempotencyKey('t', 'r', 1, 2, [...a].reverse()));
    expect(idempotencyKey('t', 'r', 1, 2, a)).not.toBe(idempotencyKey('t', 'r', 1, 2, [ace('deny', 443)]));
    expect(idempotencyKey('t', 'r', 1, 2, a)).not.toBe(idempotencyKey('t', 'r', 2, 1, a));
  });

  test('merging keeps one ACE per match and a conflict resolves to deny', () => {
    const merged = mergeAces(
      [ace('permit', 443), ace('permit', 22)],
      [ace('deny', 22, 5, 'g'), ace('permit', 80)],
    );
    expect(merged.map((a) => `${a.action} ${a.dstPort}`)).toEqual(['deny 22', 'permit 80', 'permit 443']);
    expect(merged[0]).toMatchObject({ conflict: true, flowIds: ['f22', 'g'] });
  });

  test('collapse folds ACEs, evidence and triggers into the open proposal', () => {
    const open = proposal();
    const next = proposal({ aces: [ace('deny', 443)], triggers: [{ trigger: 'threat', ref: 'v1' }] });
    const merged = collapse(open, next, 9);
    expect(merged.id).toBe(open.id);
    expect(merged.aces).toHaveLength(1);
    expect(merged.aces[0]?.action).toBe('deny');
    expect(merged.triggers.map((t) => t.ref)).toEqual(['scan-1', 'v1']);
    expect(collapse(merged, next, 10).triggers).toHaveLength(2); // a redelivery adds nothing
  });

  test('a threat folded in makes the proposal urgent and keeps one trail entry per address and provider', () => {
    const trail = (score: number) => [
      { ip: '185.220.101.34', provider: 'abuseipdb', malicious: true, score },
    ];
    const threat = proposal({ aces: [ace('deny', 443)], urgent: true, threat: trail(90) });
    const merged = collapse(proposal(), threat, 9);
    expect(merged.urgent).toBe(true);
    expect(merged.threat).toEqual(trail(90));
    const again = collapse(merged, proposal({ urgent: true, threat: trail(100) }), 10);
    expect(again.threat).toEqual(trail(100));
    expect(collapse(proposal(), proposal(), 9).urgent).toBeUndefined();
  });

  test('a milder classification of a flow never hides a graver one in the evidence', () => {
    const evidence = (category: string, hits: number) => ({
      flowId: '10-20-tcp-any-443',
      hits,
      events: 1,
      firstSeenMs: 0,
      lastSeenMs: hits,
      daysSeen: 1,
      srcSamples: [],
      dstSamples: [],
      category,
      source: category === 'harmful' ? 'guardrail' : 'heuristic',
      rationale: category === 'harmful' ? 'guardrail: malicious destination' : 'HTTPS',
      risk: category === 'harmful' ? 'critical' : 'low',
    });
    const merged = collapse(
      proposal({ evidence: [evidence('harmful', 10)] }),
      proposal({ evidence: [evidence('default', 25)] }),
      9,
    );
    expect(merged.evidence).toEqual([{ ...evidence('harmful', 10), hits: 25, lastSeenMs: 25 }]);
  });
});

describe('matrix versions', () => {
  const names = new Map([
    [10, 'Employees'],
    [20, 'Servers'],
  ]);

  test('an approval chains a version onto its parent', () => {
    const v1 = nextVersion({
      current: null,
      latest: 0,
      proposal: proposal(),
      names,
      author: 'ann',
      channel: 'api',
      atMs: 1,
    });
    expect(v1).toMatchObject({ version: 1, parent: null, proposals: [proposal().id] });
    expect(v1.matrix.cells.map((c) => c.name)).toEqual(['EMPLOYEES_to_SERVERS']);
    const p2 = proposal({ aces: [ace('permit', 22)] });
    const v2 = nextVersion({
      current: v1,
      latest: 1,
      proposal: p2,
      names,
      author: 'bob',
      channel: 'cli',
      atMs: 2,
    });
    expect(v2).toMatchObject({ version: 2, parent: 1 });
    expect(v2.matrix.cells[0]?.aces.map((a) => a.dstPort)).toEqual([22, 443]);
    expect(v1.matrix.cells[0]?.aces).toHaveLength(1); // versions are immutable
  });

  test('after a rollback the next version number is above every one written', () => {
    const v1 = nextVersion({
      current: null,
      latest: 3,
      proposal: proposal(),
      names,
      author: 'a',
      channel: 'api',
      atMs: 1,
    });
    expect(v1).toMatchObject({ version: 4, parent: null });
  });

  test('folding a deny over a permit of the same match makes it a deny', () => {
    const m = foldProposal(INITIAL_MATRIX, proposal(), names);
    const m2 = foldProposal(m, proposal({ aces: [ace('deny', 443)] }), names);
    expect(m2.cells[0]?.aces.map((a) => a.action)).toEqual(['deny']);
  });
});
