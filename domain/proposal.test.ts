import { describe, expect, test } from 'bun:test';
import type { ContractAce } from './contracts.ts';
import { carriedProposals, foldProposal, INITIAL_MATRIX, inForce, nextVersion } from './matrix-version.ts';
import {
  collapse,
  idempotencyKey,
  lastApproval,
  mergeAces,
  mergeIntoCell,
  type Proposal,
  ProposalError,
  ProposalStatus,
  proposalIdFor,
  reopen,
  transition,
} from './proposal.ts';
import { daysWatched, isRare } from './rarity.ts';

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
  // For a proposal that was applied before (an open one was asked again after a rollback).
  const allowed: Record<string, string[]> = {
    pending: ['notified', 'approved', 'rejected', 'expired', 'applied'],
    notified: ['approved', 'rejected', 'expired', 'applied'],
    approved: ['applied', 'failed'],
    applied: ['rolled_back'],
    failed: [],
    rejected: [],
    expired: [],
    rolled_back: ['pending', 'applied'],
  };
  const appliedBefore = [
    { status: 'pending' as const, atMs: 0, by: 'proposer', channel: 'system' as const },
    { status: 'approved' as const, atMs: 1, by: 'ann', channel: 'api' as const },
    { status: 'applied' as const, atMs: 1, by: 'matrix-keeper', channel: 'system' as const },
  ];
  for (const from of all) {
    for (const to of all) {
      const ok = allowed[from]!.includes(to);
      test(`${from} → ${to} ${ok ? 'is allowed' : 'is refused'}`, () => {
        const run = () =>
          transition(proposal({ status: from, history: appliedBefore }), {
            to,
            by: 'ann',
            channel: 'api',
            atMs: 5,
          });
        if (ok) expect(run().status).toBe(to);
        else expect(run).toThrow(ProposalError);
      });
    }
  }

  test('an open proposal never applied before cannot skip its approval', () => {
    for (const status of ['pending', 'notified'] as const) {
      expect(() =>
        transition(proposal({ status }), { to: 'applied', by: 'x', channel: 'system', atMs: 5 }),
      ).toThrow('without an approval');
    }
  });

  test('a rolled-back proposal asked again is open with the new evidence, its history kept', () => {
    const applied: Proposal = {
      ...proposal({
        status: 'applied',
        history: appliedBefore,
        aces: [ace('permit', 443), ace('permit', 22)],
      }),
      decision: { by: 'ann', channel: 'api', atMs: 1 },
      appliedVersion: 2,
    };
    const rolledBack = transition(applied, {
      to: 'rolled_back',
      by: 'root',
      channel: 'cli',
      atMs: 3,
      note: 'bad',
    });
    expect(rolledBack).toMatchObject({ status: 'rolled_back', appliedVersion: 2, decision: { by: 'ann' } });
    const incoming = proposal({
      aces: [ace('permit', 443, 99)],
      createdBy: 'proposer',
      expiresAtMs: 9_000,
      rare: true,
    });
    const again = reopen(rolledBack, incoming, 7, 'asked again');
    expect(again).toMatchObject({ status: 'pending', expiresAtMs: 9_000, rare: true, updatedAtMs: 7 });
    expect(again.aces.map((a) => [a.dstPort, a.hits])).toEqual([[443, 99]]);
    expect(again.decision).toBeUndefined();
    expect(again.appliedVersion).toBeUndefined();
    expect(again.history.map((h) => h.status)).toEqual([
      'pending',
      'approved',
      'applied',
      'rolled_back',
      'pending',
    ]);
    expect(lastApproval(again)).toEqual({ by: 'ann', channel: 'api', atMs: 1 });
    // Asked again, it can be applied again by a roll forward, or decided like any open proposal.
    expect(transition(again, { to: 'applied', by: 'root', channel: 'cli', atMs: 8 }).status).toBe('applied');
    expect(transition(again, { to: 'rejected', by: 'bob', channel: 'ui', atMs: 8 }).status).toBe('rejected');
  });

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

  test('approving into a cell in an order someone chose keeps that order, the approved ACEs first', () => {
    const catchAll: ContractAce = { ...ace('deny', 1), dstPort: undefined, flowIds: [] };
    const imported = [ace('permit', 80), catchAll];
    const merged = mergeIntoCell(imported, [ace('permit', 443), ace('deny', 80, 3, 'g')]);
    expect(merged.map((a) => `${a.action} ${a.dstPort ?? 'all'}`)).toEqual([
      'permit 443',
      'deny 80',
      'deny all',
    ]);
    // A cell in the product's own order is merged and sorted as before.
    const own = mergeIntoCell([ace('permit', 443)], [ace('deny', 22)]);
    expect(own.map((a) => `${a.action} ${a.dstPort}`)).toEqual(['deny 22', 'permit 443']);
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

describe('what a version carries', () => {
  const versions = new Map([
    [1, { parent: null, proposals: ['a'] }],
    [2, { parent: 1, proposals: ['b'] }],
    [3, { parent: 1, proposals: ['c'] }],
    [4, { parent: 3, proposals: ['b'] }],
  ]);
  const at = (n: number) => Object.fromEntries(carriedProposals(n, (x) => versions.get(x) ?? null));

  test("its own proposals and its ancestors', each with the nearest version that applied it", () => {
    expect(at(2)).toEqual({ a: 1, b: 2 });
    // After a rollback to 1, version 3 branched off it: b is not carried.
    expect(at(3)).toEqual({ a: 1, c: 3 });
    expect(at(4)).toEqual({ b: 4, c: 3, a: 1 });
    expect(at(0)).toEqual({});
    expect(at(9)).toEqual({});
  });

  test('a proposal is in force when every ACE of it is in its cell with the same action', () => {
    const p = proposal({ aces: [ace('permit', 443)] });
    const m = foldProposal(INITIAL_MATRIX, p, new Map());
    expect(inForce(m, p)).toBe(true);
    expect(inForce(m, proposal({ aces: [ace('permit', 443), ace('permit', 22)] }))).toBe(false);
    expect(inForce(m, proposal({ aces: [ace('deny', 443)] }))).toBe(false);
    expect(inForce(INITIAL_MATRIX, p)).toBe(false);
  });
});

describe('rarity', () => {
  const DAY = 86_400_000;
  const start = Date.UTC(2026, 5, 1, 9);

  test('nothing is rare while the tenant has been watched for less than a week', () => {
    expect(daysWatched(start, start + 2 * DAY)).toBe(3);
    expect(isRare(1, daysWatched(start, start + 2 * DAY), 3)).toBe(false);
    expect(isRare(1, daysWatched(start, start + 5 * DAY), 3)).toBe(false);
    expect(isRare(1, daysWatched(null, start), 3)).toBe(false);
  });

  test('after a week, a flow seen on fewer than the threshold of days is rare', () => {
    const watched = daysWatched(start, start + 6 * DAY);
    expect(watched).toBe(7);
    expect(isRare(2, watched, 3)).toBe(true);
    expect(isRare(3, watched, 3)).toBe(false);
    // A higher threshold needs at least as many days watched.
    expect(isRare(5, watched, 10)).toBe(false);
    expect(isRare(5, daysWatched(start, start + 9 * DAY), 10)).toBe(true);
  });
});
