/** REST GET /proposals/summary: open proposals counted by their gravest category, per tenant. */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys, type ProposalRecord } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import { type ProposalSummary, proposalCategory } from './proposals-summary.ts';

type Decision = ProposalRecord['aces'][number]['decision'];

function proposal(
  id: string,
  status: ProposalRecord['status'],
  aces: [protocol: string, dstPort: number, category: Decision['category'], needsReview?: boolean][],
  over: Partial<ProposalRecord> = {},
): ProposalRecord {
  return {
    id,
    tenant: 'acme',
    idempotencyKey: id,
    sgt: 10,
    dgt: 20 + Number(id.replace(/\D/g, '')),
    aces: aces.map(([protocol, dstPort, category, needsReview]) => ({
      action: 'permit',
      protocol,
      dstPort,
      hits: 5,
      events: 1,
      flowIds: [`10-20-${protocol}-any-${dstPort}`],
      conflict: false,
      decision: {
        flowId: `10-20-${protocol}-any-${dstPort}`,
        category,
        source: 'heuristic',
        risk: 'low',
        rationale: 'seen',
        ...(needsReview === undefined ? {} : { needsReview }),
      },
    })),
    evidence: [],
    triggers: [{ trigger: 'scan', ref: 'r' }],
    status,
    rare: false,
    createdBy: 'proposer',
    createdAtMs: 1_000 * Number(id.replace(/\D/g, '')),
    updatedAtMs: 1_000,
    expiresAtMs: 9_000_000_000_000,
    history: [],
    ...over,
  };
}

test('a proposal is as grave as its gravest ACE; a doubtful verdict counts as needs_review', () => {
  const p = (cats: Decision['category'][], review = false) =>
    proposal('p-1', 'pending', cats.map((c) => ['tcp', 443, c, review] as const) as never);
  expect(proposalCategory(p(['business_relevant', 'harmful', 'default']))).toBe('harmful');
  expect(proposalCategory(p(['business_relevant', 'default']))).toBe('default');
  expect(proposalCategory(p(['business_relevant'], true))).toBe('needs_review');
  expect(proposalCategory(p([]))).toBe('default');
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`GET /proposals/summary on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    test('counts only open proposals, by category, with infrastructure, urgent and rare', async () => {
      h = await startRest(flavour);
      const put = (p: ProposalRecord) => h.api.stores.proposals.put(keys.proposal(p.tenant, p.id), p);
      await put(
        proposal('p-1', 'pending', [
          ['udp', 53, 'default'],
          ['udp', 123, 'default'],
        ]),
      );
      await put(proposal('p-2', 'notified', [['tcp', 443, 'business_relevant']], { urgent: true }));
      await put(
        proposal('p-3', 'pending', [
          ['tcp', 443, 'business_relevant'],
          ['tcp', 23, 'harmful'],
        ]),
      );
      await put(proposal('p-4', 'pending', [['tcp', 8080, 'default', true]], { rare: true }));
      await put(proposal('p-5', 'approved', [['tcp', 23, 'harmful']]));
      await put(proposal('p-6', 'rejected', [['udp', 53, 'default']]));
      await put(proposal('p-7', 'pending', [['tcp', 22, 'harmful']], { tenant: 'globex' }));

      const res = await h.api.request('/api/v1/proposals/summary', { token: TOKENS.viewer });
      expect(res.status).toBe(200);
      expect((await res.json()) as ProposalSummary).toEqual({
        tenant: 'acme',
        open: 4,
        byCategory: { harmful: 1, needs_review: 1, business_irrelevant: 0, default: 1, business_relevant: 1 },
        infrastructure: 1,
        urgent: 1,
        rare: 1,
        oldestOpenMs: 1_000,
      });

      // `summary` is not taken for a proposal id, and the summary needs a token.
      await expectProblem(await h.api.request('/api/v1/proposals/summary'), 401);
      const other = await h.api.request('/api/v1/proposals/summary', { token: TOKENS.other });
      expect(((await other.json()) as ProposalSummary).open).toBe(1);
    });
  });
}
