/**
 * The lines-per-second quota where lines enter, on both engines: a file tail over quota is
 * slowed but publishes every line (its figures equal an offline analysis of the file); over
 * UDP syslog a noisy tenant's queue is bounded, what it sheds is counted in the receiver's
 * counters and in /metrics, and a quiet tenant sending meanwhile loses nothing.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinesQuota } from '../actors/tail/quota.ts';
import { SyslogReceiver } from '../actors/tail/syslog/mod.ts';
import { FileTail } from '../actors/tail/tail.ts';
import { loadConfig } from '../config/mod.ts';
import { Analysis } from '../domain/analysis.ts';
import { silentLogger } from '../engine/log.ts';
import { Bucket, bucketName, openStores, SharedRateLimiter } from '../kv-schema/mod.ts';
import { Metrics } from '../observability/metrics.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import { rfc3164, udpBlast, udpSender } from './fakes/syslog-sender.ts';
import { readAll, waitFor } from './support/actors.ts';
import { FLAVOURS, type TestEngine } from './support/engines.ts';
import { sample } from './support/metrics.ts';
import { describeNats } from './support/nats.ts';

const ACME = '127.0.0.2';
const GLOBEX = '127.0.0.3';

interface Delta {
  sgt: number;
  dgt: number;
  dstPort: number | string;
  hits: number;
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`lines-per-second quota on ${flavour.name}`, () => {
    let te: TestEngine | null = null;
    const closers: (() => Promise<unknown> | unknown)[] = [];
    afterEach(async () => {
      for (const close of closers.splice(0).reverse()) await close();
      await te?.dispose();
      te = null;
    });

    async function quotaFor(linesPerSecond: number, metrics: Metrics): Promise<LinesQuota> {
      te = await flavour.open();
      const config = loadConfig({
        SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'acme', linesPerSecond }]),
      });
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
      return new LinesQuota({
        limiter: new SharedRateLimiter(bucket),
        quotas: config.quotas,
        metrics: metrics.quota,
      });
    }

    async function deltas(tenant: string): Promise<Delta[]> {
      const all = await readAll(te!, StreamName.Flows, subjectsFor(te!.ns).flowsObservedAll(tenant));
      return all.map((m) => (m.json as { data: Delta }).data);
    }
    const hits = async (tenant: string) => (await deltas(tenant)).reduce((n, d) => n + d.hits, 0);

    test('a file tail at 250 lines/s is slowed, and publishes every line of 1,000', async () => {
      const metrics = new Metrics({ defaults: false });
      const quota = await quotaFor(250, metrics);
      const dir = mkdtempSync(join(tmpdir(), 'scopilot-quota-'));
      closers.push(() => rmSync(dir, { recursive: true, force: true }));
      const lines = Array.from({ length: 1_000 }, (_, i) =>
        rfc3164({ sgt: 10 + (i % 7), dgt: 20, dstPort: 1_000 + (i % 50), hits: 1 + (i % 3) }),
      );
      const text = `${lines.join('\n')}\n`;
      writeFileSync(join(dir, 'sw.log'), text);
      const offline = new Analysis({ referenceMs: Date.now() });
      offline.addLines(lines);
      const truth = offline.result();

      const tail = new FileTail({
        path: join(dir, 'sw.log'),
        tenant: 'acme',
        log: te!.engine.log,
        stores: await openStores(te!.engine, te!.ns),
        subjects: subjectsFor(te!.ns),
        logger: silentLogger(),
        from: 'start',
        intervalMs: 100,
        pollMs: 20,
        quota,
      });
      const started = performance.now();
      await tail.start();
      closers.push(() => tail.stop());
      await waitFor('every line published', () => tail.stats.lines === 1_000, 20_000);
      const seconds = (performance.now() - started) / 1_000;
      // A full bucket (250) at once, then 250 a second: no faster than about three seconds.
      expect(seconds).toBeGreaterThan(2.5);
      expect(tail.stats.throttled).toBeGreaterThan(0);
      expect(tail.health().counters.throttled).toBe(tail.stats.throttled);

      const published = new Map<string, number>();
      for (const d of await deltas('acme')) {
        const id = `${d.sgt}-${d.dgt}-${d.dstPort}`;
        published.set(id, (published.get(id) ?? 0) + d.hits);
      }
      const expected = new Map(truth.flows.map((f) => [`${f.sgt}-${f.dgt}-${f.dstPort}`, f.hits]));
      expect(published).toEqual(expected);
      expect(truth.stats.events).toBe(1_000);
      const throttled = sample(await metrics.text(), 'scopilot_quota_throttled_total', {
        tenant: 'acme',
        quota: 'lines',
      });
      expect(throttled).toBe(tail.stats.throttled);
    }, 30_000);

    test('UDP syslog: the noisy tenant sheds past its bound, counted; the quiet one loses nothing', async () => {
      const metrics = new Metrics({ defaults: false });
      const quota = await quotaFor(100, metrics);
      const receiver = new SyslogReceiver({
        host: '127.0.0.1',
        udpPort: 0,
        senders: [
          { from: ACME, tenant: 'acme' },
          { from: GLOBEX, tenant: 'globex' },
        ],
        log: te!.engine.log,
        subjects: subjectsFor(te!.ns),
        logger: silentLogger(),
        intervalMs: 100,
        quota,
      });
      await receiver.start();
      closers.push(() => receiver.stop());
      const port = receiver.ports().udp!;
      const counters = () => receiver.health().counters;

      const noisy = Array.from({ length: 20 }, (_, i) => rfc3164({ dstPort: 2_000 + i }));
      const sent = await udpBlast(port, noisy, 3_000, ACME);
      await waitFor('the burst accounted for', () => {
        const c = counters();
        return c.received! + (c.udp_kernel_drops ?? 0) === sent;
      });
      const kernelBefore = counters().udp_kernel_drops ?? 0;

      // While acme is still held back, globex sends 500 lines at an ordinary pace.
      const globex = await udpSender(GLOBEX);
      closers.push(() => globex.close());
      for (let i = 0; i < 500; i++)
        await globex.send(port, rfc3164({ sgt: 30, dgt: 40, dstPort: 3_000 + (i % 10) }));
      await waitFor('globex published', async () => (await hits('globex')) === 500, 10_000);
      expect(counters().udp_kernel_drops ?? 0).toBe(kernelBefore);

      const c = counters();
      expect(c.dropped_over_quota).toBeGreaterThan(1_000);
      expect(c.dropped_queue_full).toBe(0);
      // Held, not dropped: what acme's queue kept is published as its quota allows.
      const acmeKept = sent - kernelBefore - c.dropped_over_quota!;
      await waitFor('acme published what it held', async () => (await hits('acme')) === acmeKept, 15_000);
      const text = await metrics.text();
      expect(sample(text, 'scopilot_quota_shed_total', { tenant: 'acme', quota: 'lines' })).toBe(
        c.dropped_over_quota,
      );
      expect(
        sample(text, 'scopilot_quota_throttled_total', { tenant: 'acme', quota: 'lines' }),
      ).toBeGreaterThan(0);
      expect(sample(text, 'scopilot_quota_shed_total', { tenant: 'globex', quota: 'lines' })).toBeUndefined();
      expect(
        sample(text, 'scopilot_quota_throttled_total', { tenant: 'globex', quota: 'lines' }),
      ).toBeUndefined();
    }, 40_000);
  });
}
