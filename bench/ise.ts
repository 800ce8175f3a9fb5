/**
 * `bun bench/ise.ts`: pushing a 500-tag, 5,000-cell approved matrix to ISE
 * (the loopback ERS simulator over TLS), through the sync the product uses
 * (`scopilot ise push --stage monitor`): ERS writes per second, total time,
 * the most requests ISE had in flight at once, and the writes an unchanged
 * re-push makes (DESIGN §12: must be 0). Beside it, the baseline measured in
 * the same run: the same ERS writes sent one after another with the bare
 * client to a fresh simulator, which shows what the product's reading,
 * planning and bookkeeping cost and what its bounded concurrency gains.
 *
 * The simulator answers in microseconds, a real ISE in tens of milliseconds;
 * each ERS call is delayed by BENCH_ISE_LATENCY_MS (default 5) on both sides,
 * so the concurrency gain is measured against a latency a network has.
 *
 * Env: BENCH_ISE_TAGS (500), BENCH_ISE_CELLS (5000), BENCH_ISE_LATENCY_MS (5),
 * BENCH_ISE_CONCURRENCY (the client's default, 50), BENCH_ISE_NATS_URL (unset:
 * the embedded engine holds the product's stores).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Contract } from '../domain/contracts.ts';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { createIseClient, type IseErsClient } from '../integrations/ise/mod.ts';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  startIseSimulator,
} from '../integrations/ise/simulator/mod.ts';
import { createIseSync, type IseOperation } from '../integrations/ise/sync/mod.ts';
import { dropSchema, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace } from '../streams/mod.ts';

const TAGS = Number(process.env.BENCH_ISE_TAGS ?? 500);
const CELLS = Number(process.env.BENCH_ISE_CELLS ?? 5_000);
const CONCURRENCY = process.env.BENCH_ISE_CONCURRENCY ? Number(process.env.BENCH_ISE_CONCURRENCY) : undefined;
const LATENCY_MS = Number(process.env.BENCH_ISE_LATENCY_MS ?? 5);
const TENANT = 'bench';
const PER_SOURCE = Math.ceil(CELLS / TAGS);
const tagValue = (i: number): number => 1000 + i;
const tagName = (i: number): string => `SGT_${i + 1}`;

function client(sim: IseSimulator): IseErsClient {
  return createIseClient({
    url: sim.url,
    username: DEFAULT_SIMULATOR_USER.username,
    password: DEFAULT_SIMULATOR_USER.password,
    caPem: sim.caPem,
    ...(CONCURRENCY === undefined ? {} : { maxConcurrent: CONCURRENCY }),
  });
}

/** One cell: web and DNS permitted, telnet denied, with made-up evidence. */
function cell(src: number, dst: number): Contract {
  const ace = (action: 'permit' | 'deny', protocol: 'tcp' | 'udp', dstPort: number) => {
    const flowId = `${tagValue(src)}-${tagValue(dst)}-${protocol}-any-${dstPort}`;
    return {
      action,
      protocol,
      dstPort,
      hits: 100,
      events: 10,
      flowIds: [flowId],
      conflict: false,
      decision: {
        flowId,
        category: action === 'permit' ? ('business_relevant' as const) : ('harmful' as const),
        source: 'heuristic' as const,
        risk: 'low' as const,
        rationale: 'bench',
      },
    };
  };
  return {
    name: `${tagName(src)}_to_${tagName(dst)}`,
    sgt: tagValue(src),
    dgt: tagValue(dst),
    sourceName: tagName(src),
    destinationName: tagName(dst),
    aces: [ace('permit', 'tcp', 443), ace('permit', 'udp', 53), ace('deny', 'tcp', 23)],
    hits: 300,
    events: 30,
    classification: {
      business_relevant: { flows: 2, hits: 200 },
      default: { flows: 0, hits: 0 },
      business_irrelevant: { flows: 0, hits: 0 },
      harmful: { flows: 1, hits: 100 },
      unclassified: { flows: 0, hits: 0 },
    },
  } as Contract;
}

const cells: Contract[] = [];
for (let s = 0; s < TAGS && cells.length < CELLS; s++)
  for (let k = 1; k <= PER_SOURCE && cells.length < CELLS; k++) cells.push(cell(s, (s + k) % TAGS));

const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-bench-ise-'));
const natsUrl = process.env.BENCH_ISE_NATS_URL;
const engine = natsUrl
  ? await openNatsEngine({ servers: natsUrl, name: 'ise-bench' })
  : await openEmbeddedEngine({ dataDir });
const ns = isolatedNamespace(`ib${Date.now().toString(36)}`);
await ensureSchema(engine, ns);
const stores = await openStores(engine, ns);
const at = new Date().toISOString();
for (let i = 0; i < TAGS; i++)
  await stores.sgt.put(keys.sgt(TENANT, tagValue(i)), {
    name: tagName(i),
    updatedBy: 'bench',
    updatedAt: at,
  });
await stores.matrix.create(keys.matrixVersion(TENANT, 1), {
  version: 1,
  parent: null,
  author: 'bench',
  channel: 'system',
  reason: 'bench',
  atMs: Date.now(),
  proposals: [],
  matrix: { cells, defaultRule: 'permit ip' },
});
await stores.pointer.create(keys.matrixCurrent(TENANT), {
  version: 1,
  latest: 1,
  by: 'bench',
  channel: 'system',
  at,
  reason: 'bench',
});

// The product: plan, push monitor, push the same version again.
const sim = await startIseSimulator({ tags: TAGS });
sim.faults.delayMs = LATENCY_MS;
const ise = client(sim);
const sync = createIseSync({
  engine,
  ns,
  stores,
  client: ise,
  settings: { monitorSoakMs: 0, denyDefaultMinReadiness: 0 },
});
let t = performance.now();
const plan = await sync.plan(TENANT, 'monitor');
const planMs = performance.now() - t;
const readsBefore = ise.calls().reads;
t = performance.now();
const report = await sync.push(TENANT, { stage: 'monitor', by: 'bench', channel: 'system' });
const pushMs = performance.now() - t;
const pushWrites = ise.calls().writes;
const pushReads = ise.calls().reads - readsBefore;
const peak = sim.traffic.peakConcurrent;
if (report.failed.length > 0) throw new Error(`push failed: ${report.failed[0]?.error}`);
const before = ise.calls().writes;
t = performance.now();
const again = await sync.push(TENANT, { stage: 'monitor', by: 'bench', channel: 'system' });
const againMs = performance.now() - t;
const againWrites = ise.calls().writes - before;
await sim.close();

// The baseline: the same writes, one after another, with the bare client.
const fresh = await startIseSimulator({ tags: TAGS });
fresh.faults.delayMs = LATENCY_MS;
const raw = client(fresh);
const sgtIds = new Map((await raw.listSgts()).map((s) => [s.value, s.id]));
const sgaclIds = new Map<string, string>();
const ops: IseOperation[] = report.applied.map((r) => r.operation);
const rawStart = performance.now();
for (const op of ops) {
  if (op.kind === 'create-sgacl' && op.sgaclName && op.content) {
    sgaclIds.set(op.sgaclName, await raw.createSgacl({ name: op.sgaclName, aclcontent: op.content }));
  } else if (op.kind === 'create-cell' && op.cell) {
    await raw.createCell({
      sourceSgtId: sgtIds.get(op.cell.sgt) ?? '',
      destinationSgtId: sgtIds.get(op.cell.dgt) ?? '',
      matrixCellStatus: 'MONITOR',
      defaultRule: 'NONE',
      sgacls: (op.sgacls ?? []).map((name) => sgaclIds.get(name) ?? ''),
    });
  } else {
    throw new Error(`the baseline does not replay ${op.kind}`);
  }
}
const rawMs = performance.now() - rawStart;
const rawWrites = raw.calls().writes;
await fresh.close();
if (natsUrl) await dropSchema(engine, ns);
await engine.close();
rmSync(dataDir, { recursive: true, force: true });

const n = (x: number): string => Math.round(x).toLocaleString('en-US');
const s = (ms: number): string => `${(ms / 1000).toFixed(2)} s`;
const row = (name: string, writes: number, ms: number, extra = '') =>
  `  ${name.padEnd(40)} ${n(writes).padStart(7)} writes  ${s(ms).padStart(9)}  ${n((writes * 1000) / ms).padStart(6)} writes/s${extra}`;
console.log(
  `ISE push of a ${n(TAGS)}-tag, ${n(cells.length)}-cell matrix to the loopback ERS simulator, ${LATENCY_MS} ms per call, ` +
    `stores on ${natsUrl ? 'NATS' : 'the embedded engine'} (${n(plan.operations.length)} operations planned in ${s(planMs)})`,
);
console.log(row('raw sequential ERS writes (baseline)', rawWrites, rawMs));
console.log(
  row('sync push, stage monitor', pushWrites, pushMs, `  (${n(pushReads)} reads, peak ${peak} in flight)`),
);
console.log(
  `  ${'unchanged re-push'.padEnd(40)} ${n(againWrites).padStart(7)} writes  ${s(againMs).padStart(9)}`,
);
console.log(
  `  push vs baseline: ${(rawMs / pushMs).toFixed(1)}× faster for the same ${n(ops.length)} writes`,
);
const pass = againWrites === 0 && again.applied.length === 0 && peak <= 100;
console.log(
  `  target: 0 writes on an unchanged re-push, at most 100 ERS calls in flight: ${pass ? 'PASS' : 'FAIL'}`,
);
process.exit(pass ? 0 : 1);
