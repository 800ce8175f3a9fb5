/**
 * Scale on a three-server JetStream cluster (R3) the bench starts itself on
 * free ports (nats-server from /usr/sbin, each in its own temporary
 * directory; never the shared server), each figure beside a baseline
 * measured in the same run:
 *
 * - the inventory at size: TENANTS tenants × FLOWS flows over TAGS tags each,
 *   seeded straight into KV; the scheduler's first tick over all of it, a tick
 *   after one flow was written, and the re-evaluation of one tenant's coverage
 *   after its live matrix moved, with the reports published one at a time
 *   (the old scheduler) and pipelined (bench/support/scale-inventory.ts);
 * - ingest lines/s from many tenants into the inventory, with 1 and with 3
 *   engine processes (`serve --role engine`), measured from the first publish
 *   until every FLOWS consumer has delivered and had acknowledged everything;
 * - RSS of each engine process, the scheduler's growth and each nats-server;
 * - p99 from a line received to a proposal visible for quiet tenants, alone
 *   and while a noisy tenant floods at 10× its lines-per-second quota
 *   (bench/support/scale-latency.ts).
 *
 * Sizes, by flag or environment (SCOPILOT_BENCH_SCALE_<NAME>):
 * `--tenants 10 --flows 10000 --tags 500` (the inventory), `--lines 3000`
 * (per tenant, ingest), `--quiet 5 --seconds 20 --quota 500` (isolation).
 * Full size: `bun bench/scale.ts --tenants 100 --flows 100000`.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { ingestLines } from '../actors/tail/ingest.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import type { Engine } from '../engine/types.ts';
import { ensureSchema, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace, type Namespace, streamConfigs, subjectsFor } from '../streams/mod.ts';
import { type Child, cleanEnv, killChildren, spawnChild } from '../test/support/child.ts';
import { startCluster } from '../test/support/cluster.ts';
import { corpusLines, emptyTruth } from './support/corpus.ts';
import { schedulerOver, seedInventory } from './support/scale-inventory.ts';
import { isolation } from './support/scale-latency.ts';

const DEFAULTS = { tenants: 10, flows: 10_000, tags: 500, lines: 3_000, quiet: 5, seconds: 20, quota: 500 };
const { values: flags } = parseArgs({
  options: Object.fromEntries(Object.keys(DEFAULTS).map((k) => [k, { type: 'string' as const }])),
});
const size = (name: keyof typeof DEFAULTS): number =>
  Number(flags[name] ?? process.env[`SCOPILOT_BENCH_SCALE_${name.toUpperCase()}`] ?? DEFAULTS[name]);
const TENANTS = size('tenants');
const FLOWS = size('flows');
const TAGS = size('tags');
const LINES = size('lines');
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

const duMb = (dir: string): number => Number(execFileSync('du', ['-sm', dir]).toString().split('\t')[0]);
const secs = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

async function inventoryPart(admin: Engine, dir: string) {
  const ns = isolatedNamespace(`bsi${Date.now().toString(36)}`);
  await ensureSchema(admin, ns, { replicas: 3 });
  const stores = await openStores(admin, ns);
  const total = TENANTS * FLOWS;
  console.log(`inventory: ${TENANTS} tenants × ${fmt(FLOWS)} flows over ${TAGS} tags = ${fmt(total)} flows`);
  const seeded = await seedInventory(stores, TENANTS, FLOWS, TAGS, (n) =>
    console.log(`  … ${fmt(n)} put (${fmt(duMb(dir))} MB on disk, three servers)`),
  );
  console.log(
    `  seeded with pipelined KV puts: ${fmt((total / seeded.ms) * 1000)} puts/s (${secs(seeded.ms)}; ` +
      `${fmt(seeded.bytes / 2 ** 20)} MB of records, ${fmt(duMb(dir))} MB on disk for three servers)`,
  );
  const s = await schedulerOver(admin, ns, FLOWS);
  console.log(
    `  scheduler first tick, every tenant read in full: ${secs(s.first.ms)} (${fmt(s.first.rescanned)} flows, ` +
      `${fmt((s.first.rescanned / s.first.ms) * 1000)} flows/s; its process grew by ${fmt(s.rssGrowthMb)} MB)`,
  );
  console.log(
    `  tick after one flow was written: ${fmt(s.touched.ms)} ms (${s.touched.rescanned} flows of its pair)`,
  );
  console.log(
    `  re-evaluating ${benchTenantLabel()} after its matrix moved (${fmt(s.batchedMove.rescanned)} flows, ` +
      `${fmt(s.batchedMove.reported)} reported unknown again): ${secs(s.batchedMove.ms)} pipelined, ` +
      `${secs(s.serialMove.ms)} publishing one at a time (baseline: the scheduler before)`,
  );
}
const benchTenantLabel = () => `one tenant of ${fmt(FLOWS + 1)} flows`;

async function ingestPart(urls: string, admin: Engine) {
  const lines = Array.from({ length: TENANTS }, (_, t) => [...corpusLines(LINES, emptyTruth(), 100 + t)]);
  const total = TENANTS * LINES;
  console.log(`ingest: ${TENANTS} tenants × ${fmt(LINES)} lines = ${fmt(total)} lines`);
  for (const replicas of [1, 3]) {
    const r = await ingestRun(urls, admin, replicas, lines);
    console.log(
      `  ${replicas} engine process${replicas > 1 ? 'es' : ''}: ${fmt((total / r.ms) * 1000)} lines/s into the inventory ` +
        `(${secs(r.ms)}; published in ${secs(r.publishedMs)}); ` +
        `RSS ${r.rss.map((m) => `${fmt(m)} MB`).join(', ')}`,
    );
  }
}

async function isolationPart(urls: string) {
  const quota = size('quota');
  const r = await isolation({
    urls,
    namespace: `bsl${Date.now().toString(36)}`,
    quiet: size('quiet'),
    quotaLinesPerSecond: quota,
    seconds: size('seconds'),
  });
  const show = (p: typeof r.quiet) => `p99 ${p.p99.toFixed(2)} s over ${p.observed} of ${p.samples} lines`;
  console.log(
    `line to proposal, ${size('quiet')} quiet tenants at 1 line/s each (engine + edge process, REST ingest):`,
  );
  console.log(`  alone (baseline): ${show(r.quiet)}`);
  console.log(
    `  while "noisy" floods at ${fmt(quota * 10)} lines/s, 10× its quota of ${fmt(quota)}: ${show(r.flooded)}; ` +
      `noisy lines accepted ${fmt(r.flooded.accepted)}, refused ${fmt(r.flooded.refused)}, ` +
      `throttled (scopilot_quota_throttled_total) ${fmt(r.throttled)}`,
  );
}

const cluster = await startCluster({ size: 3 });
const admin = await openNatsEngine({ servers: cluster.urls.split(','), name: 'bench-scale' });
try {
  console.log('3-server JetStream cluster, R3');
  await inventoryPart(admin, cluster.dir);
  await ingestPart(cluster.urls, admin);
  console.log(
    `  nats-servers RSS: ${cluster.servers.map((s) => `${fmt(rssMb(s.proc?.pid ?? 0))} MB`).join(', ')}; bench process (scheduler) ${fmt(process.memoryUsage().rss / 2 ** 20)} MB`,
  );
  await isolationPart(cluster.urls);
} finally {
  killChildren();
  await admin.close().catch(() => undefined);
  await cluster.stop();
}
