/**
 * The product metrics move with the product: actor failures and dead
 * letters through the ActorSystem's hooks, ingested and rejected lines
 * through the ingest port (REST/demo entry point and file tail), and
 * flows, proposals and decisions read from the stores at scrape time.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { appendFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Scheduler } from '../actors/scheduler/scheduler.ts';
import { ingestLines } from '../actors/tail/ingest.ts';
import { FileTail } from '../actors/tail/tail.ts';
import { silentLogger } from '../engine/log.ts';
import { keys, openStores } from '../kv-schema/mod.ts';
import { subjectsFor } from '../streams/mod.ts';
import { countingActor } from '../test/fixtures/counting-actor.ts';
import { publishJson, readState, startSystem, waitFor } from '../test/support/actors.ts';
import { openTestEmbedded, type TestEngine } from '../test/support/engines.ts';
import { sample } from '../test/support/metrics.ts';
import { decide, proposals, startPipeline } from '../test/support/pipeline.ts';
import { Metrics } from './metrics.ts';

const line = (dstPort: number, hits: number, sgt = 10, dgt = 20) =>
  `${new Date().toISOString()} sw01 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' action='Permit' ` +
  `protocol='tcp' src-ip='10.0.0.1' src-port='50000' dest-ip='10.0.1.1' dest-port='${dstPort}' sgt='${sgt}' dgt='${dgt}' logging_interval_hits='${hits}'`;

describe('product metrics', () => {
  const cleanup: (() => Promise<void> | void)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });
  async function engine(): Promise<TestEngine> {
    const te = await openTestEmbedded();
    cleanup.push(() => te.dispose());
    return te;
  }

  test('an actor failure counts as an error; a terminal one also as a dead letter', async () => {
    const te = await engine();
    const metrics = new Metrics({ defaults: false });
    const system = await startSystem(te, [countingActor(te.ns)], { hooks: metrics.actors });
    cleanup.push(() => system.drain());
    const subject = subjectsFor(te.ns).flowsUnknown('acme');
    await publishJson(te, subject, { n: 1, fail: 'terminal' });
    await publishJson(te, subject, { n: 2, fail: 'once' });
    await publishJson(te, subject, { n: 3 });
    const labels = { actor: 'counter', tenant: 'acme' };
    await waitFor('both good messages handled', async () => {
      return (await readState<{ count: number }>(te, 'counter', 'acme'))?.count === 2;
    });
    await waitFor('a dead letter', async () => {
      return sample(await metrics.text(), 'scopilot_actor_dead_letters_total', labels) === 1;
    });
    const text = await metrics.text();
    expect(sample(text, 'scopilot_actor_errors_total', labels)).toBe(2);
    expect(sample(text, 'scopilot_actor_dead_letters_total', labels)).toBe(1);
  });

  test('ingested lines are counted, rejected ones by reason', async () => {
    const te = await engine();
    const metrics = new Metrics({ defaults: false });
    const result = await ingestLines({
      log: te.engine.log,
      subjects: subjectsFor(te.ns),
      tenant: 'acme',
      lines: [
        line(443, 5),
        line(443, 7),
        line(443, 1, 70000),
        line(443, 1).replace("protocol='tcp' ", ''),
        '<189>Jun 18 10:00:00 sw01 %LINK-3-UPDOWN: Interface Gi1/0/1, changed state to up',
        '',
      ],
      origin: 'req-1',
      source: 'api',
      nowMs: Date.now(),
      metrics: metrics.ingest,
    });
    expect(result.stats.rejectedTotal).toBe(2);
    const text = await metrics.text();
    const labels = { tenant: 'acme', source: 'api' };
    expect(sample(text, 'scopilot_ingest_lines_total', labels)).toBe(6);
    expect(sample(text, 'scopilot_ingest_events_total', labels)).toBe(2);
    expect(sample(text, 'scopilot_ingest_hits_total', labels)).toBe(12);
    expect(sample(text, 'scopilot_ingest_deltas_total', labels)).toBe(1);
    expect(sample(text, 'scopilot_ingest_skipped_lines_total', { ...labels, reason: 'not_sgaclhit' })).toBe(
      1,
    );
    for (const [reason, count] of Object.entries(result.stats.rejected)) {
      expect(sample(text, 'scopilot_ingest_rejected_lines_total', { ...labels, reason })).toBe(count.count);
    }
    expect(
      sample(text, 'scopilot_ingest_rejected_lines_total', { ...labels, reason: 'tag_out_of_range' }),
    ).toBe(1);
  });

  test('the tail feeds the ingest counters; flows, proposals and decisions come from the stores', async () => {
    const te = await engine();
    const metrics = new Metrics({ defaults: false });
    const pipeline = await startPipeline(te);
    cleanup.push(() => pipeline.stop());
    metrics.watchStores(() => pipeline.stores, { maxAgeMs: 0 });
    const dir = mkdtempSync(join(tmpdir(), 'scopilot-metrics-'));
    cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
    const path = join(dir, 'switch.log');
    writeFileSync(path, '');
    const tail = new FileTail({
      path,
      tenant: 'acme',
      log: te.engine.log,
      stores: pipeline.stores,
      subjects: subjectsFor(te.ns),
      logger: silentLogger(),
      intervalMs: 100,
      pollMs: 25,
      metrics: metrics.ingest,
    });
    await tail.start();
    cleanup.push(() => tail.stop());

    appendFileSync(path, `${line(443, 12)}\nnot syslog at all\n`);
    await waitFor('a proposal', async () => (await proposals(pipeline.stores, 'acme')).length === 1);
    let text = await metrics.text();
    const tailLabels = { tenant: 'acme', source: 'tail' };
    expect(sample(text, 'scopilot_ingest_lines_total', tailLabels)).toBe(2);
    expect(sample(text, 'scopilot_ingest_events_total', tailLabels)).toBe(1);
    await waitFor('the proposal counted', async () => {
      const t = await metrics.text();
      return (
        (sample(t, 'scopilot_proposals', { tenant: 'acme', status: 'pending' }) ?? 0) +
          (sample(t, 'scopilot_proposals', { tenant: 'acme', status: 'notified' }) ?? 0) ===
        1
      );
    });

    const [p] = await proposals(pipeline.stores, 'acme');
    expect(await decide(te, 'acme', p!.id, 'approve')).toMatchObject({ ok: true });
    await new Scheduler({
      stores: pipeline.stores,
      log: te.engine.log,
      subjects: subjectsFor(te.ns),
      logger: silentLogger(),
    }).tick();
    text = await metrics.text();
    expect(sample(text, 'scopilot_proposals', { tenant: 'acme', status: 'applied' })).toBe(1);
    expect(sample(text, 'scopilot_proposals', { tenant: 'acme', status: 'pending' })).toBe(0);
    expect(text).toContain('# TYPE scopilot_decisions_total counter');
    expect(
      sample(text, 'scopilot_decisions_total', { tenant: 'acme', channel: 'api', decision: 'approve' }),
    ).toBe(1);
    expect(sample(text, 'scopilot_flows', { tenant: 'acme', coverage: 'covered' })).toBe(1);
    expect(sample(text, 'scopilot_flows', { tenant: 'acme', coverage: 'uncovered' })).toBe(0);
    expect(sample(text, 'scopilot_readiness_ratio', { tenant: 'acme' })).toBe(1);
  });

  test('store scans are cached for maxAgeMs, and a bad record only loses its own count', async () => {
    const te = await engine();
    const stores = await openStores(te.engine, te.ns);
    const metrics = new Metrics({ defaults: false });
    let nowMs = 1_000_000;
    metrics.watchStores(() => stores, { maxAgeMs: 30_000, now: () => nowMs });
    const put = (id: string, body: unknown) =>
      stores.proposals.raw.put(keys.proposal('acme', id), new TextEncoder().encode(JSON.stringify(body)));
    const rejected = {
      status: 'rejected',
      history: [
        { status: 'pending', channel: 'system' },
        { status: 'rejected', channel: 'webex' },
      ],
    };
    await put('p1', rejected);
    await put('p2', 'not a proposal');
    const rejectedCount = (t: string) =>
      sample(t, 'scopilot_proposals', { tenant: 'acme', status: 'rejected' });
    let text = await metrics.text();
    expect(rejectedCount(text)).toBe(1);
    expect(sample(text, 'scopilot_decisions_total', { channel: 'webex', decision: 'reject' })).toBe(1);
    await put('p3', rejected);
    nowMs += 29_000;
    expect(rejectedCount(await metrics.text())).toBe(1);
    nowMs += 1_000;
    text = await metrics.text();
    expect(rejectedCount(text)).toBe(2);
    expect(sample(text, 'scopilot_decisions_total', { channel: 'webex', decision: 'reject' })).toBe(2);
  });
});
