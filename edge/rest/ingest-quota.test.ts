/**
 * REST ingest under a tenant's lines-per-second quota, on both engines: over it, 429 with
 * Retry-After and nothing of the request stored; another tenant ingests meanwhile as usual.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../config/mod.ts';
import { Metrics } from '../../observability/metrics.ts';
import { StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem } from '../../test/support/rest-api.ts';
import type { IngestResult } from './ingest.ts';

const line = (sgt: number, dgt: number, port: number) =>
  `<190>1 2026-06-18T10:00:00.000Z sw1 - - - - %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' ` +
  `sgacl_name='x' action='Permit' protocol='tcp' src-ip='10.0.0.1' src-port='40000' ` +
  `dest-ip='10.0.1.1' dest-port='${port}' sgt='${sgt}' dgt='${dgt}' logging_interval_hits='1'`;

/** `n` lines, each its own flow (one delta each), distinct across batches. */
const batch = (i: number, n: number) => Array.from({ length: n }, (_, j) => line(10, 20, 1 + i * 1_000 + j));

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST ingest quota on ${flavour.name}`, () => {
    let te: TestEngine;
    afterEach(async () => te?.dispose());

    async function stored(tenant: string): Promise<number> {
      const filterSubject = subjectsFor(te.ns).flowsObservedAll(tenant);
      let n = 0;
      for await (const _ of te.engine.log.replay(streamName(StreamName.Flows, te.ns), { filterSubject })) n++;
      return n;
    }

    test('acme at 100 lines/s sending 1,000 lines gets 429s, nothing of them stored; globex ingests freely', async () => {
      te = await flavour.open();
      const metrics = new Metrics({ defaults: false });
      const config = loadConfig({
        SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'acme', linesPerSecond: 100 }]),
      });
      const api: TestApi = await startApi(te, { config, quotaMetrics: metrics.quota });
      const post = (lines: string[], token: string) =>
        api.request('/api/v1/ingest', {
          method: 'POST',
          body: JSON.stringify({ lines }),
          headers: { 'content-type': 'application/json' },
          token,
        });

      const started = performance.now();
      const [acme, globex] = await Promise.all([
        (async () => {
          const answers: Response[] = [];
          for (let i = 0; i < 10; i++) answers.push(await post(batch(i, 100), TOKENS.operator));
          return answers;
        })(),
        post(batch(50, 1_000), TOKENS.other),
      ]);
      const elapsedS = (performance.now() - started) / 1_000;
      expect(globex.status).toBe(202);
      expect(((await globex.json()) as IngestResult).deltas).toBe(1_000);

      const accepted = acme.filter((r) => r.status === 202);
      const refused = acme.filter((r) => r.status === 429);
      expect(accepted.length + refused.length).toBe(10);
      // A full second's bucket, plus what refilled while the requests ran.
      expect(accepted.length).toBeGreaterThanOrEqual(1);
      expect(accepted.length).toBeLessThanOrEqual(1 + Math.ceil(elapsedS));
      for (const res of refused) {
        expect(Number(res.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
        const body = await expectProblem(res, 429);
        expect(body.detail).toContain('nothing of this request was ingested');
      }
      expect(await stored('acme')).toBe(100 * accepted.length);
      expect(await stored('globex')).toBe(1_000);
      const text = await metrics.text();
      expect(text).toContain(
        `scopilot_quota_throttled_total{tenant="acme",quota="lines"} ${100 * refused.length}`,
      );
      expect(text).not.toContain('scopilot_quota_throttled_total{tenant="globex"');

      // Sent again after Retry-After, a refused batch is taken; one of 250 lines (more than a
      // second's quota) is taken too, paced: a full second now, the rest as the bucket refills.
      const wait = Number(refused[0]!.headers.get('retry-after'));
      await Bun.sleep(wait * 1_000 + 100);
      expect((await post(batch(5, 100), TOKENS.operator)).status).toBe(202);
      await Bun.sleep(1_100);
      const bigStarted = performance.now();
      const big = await post(batch(20, 250), TOKENS.operator);
      expect(big.status).toBe(202);
      expect(performance.now() - bigStarted).toBeGreaterThan(1_200);
      expect(await stored('acme')).toBe(100 * accepted.length + 100 + 250);
    }, 30_000);
  });
}
