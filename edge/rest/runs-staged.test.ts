/** REST staged runs on both engines: open → lines → classify → build, the list, auth, limits, races. */
import { afterEach, describe, expect, test } from 'bun:test';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectGuarded, expectProblem, json } from '../../test/support/rest-api.ts';
import { sgaclLine } from '../mcp/testing.ts';
import type { RunSummary } from './runs.ts';
import { STAGED_MAX_LINES } from './runs-staged.ts';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST staged runs on ${flavour.name}`, () => {
    let te: TestEngine;
    let api: TestApi;
    afterEach(async () => te?.dispose());

    async function setup(): Promise<void> {
      te = await flavour.open();
      api = await startApi(te);
    }

    async function start(body: unknown = {}): Promise<RunSummary> {
      const res = await api.request('/api/v1/runs/staged', json(body, TOKENS.operator));
      expect(res.status).toBe(201);
      return (await res.json()) as RunSummary;
    }

    const lines = (id: string, body: unknown) =>
      api.request(`/api/v1/runs/${id}/lines`, json(body, TOKENS.operator));
    const step = (id: string, verb: 'classify' | 'build') =>
      api.request(`/api/v1/runs/${id}/${verb}`, { method: 'POST', token: TOKENS.operator });

    test('open → lines in batches → classify → build; the stored run answers at every stage', async () => {
      await setup();
      const run = await start({ classifier: 'heuristic' });
      expect(run).toMatchObject({
        status: 'open',
        flows: 0,
        contracts: 0,
        params: { classifier: 'heuristic' },
      });
      const first = await lines(run.id, {
        lines: [
          sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 4 }),
          sgaclLine({ sgt: 10, dgt: 30, dstPort: 22 }),
        ],
      });
      expect(first.status).toBe(200);
      expect(await first.json()).toMatchObject({
        batch: { duplicate: false, lines: 2, events: 2, hits: 5, flows: 2 },
        run: { status: 'open', flows: 2 },
      });
      await lines(run.id, { lines: [sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 6 })] });
      const open = await api.request(`/api/v1/runs/${run.id}`, { token: TOKENS.viewer });
      expect(await open.json()).toMatchObject({
        status: 'open',
        flows: 2,
        stats: { linesRead: 3, hits: 11 },
      });
      await expectProblem(await api.request(`/api/v1/runs/${run.id}/matrix`, { token: TOKENS.viewer }), 409);
      await expectProblem(await step(run.id, 'build'), 409);

      const classified = await step(run.id, 'classify');
      expect(classified.status).toBe(200);
      expect(await classified.json()).toMatchObject({ status: 'classified', missingSgts: [10, 20, 30] });
      await expectProblem(await lines(run.id, { lines: ['x'] }), 409);
      const listed = await api.request(`/api/v1/classifications?run=${run.id}`, { token: TOKENS.viewer });
      const body = (await listed.json()) as { source: string; items: { flowId: string; hits: number }[] };
      expect(body.source).toBe('run');
      expect(body.items.map((i) => [i.flowId, i.hits])).toEqual([
        ['10-20-tcp-any-443', 10],
        ['10-30-tcp-any-22', 1],
      ]);

      const built = await step(run.id, 'build');
      expect(await built.json()).toMatchObject({ status: 'done', contracts: 2 });
      const again = await step(run.id, 'build');
      expect(again.status).toBe(200);
      await expectProblem(await step(run.id, 'classify'), 409);
      const matrix = await api.request(`/api/v1/runs/${run.id}/matrix?format=json`, { token: TOKENS.viewer });
      expect(matrix.status).toBe(200);
      const m = (await matrix.json()) as { contracts: { sgt: number; dgt: number; hits: number }[] };
      expect(m.contracts.map((c) => [c.sgt, c.dgt, c.hits])).toEqual([
        [10, 20, 10],
        [10, 30, 1],
      ]);
    });

    test('GET /runs lists newest first, filtered by status; runs are per tenant', async () => {
      await setup();
      const a = await start();
      const b = await start();
      await lines(b.id, { lines: [sgaclLine({ sgt: 1, dgt: 2, dstPort: 80 })] });
      await step(b.id, 'classify');
      const all = (await (await api.request('/api/v1/runs', { token: TOKENS.viewer })).json()) as {
        total: number;
        items: RunSummary[];
      };
      expect(all.total).toBe(2);
      expect(all.items.map((r) => r.id)).toEqual(
        a.createdAt > b.createdAt
          ? [a.id, b.id]
          : a.createdAt < b.createdAt
            ? [b.id, a.id]
            : all.items.map((r) => r.id),
      );
      const open = (await (
        await api.request('/api/v1/runs?status=open', { token: TOKENS.viewer })
      ).json()) as {
        items: RunSummary[];
      };
      expect(open.items.map((r) => r.id)).toEqual([a.id]);
      const other = (await (await api.request('/api/v1/runs', { token: TOKENS.other })).json()) as {
        total: number;
      };
      expect(other.total).toBe(0);
      await expectProblem(await api.request(`/api/v1/runs/${a.id}`, { token: TOKENS.other }), 404);
      await expectProblem(
        await api.request(`/api/v1/runs/${a.id}/lines`, json({ lines: ['x'] }, TOKENS.other)),
        404,
      );
      await expectProblem(await api.request('/api/v1/runs?limit=0', { token: TOKENS.viewer }), 400);
    });

    test('auth, bad input and limits', async () => {
      await setup();
      await expectGuarded(api, 'POST', '/api/v1/runs/staged', 'operator');
      await expectGuarded(api, 'GET', '/api/v1/runs', 'viewer');
      const run = await start();
      await expectGuarded(api, 'POST', `/api/v1/runs/${run.id}/lines`, 'operator', { lines: ['x'] });
      await expectGuarded(api, 'POST', `/api/v1/runs/${run.id}/classify`, 'operator');
      const bad = await expectProblem(
        await api.request('/api/v1/runs/staged', json({ classifier: 'magic' }, TOKENS.operator)),
        400,
      );
      expect(String(bad.detail)).toContain('classifier');
      await expectProblem(
        await api.request('/api/v1/runs/staged', json({ since: 'soon' }, TOKENS.operator)),
        400,
      );
      const empty = await expectProblem(await lines(run.id, { lines: [] }), 400);
      expect(String(empty.detail)).toContain('lines: send at least one line');
      await expectProblem(await lines(run.id, { lines: Array(STAGED_MAX_LINES + 1).fill('x') }), 400);
      await expectProblem(await lines('no such run!', { lines: ['x'] }), 404);
      await expectProblem(await step(run.id, 'classify'), 409);
    });

    test('concurrent batches on one run: none is lost', async () => {
      await setup();
      const run = await start();
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          lines(run.id, { lines: [sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: i + 1 })] }),
        ),
      );
      expect(results.map((r) => r.status)).toEqual(Array(6).fill(200));
      const stored = (await (
        await api.request(`/api/v1/runs/${run.id}`, { token: TOKENS.viewer })
      ).json()) as RunSummary;
      expect(stored.stats).toMatchObject({ linesRead: 6, hits: 21 });
    });
  });
}
