/** REST review in bulk: select by filter, then POST /proposals/decide through a running matrix keeper. */
import { afterEach, describe, expect, test } from 'bun:test';
import type { ProposalRecord } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem, json, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import type { ProposalView } from './proposals.ts';
import type { DecideManyAnswer } from './proposals-decide.ts';
import { matchesFilter, parseFilter } from './proposals-filter.ts';

const manual = (dgt: number, protocol: string, dstPort: number) => ({
  sgt: 10,
  dgt,
  aces: [{ action: 'permit', protocol, dstPort }],
  reason: 'infrastructure',
});

test('a filter holds for every ACE; unknown keys are refused', () => {
  const p = (ports: [string, number][]) =>
    ({
      id: 'p-1',
      sgt: 10,
      dgt: 20,
      rare: false,
      aces: ports.map(([protocol, dstPort]) => ({
        action: 'permit',
        protocol,
        dstPort,
        decision: { category: 'default', risk: 'low', rationale: 'name service' },
      })),
    }) as unknown as ProposalRecord;
  const infra = parseFilter('service:infrastructure');
  expect(
    matchesFilter(
      p([
        ['udp', 53],
        ['udp', 123],
      ]),
      infra,
    ),
  ).toBe(true);
  expect(
    matchesFilter(
      p([
        ['udp', 53],
        ['tcp', 22],
      ]),
      infra,
    ),
  ).toBe(false);
  expect(matchesFilter(p([['udp', 1812]]), parseFilter('service:radius sgt:10 risk:medium name'))).toBe(true);
  expect(matchesFilter(p([['udp', 1812]]), parseFilter('dgt:21'))).toBe(false);
  expect(() => parseFilter('colour:red')).toThrow('unknown filter key');
  expect(() => parseFilter('service:ftp')).toThrow('unknown service');
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST bulk decisions on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    test('select infrastructure proposals by filter, approve them in one request: one version', async () => {
      h = await startRest(flavour, { fourEyes: true });
      const bodies = [
        manual(20, 'udp', 53),
        manual(21, 'udp', 123),
        manual(22, 'udp', 1812),
        manual(23, 'tcp', 22),
      ];
      for (const b of bodies)
        expect((await h.api.request('/api/v1/proposals', json(b, TOKENS.admin))).status).toBe(201);
      const listed = await h.api.request('/api/v1/proposals?status=open&filter=service:infrastructure', {
        token: TOKENS.viewer,
      });
      const { items } = (await listed.json()) as { items: ProposalRecord[] };
      expect(items.map((p) => p.dgt).sort()).toEqual([20, 21, 22]);
      const seen = await Promise.all(
        items.map(
          async (p) =>
            (await (
              await h.api.request(`/api/v1/proposals/${p.id}`, { token: TOKENS.viewer })
            ).json()) as ProposalView,
        ),
      );
      const res = await h.api.request(
        '/api/v1/proposals/decide',
        json(
          {
            action: 'approve',
            reason: 'DNS, NTP, RADIUS',
            proposals: seen.map((p) => ({ id: p.id, aces: p.aceFingerprint })),
          },
          TOKENS.operator,
        ),
      );
      expect(res.status).toBe(200);
      const answer = (await res.json()) as DecideManyAnswer;
      expect(answer).toMatchObject({ action: 'approve', version: 1, decided: 3, refused: 0 });
      expect(answer.outcomes.map((o) => o.status)).toEqual(['applied', 'applied', 'applied']);
      const live = (await (await h.api.request('/api/v1/matrix', { token: TOKENS.viewer })).json()) as {
        version: number;
        cells: unknown[];
      };
      expect(live.version).toBe(1);
      // The SSH proposal is still open; deciding the same ones again is refused one by one.
      const again = await h.api.request(
        '/api/v1/proposals/decide',
        json(
          { action: 'reject', reason: 'again', proposals: seen.map((p) => ({ id: p.id })) },
          TOKENS.operator,
        ),
      );
      const refused = (await again.json()) as DecideManyAnswer;
      expect(refused).toMatchObject({ version: null, decided: 0, refused: 3 });
      expect(refused.outcomes.every((o) => o.code === 'ALREADY_DECIDED')).toBe(true);
    });

    test('four-eyes per proposal, viewers refused, a rejection needs a reason, a bad filter is 400', async () => {
      h = await startRest(flavour, { fourEyes: true });
      const own = (await (
        await h.api.request('/api/v1/proposals', json(manual(20, 'udp', 53), TOKENS.operator))
      ).json()) as ProposalRecord;
      const res = await h.api.request(
        '/api/v1/proposals/decide',
        json({ action: 'approve', proposals: [{ id: own.id }] }, TOKENS.operator),
      );
      const answer = (await res.json()) as DecideManyAnswer;
      expect(answer).toMatchObject({ version: null, refused: 1 });
      expect(answer.outcomes[0]?.code).toBe('FOUR_EYES');
      expect(
        (
          await h.api.request(
            '/api/v1/proposals/decide',
            json({ action: 'approve', proposals: [{ id: own.id }] }, TOKENS.viewer),
          )
        ).status,
      ).toBe(403);
      await expectProblem(
        await h.api.request(
          '/api/v1/proposals/decide',
          json({ action: 'reject', proposals: [{ id: own.id }] }, TOKENS.operator),
        ),
        400,
      );
      await expectProblem(
        await h.api.request('/api/v1/proposals?filter=colour:red', { token: TOKENS.viewer }),
        400,
      );
    });
  });
}
