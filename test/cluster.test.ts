/**
 * The product on a three-server JetStream cluster started by the test (free
 * ports, its own store directories; never the shared server). A namespace
 * made with one replica is raised to three by the next start's migration;
 * then the server the product's engine is connected to is killed with -9 in
 * the middle of an ingest and started again. Every acknowledged line must be
 * in the inventory exactly once: flow by flow, hits and events equal an
 * offline analysis of the same lines. Batches whose publish failed are sent
 * again with the same origin, so their msgIds dedupe across the leader change.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { ingestLines } from '../actors/tail/ingest.ts';
import { corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { bucketConfigs, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace, streamConfigs, subjectsFor } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { cleanEnv, killChildren, spawnChild } from './support/child.ts';
import { killServers, startCluster } from './support/cluster.ts';
import { explainMismatch, offlineTotals, settledTotals, wrongFlows } from './support/inventory.ts';
import { testPrefix } from './support/nats.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const LINES = 120_000;
const BATCH = 2_000;
const PRODUCT = 'cluster-product-engine';

afterAll(() => {
  killChildren();
  killServers();
});

test('R1 raised to R3 in place; kill -9 of the product’s server mid-ingest loses and doubles nothing', async () => {
  const cluster = await startCluster({ size: 3 });
  const ns = isolatedNamespace(testPrefix('cl'));
  const engine = await openNatsEngine({ servers: cluster.urls.split(','), name: 'cluster-test-admin' });
  let publishRetries = 0;
  let publisher: Awaited<ReturnType<typeof openNatsEngine>> | null = null;
  const nc = await connect({ servers: cluster.urls.split(','), maxReconnectAttempts: -1 });
  try {
    // An existing single-replica deployment with data in it.
    await ensureSchema(engine, ns);
    const before = await openStores(engine, ns);
    await before.sgt.put(keys.sgt('acme', 10), {
      name: 'Employees',
      updatedBy: 'test',
      updatedAt: new Date(0).toISOString(),
    });
    for (const s of streamConfigs(ns)) expect((await engine.log.streamInfo(s.name))?.config.replicas).toBe(1);

    // The product starts with three replicas asked for: its migration raises everything in place.
    const env = cleanEnv({
      SCOPILOT_NATS_URL: cluster.urls,
      SCOPILOT_NATS__REPLICAS: '3',
      SCOPILOT_NATS_NAME: PRODUCT,
      SCOPILOT_NAMESPACE: ns.root,
      SCOPILOT_HTTP__PORT: '0',
      SCOPILOT_LOG_LEVEL: 'info',
    });
    const product = await spawnChild(MAIN, env, /"msg":"listening"/, ['serve', '--role', 'engine']);
    await waitFor('schema ensured', () => product.lines.some((l) => l.includes('schema ensured')), 60_000);

    const jsm = await jetstreamManager(nc);
    const names = [...streamConfigs(ns).map((s) => s.name), ...bucketConfigs(ns).map((b) => `KV_${b.name}`)];
    const peers = async () =>
      Promise.all(
        names.map(async (name) => {
          const si = await jsm.streams.info(name);
          const current = (si.cluster?.replicas ?? []).filter((r) => r.current).length;
          return {
            name,
            replicas: si.config.num_replicas,
            current: (si.cluster?.leader ? 1 : 0) + current,
            direct: si.config.allow_direct === true,
          };
        }),
      );
    await waitFor(
      'every stream and bucket on three current peers',
      async () => (await peers()).every((p) => p.replicas === 3 && p.current === 3),
      60_000,
    );
    // Raised to R3, no bucket answers gets from followers any more (they may lag behind the leader).
    expect((await peers()).filter((p) => p.direct).map((p) => p.name)).toEqual([]);
    // Opened again: the buckets bound while R1 still read from any replica.
    const stores = await openStores(engine, ns);
    expect((await stores.sgt.get(keys.sgt('acme', 10)))?.value.name).toBe('Employees');

    // The lines are published through the very server the product uses, so its death cuts both.
    const productServer = await cluster.serverWithConnection(PRODUCT);
    expect(productServer).toBeGreaterThanOrEqual(0);
    publisher = await openNatsEngine({
      servers: [cluster.servers[productServer]?.url ?? ''],
      name: 'cluster-test-publisher',
      logger: (_level, msg) => {
        if (msg === 'publish retry') publishRetries++;
      },
    });
    const lines = [...corpusLines(LINES, emptyTruth(), 29)];
    const nowMs = Date.now();
    const expected = offlineTotals(lines, nowMs);

    const subjects = subjectsFor(ns);
    let killedAt = -1;
    let retries = 0;
    const batches = Math.ceil(lines.length / BATCH);
    for (let b = 0; b < batches; b++) {
      if (b === Math.floor(batches / 3)) {
        killedAt = await cluster.serverWithConnection(PRODUCT);
        expect(killedAt).toBeGreaterThanOrEqual(0);
        await cluster.kill(killedAt);
      }
      if (b === Math.floor(batches / 3) + 10) await cluster.restart(killedAt);
      const slice = lines.slice(b * BATCH, (b + 1) * BATCH);
      // At least once from here; the batch's origin makes its msgIds, so a repeat is a duplicate.
      for (let attempt = 0; ; attempt++) {
        try {
          await ingestLines({
            log: publisher.log,
            subjects,
            tenant: 'acme',
            lines: slice,
            origin: `batch-${b}`,
            source: 'test',
            nowMs,
          });
          break;
        } catch (error) {
          retries++;
          if (attempt > 20) throw error;
          await Bun.sleep(500);
        }
      }
    }

    const ingestMs = Date.now() - nowMs;
    // Every event in, or nothing moved for 60 s (a lost update never arrives). Longer than the
    // ack wait (30 s): messages pulled over the dead server's connection come again only after it.
    const actual = await settledTotals(stores, 'acme', expected, { maxSeconds: 240, stillSeconds: 60 });
    const wrong = wrongFlows(expected, actual);
    if (wrong.length > 0) console.log(await explainMismatch(engine, ns, 'acme', expected, actual));
    console.log(
      `cluster: ${LINES} lines, ${expected.size} flows in ${ingestMs} ms, settled after ${Date.now() - nowMs} ms; ` +
        `server n${killedAt + 1} killed; ${publishRetries} publish retries, ${retries} batch retries`,
    );
    expect(wrong).toEqual([]);
    expect(actual.size).toBe(expected.size);
    // Nothing gave up on the way.
    const dead = await engine.log.streamInfo(
      streamConfigs(ns).find((s) => s.name.endsWith('DEAD'))?.name ?? '',
    );
    expect(dead?.messages).toBe(0);
    // Still R3 after the restart, consumers included.
    expect((await peers()).every((p) => p.replicas === 3)).toBe(true);
    for (const s of streamConfigs(ns)) {
      for await (const ci of jsm.consumers.list(s.name)) {
        expect([0, 3]).toContain(ci.config.num_replicas ?? 0);
        expect((ci.cluster?.replicas ?? []).length).toBe(2);
      }
    }
    product.process.kill('SIGTERM');
    await product.process.exited;
  } finally {
    killChildren();
    await nc.close().catch(() => undefined);
    await publisher?.close().catch(() => undefined);
    await engine.close().catch(() => undefined);
    await cluster.stop();
  }
}, 420_000);
