/** REST /api/v1/metrics/history: the history actor's rollups by resolution and range, oldest first. */
import { afterEach, expect, test } from 'bun:test';
import { type HistoryPoint, keys } from '../../kv-schema/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { expectProblem, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
let h: RestHarness;
afterEach(async () => {
  await h?.stop();
});

const point = (startMs: number, resolution: 'minute' | 'hour', hits: number): HistoryPoint => ({
  startMs,
  resolution,
  updatedAtMs: startMs,
  hits,
  permittedHits: hits,
  deniedHits: 0,
  uncoveredHits: 0,
  coverage: 1,
  readiness: 0.5,
  openProposals: 3,
  version: 1,
  pairs: [{ sgt: 10, dgt: 20, hits, status: 'permitted' }],
});

test('points of the asked resolution and range, oldest first; other tenants never', async () => {
  h = await startRest(embedded);
  const hour = 3_600_000;
  for (const at of [3, 1, 2])
    await h.api.stores.historyHour.put(keys.historyPoint('acme', at * hour), point(at * hour, 'hour', at));
  await h.api.stores.historyMinute.put(keys.historyPoint('acme', hour), point(hour, 'minute', 7));
  await h.api.stores.historyHour.put(keys.historyPoint('globex', hour), point(hour, 'hour', 99));
  const res = await h.api.request(`/api/v1/metrics/history?from=${hour}&to=${2 * hour}`, {
    token: TOKENS.viewer,
  });
  expect(res.status).toBe(200);
  const body = (await res.json()) as { resolution: string; points: HistoryPoint[] };
  expect(body.resolution).toBe('hour');
  expect(body.points.map((p) => p.hits)).toEqual([1, 2]);
  const minutes = await h.api.request(`/api/v1/metrics/history?resolution=minute&from=0&to=${9 * hour}`, {
    token: TOKENS.viewer,
  });
  expect(((await minutes.json()) as { points: HistoryPoint[] }).points.map((p) => p.hits)).toEqual([7]);
  await expectProblem(
    await h.api.request('/api/v1/metrics/history?resolution=second', { token: TOKENS.viewer }),
    400,
  );
});
