/**
 * Requests per minute per caller, shared by edge replicas: two apps over one
 * store (two edge processes) answer one caller at most its budget between
 * them (plus one lease block each), then 429 problem+json with Retry-After;
 * another caller has its own budget, health endpoints are never counted, and
 * a lease spends locally instead of asking the store per request.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../config/mod.ts';
import { Bucket, bucketName, SharedRateLimiter } from '../kv-schema/mod.ts';
import { startApi, TOKENS, testDeps } from '../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../test/support/engines.ts';
import { describeNats } from '../test/support/nats.ts';
import { PROBLEM_CONTENT_TYPE } from './problem.ts';
import { blockOf, CallerRateLimiter } from './rate-limit.ts';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`API requests per minute on ${flavour.name}`, () => {
    let te: TestEngine;
    afterEach(async () => {
      await te?.dispose();
    });

    test('two edge apps over one store: at most the budget (plus a lease each), then 429 with Retry-After', async () => {
      te = await flavour.open();
      const config = loadConfig({ SCOPILOT_API__REQUESTS_PER_MINUTE: '5' });
      const deps = { ...(await testDeps(te)), config };
      const edges = [await startApi(te, deps), await startApi(te, deps)];
      const statuses: number[] = [];
      let refused: Response | null = null;
      for (let i = 0; i < 12; i++) {
        const res = await edges[i % 2]!.request('/api/v1/sgts', { token: TOKENS.viewer });
        statuses.push(res.status);
        if (res.status === 429) refused ??= res;
        else await res.body?.cancel();
      }
      const ok = statuses.filter((s) => s === 200).length;
      expect(ok).toBeGreaterThanOrEqual(5);
      expect(ok).toBeLessThanOrEqual(5 + 2 * blockOf(5));
      expect(statuses.slice(-4)).toEqual([429, 429, 429, 429]);
      expect(refused?.headers.get('content-type')).toBe(PROBLEM_CONTENT_TYPE);
      const wait = Number(refused?.headers.get('retry-after'));
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
      expect(await refused?.json()).toMatchObject({ status: 429, title: 'Too many requests', limit: 5 });

      // Another caller has a budget of its own; probes are never counted.
      expect((await edges[0]!.request('/api/v1/sgts', { token: TOKENS.admin })).status).toBe(200);
      expect((await edges[1]!.request('/healthz')).status).toBe(200);
      expect((await edges[1]!.request('/metrics')).status).toBe(200);
      // A token that does not verify is left to the sign-in checks: 401, not 429.
      expect((await edges[0]!.request('/api/v1/sgts', { token: 'not-a-key' })).status).toBe(401);
    });

    test('a process leases a block and spends it without asking the store again', async () => {
      te = await flavour.open();
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.Sessions, te.ns));
      let asked = 0;
      const shared = new SharedRateLimiter(bucket);
      const counting = {
        tryAcquire: (...args: Parameters<SharedRateLimiter['tryAcquire']>) => {
          asked += 1;
          return shared.tryAcquire(...args);
        },
      } as SharedRateLimiter;
      const limiter = new CallerRateLimiter({ perMinute: 1_200, shared: async () => counting });
      expect(limiter.block).toBe(20);
      for (let i = 0; i < 60; i++) expect(await limiter.take('key:abc')).toBe(0);
      expect(asked).toBe(3);
      // A second process shares the record: together they never take more than the budget.
      const other = new CallerRateLimiter({ perMinute: 1_200, shared: async () => shared });
      let granted = 60;
      for (let i = 0; i < 1_300; i++) if ((await other.take('key:abc')) === 0) granted += 1;
      expect(granted).toBeLessThanOrEqual(1_200 + 20);
      expect(granted).toBeGreaterThanOrEqual(1_200 - 20);
    });
  });
}
