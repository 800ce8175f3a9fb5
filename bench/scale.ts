/**
 * Scale on a three-server JetStream cluster (R3) the bench starts itself on
 * free ports (nats-server from /usr/sbin; never the shared server):
 *
 * - ingest lines/s from many tenants into the inventory, with 1 and with 3
 *   engine processes (`serve --role engine`), measured from the first publish
 *   until every FLOWS consumer has delivered and had acknowledged everything;
 * - RSS of each engine process and each nats-server after that;
 * - the scheduler's re-evaluation of one tenant's coverage: the first tick
 *   (the whole inventory read from KV: what every tick cost before the scan
 *   was incremental), a tick after one flow was written, and a tick after the
 *   live matrix moved (every flow, from memory).
 *
 * SCOPILOT_BENCH_SCALE_TENANTS (default 10), _LINES (per tenant, 10,000) and
 * _FLOWS (the scheduler's tenant, 20,000) size it.
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Scheduler } from '../actors/scheduler/scheduler.ts';
import { ingestLines } from '../actors/tail/ingest.ts';
import { silentLogger } from '../engine/log.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import type { Engine } from '../engine/types.ts';
import { ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import type { InventoryRecord } from '../kv-schema/records.ts';
import { isolatedNamespace, type Namespace, streamConfigs, subjectsFor } from '../streams/mod.ts';
import { type Child, cleanEnv, killChildren, spawnChild } from '../test/support/child.ts';
import { startCluster } from '../test/support/cluster.ts';
import { corpusLines, emptyTruth } from './support/corpus.ts';

const TENANTS = Number(process.env.SCOPILOT_BENCH_SCALE_TENANTS ?? 10);
const LINES = Number(process.env.SCOPILOT_BENCH_SCALE_LINES ?? 10_000);
const FLOWS = Number(process.env.SCOPILOT_BENCH_SCALE_FLOWS ?? 20_000);
const BATCH = 5_000;
const MAIN = join(import.meta.dir, '../cli/main.ts');
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');
const rssMb = (pid: number): number => {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : Number.NaN;
};

async function flowsDrained(engine: Engine, ns: Namespace): Promise<boolean> {
  const flows = streamConfigs(ns).filter((s) => s.name.endsWith('FLOWS'));
  const h = await engine.log.health?.({ streams: flows.map((s) => s.name), buckets: [] });
  const consumers = h?.consumers ?? [];
  return consumers.length > 0 && consumers.every((c) => c.pending === 0 && c.ackPending === 0);
}

async function ingestRun(urls: string, admin: Engine, replicas: number, lines: string[][]) {
  const ns = isolatedNamespace(`bs${replicas}${Date.now().toString(36)}`);
  await ensureSchema(admin, ns, { replicas: 3 });
  const env = cleanEnv({
    SCOPILOT_NATS_URL: urls,
    SCOPILOT_NATS__REPLICAS: '3',
    SCOPILOT_NAMESPACE: ns.root,
    SCOPILOT_HTTP__PORT: '0',
    SCOPILOT_LOG_LEVEL: 'info',
  });
  const children: Child[] = await Promise.all(
    Array.from({ length: replicas }, () =>
      spawnChild(MAIN, env, /"msg":"listening"/, ['serve', '--role', 'engine']),
    ),
  );
  while (!children.every((c) => c.lines.some((l) => l.includes('schema ensured')))) await Bun.sleep(100);
  const subjects = subjectsFor(ns);
  const nowMs = Date.now();
  const started = performance.now();
  await Promise.all(
    lines.map(async (tenantLines, t) => {
      for (let i = 0; i < tenantLines.length; i += BATCH) {
        await ingestLines({
          log: admin.log,
          subjects,
          tenant: `tenant-${t}`,
          lines: tenantLines.slice(i, i + BATCH),
          origin: `b${i}`,
          source: 'bench',
          nowMs,
        });
      }
    }),
  );
  const publishedMs = performance.now() - started;
  while (!(await flowsDrained(admin, ns))) await Bun.sleep(200);
  const ms = performance.now() - started;
  const rss = children.map((c) => rssMb(c.process.pid));
  for (const c of children) c.process.kill('SIGTERM');
  await Promise.all(children.map((c) => c.process.exited));
  return { ms, publishedMs, rss };
}

function flow(i: number, nowMs: number): InventoryRecord {
  const pair = i % 250_000;
  const sgt = 2 + Math.floor(pair / 500);
  const dgt = 2 + (pair % 500);
  const dstPort = 1_000 + Math.floor(i / 250_000);
  return {
    flowId: `${sgt}-${dgt}-tcp-any-${dstPort}`,
    sgt,
    dgt,
    protocol: 'tcp',
    srcPort: 'any',
    dstPort,
    hits: 1 + (i % 97),
    events: 1,
    firstSeenMs: nowMs - 3_600_000,
    lastSeenMs: nowMs,
    days: [],
    srcSamples: [],
    dstSamples: [],
    permitHits: 1,
    denyHits: 0,
    // Already reported at generation 0, so the scan measures coverage, not publishing.
    unknownAt: 0,
    rev: 1,
  };
}

async function schedulerRun(admin: Engine) {
  const ns = isolatedNamespace(`bsc${Date.now().toString(36)}`);
  await ensureSchema(admin, ns, { replicas: 3 });
  const stores = await openStores(admin, ns);
  const nowMs = Date.now();
  const putStarted = performance.now();
  for (let i = 0; i < FLOWS; i += 500) {
    const chunk = Array.from({ length: Math.min(500, FLOWS - i) }, (_, j) => flow(i + j, nowMs));
    await Promise.all(chunk.map((f) => stores.inventory.put(keys.inventory('acme', f.flowId), f)));
  }
  const putMs = performance.now() - putStarted;
  const scheduler = new Scheduler({
    stores,
    log: admin.log,
    subjects: subjectsFor(ns),
    logger: silentLogger(),
  });
  const timed = async () => {
    const t = performance.now();
    const report = await scheduler.tick();
    return { ms: performance.now() - t, report };
  };
  const first = await timed();
  await stores.inventory.put(keys.inventory('acme', flow(FLOWS, nowMs).flowId), flow(FLOWS, nowMs));
  let touched = await timed();
  for (let i = 0; i < 100 && touched.report.rescanned === 0; i++) {
    await Bun.sleep(20);
    touched = await timed();
  }
  await stores.pointer.create(keys.matrixCurrent('acme'), {
    version: 0,
    latest: 0,
    generation: 1,
    by: 'bench',
    channel: 'system',
    at: new Date().toISOString(),
    reason: 'bench: a matrix change',
  });
  const moved = await timed();
  scheduler.stop();
  return { putMs, first, touched, moved };
}

const cluster = await startCluster({ size: 3 });
const admin = await openNatsEngine({ servers: cluster.urls.split(','), name: 'bench-scale' });
try {
  const lines = Array.from({ length: TENANTS }, (_, t) => [...corpusLines(LINES, emptyTruth(), 100 + t)]);
  const total = TENANTS * LINES;
  console.log(
    `3-server JetStream cluster, R3; ${TENANTS} tenants × ${fmt(LINES)} lines = ${fmt(total)} lines`,
  );
  for (const replicas of [1, 3]) {
    const r = await ingestRun(cluster.urls, admin, replicas, lines);
    console.log(
      `  ${replicas} engine process${replicas > 1 ? 'es' : ''}: ${fmt((total / r.ms) * 1000)} lines/s into the inventory ` +
        `(${(r.ms / 1000).toFixed(1)} s; published in ${(r.publishedMs / 1000).toFixed(1)} s); ` +
        `RSS ${r.rss.map((m) => `${fmt(m)} MB`).join(', ')}`,
    );
  }
  console.log(
    `  nats-servers RSS: ${cluster.servers.map((s) => `${fmt(rssMb(s.proc?.pid ?? 0))} MB`).join(', ')}`,
  );
  const s = await schedulerRun(admin);
  console.log(
    `scheduler, one tenant of ${fmt(FLOWS)} flows (${fmt((FLOWS / s.putMs) * 1000)} KV puts/s to load it):`,
  );
  console.log(`  first tick, whole inventory read from KV (every tick before): ${fmt(s.first.ms)} ms`);
  console.log(
    `  tick after one flow was written: ${fmt(s.touched.ms)} ms (${s.touched.report.rescanned} flows of its pair)`,
  );
  console.log(
    `  tick after the matrix moved: ${fmt(s.moved.ms)} ms (${fmt(s.moved.report.rescanned)} flows re-evaluated from memory, ${fmt(s.moved.report.reported)} reported unknown again)`,
  );
} finally {
  killChildren();
  await admin.close().catch(() => undefined);
  await cluster.stop();
}
