import { describe, expect, test } from 'bun:test';
import { decideHeuristic } from './heuristics.ts';
import { buildPriors, priorAction } from './priors.ts';
import { examplesFromProposals } from './priors-from-proposals.ts';

const names = new Map([
  [3, 'grp-staff-laptops'],
  [7, 'grp-render-farm'],
  [8, 'grp-guest'],
  [9, 'grp-payroll-db'],
]);
const key = (sgt: number, dgt: number, dstPort: number) => ({
  sgt,
  dgt,
  protocol: 'tcp',
  srcPort: 'any' as const,
  dstPort,
});

describe('decisions teach', () => {
  test('approved proposals confirm their action; rejected ones ask for the opposite', () => {
    const ex = examplesFromProposals(
      [
        {
          sgt: 3,
          dgt: 7,
          status: 'approved',
          aces: [{ protocol: 'tcp', dstPort: 47000, decision: { category: 'default' } }],
        },
        {
          sgt: 3,
          dgt: 7,
          status: 'applied',
          aces: [{ protocol: 'tcp', dstPort: 47000, decision: { category: 'default' } }],
        },
        {
          sgt: 3,
          dgt: 7,
          status: 'rejected',
          aces: [{ protocol: 'tcp', dstPort: 22, decision: { category: 'business_relevant' } }],
        },
        {
          sgt: 3,
          dgt: 7,
          status: 'pending',
          aces: [{ protocol: 'tcp', dstPort: 22, decision: { category: 'business_relevant' } }],
        },
      ],
      names,
    );
    const priors = buildPriors(ex);
    expect(priors.get('users>unknown>tcp/47000')).toMatchObject({ permits: 2, denies: 0 });
    expect(priors.get('users>unknown>SSH')).toMatchObject({ permits: 0, denies: 1 });
    expect(priorAction(priors.get('users>unknown>tcp/47000'))).toBe('permit');
    expect(priorAction(priors.get('users>unknown>SSH'))).toBeNull();
  });

  test("a consistent history turns a flow that needed review into the tenant's choice, and says so", () => {
    expect(
      decideHeuristic({ key: key(3, 7, 47000), srcName: names.get(3), dstName: names.get(7) }).needsReview,
    ).toBe(true);
    const priors = buildPriors([
      { srcClass: 'users', dstClass: 'unknown', service: 'tcp/47000', category: 'default', approved: true },
      { srcClass: 'users', dstClass: 'unknown', service: 'tcp/47000', category: 'default', approved: true },
    ]);
    const d = decideHeuristic({
      key: key(3, 7, 47000),
      srcName: names.get(3),
      dstName: names.get(7),
      priors,
    });
    // The rule's guess (default) is what people chose: it stands, now with their confidence.
    expect(d).toMatchObject({ category: 'default', rule: 'fallback' });
    expect(d.confidence).toBeGreaterThanOrEqual(0.85);
    expect(d.needsReview).toBeUndefined();
    expect(d.rationale).toContain('2 permitted, 0 denied');
  });

  test('rejections teach a deny over a permitting rule', () => {
    const priors = buildPriors([
      { srcClass: 'users', dstClass: 'unknown', service: 'HTTPS', category: 'default', approved: false },
      { srcClass: 'users', dstClass: 'unknown', service: 'HTTPS', category: 'default', approved: false },
    ]);
    const d = decideHeuristic({ key: key(3, 0, 443), srcName: names.get(3), priors });
    expect(d).toMatchObject({ category: 'business_irrelevant', rule: 'tenant-prior' });
  });

  test('no history lowers a floor: guests to a database stay denied however often it was approved', () => {
    const priors = buildPriors(
      Array.from({ length: 5 }, () => ({
        srcClass: 'guests' as const,
        dstClass: 'server.database' as const,
        service: 'MS SQL',
        category: 'default' as const,
        approved: true,
      })),
    );
    expect(
      decideHeuristic({ key: key(8, 9, 1433), srcName: names.get(8), dstName: names.get(9), priors }),
    ).toMatchObject({
      category: 'harmful',
      rule: 'untrusted-to-sensitive',
    });
  });
});
