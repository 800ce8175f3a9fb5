/**
 * `GET /api/v1/matrix` for a 200-cell matrix under 500 requests/s from a
 * second process (DESIGN §12 edge budget: p99 < 20 ms). The edge runs as its
 * own `scopilot serve --role edge` process on NATS; the baseline beside it is
 * `/healthz` on the same server under the same load (the floor of the stack).
 *
 * Needs NATS (SCOPILOT_BENCH_NATS_URL, default nats://127.0.0.1:4222).
 */
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import type { Contract } from '../domain/contracts.ts';
import { DefaultRule } from '../domain/matrix.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { dropSchema, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace } from '../streams/mod.ts';
import { serveChild } from './support/serve.ts';

const url = process.env.SCOPILOT_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const RATE = 500;
const SECONDS = 10;
const TOKEN = 'bench-api-viewer-token-0123456789';

const probe = await connect({ servers: url, timeout: 2_000, reconnect: false }).catch(() => null);
if (probe === null) {
  console.log(`api bench skipped: no NATS server at ${url}`);
  process.exit(0);
}
await probe.close();

const ns = isolatedNamespace(`ab${Date.now().toString(36)}`);
const engine = await openNatsEngine({ servers: url, name: 'api-bench' });
await ensureSchema(engine, ns);
const stores = await openStores(engine, ns);

// A 200-cell matrix: 20 source tags × 10 destination tags, five ACEs each.
const cell = (sgt: number, dgt: number): Contract => ({
  name: `SGT${sgt}_to_SGT${dgt}`,
  sgt,
  dgt,
  sourceName: `SGT${sgt}`,
  destinationName: `SGT${dgt}`,
  aces: [443, 80, 22, 53, 123].map((port, i) => ({
    action: i === 2 ? 'deny' : 'permit',
    protocol: port === 53 || port === 123 ? 'udp' : 'tcp',
    dstPort: port,
    hits: 1000 - i,
    events: 10,
    flowIds: [`${sgt}-${dgt}-tcp-any-${port}`],
    conflict: false,
    decision: {
      flowId: `${sgt}-${dgt}-tcp-any-${port}`,
      category: 'business_relevant',
      source: 'heuristic',
      risk: 'low',
      rationale: 'bench',
    },
  })),
  hits: 5000,
  events: 50,
  classification: {
    business_relevant: { flows: 5, hits: 5000 },
    default: { flows: 0, hits: 0 },
    business_irrelevant: { flows: 0, hits: 0 },
    harmful: { flows: 0, hits: 0 },
    unclassified: { flows: 0, hits: 0 },
  },
});
const cells: Contract[] = [];
for (let s = 0; s < 20; s++) for (let d = 0; d < 10; d++) cells.push(cell(100 + s, 200 + d));
await stores.matrix.create(keys.matrixVersion('bench', 1), {
  version: 1,
  parent: null,
  author: 'bench',
  channel: 'system',
  reason: 'bench',
  atMs: Date.now(),
  proposals: [],
  matrix: { cells, defaultRule: DefaultRule.DenyIp },
});
await stores.pointer.create(keys.matrixCurrent('bench'), {
  version: 1,
  latest: 1,
  by: 'bench',
  channel: 'system',
  at: new Date().toISOString(),
  reason: 'bench',
});

const server = await serveChild('edge', {
  SCOPILOT_NATS_URL: url,
  SCOPILOT_NAMESPACE: ns.root,
  SCOPILOT_API__API_KEYS: JSON.stringify([{ token: TOKEN, tenant: 'bench', role: 'viewer' }]),
  // The bench is one caller at hundreds of requests a second: the per-caller limit would refuse it.
  SCOPILOT_API__REQUESTS_PER_MINUTE: '0',
});
const base = server.url;
const check = await fetch(`${base}/api/v1/matrix`, { headers: { authorization: `Bearer ${TOKEN}` } });
const body = (await check.json()) as { matrix?: { cells?: unknown[] } };
if (check.status !== 200 || body.matrix?.cells?.length !== 200)
  throw new Error(`GET /api/v1/matrix answered ${check.status}`);

async function load(
  path: string,
  token: string,
): Promise<{ sent: number; ok: number; errors: number; p50: number; p99: number }> {
  const child = Bun.spawn(
    [
      process.execPath,
      join(import.meta.dir, 'support/load.ts'),
      `${base}${path}`,
      token,
      String(RATE),
      String(SECONDS),
    ],
    {
      stdout: 'pipe',
      stderr: 'inherit',
    },
  );
  const out = await new Response(child.stdout).text();
  await child.exited;
  return JSON.parse(out);
}

const floor = await load('/healthz', '');
const matrix = await load('/api/v1/matrix', TOKEN);
await server.stop();
await dropSchema(engine, ns);
await engine.close();

const row = (name: string, r: Awaited<ReturnType<typeof load>>) =>
  `  ${name.padEnd(34)} p50 ${r.p50.toFixed(2).padStart(7)} ms   p99 ${r.p99.toFixed(2).padStart(7)} ms   ${r.ok}/${r.sent} ok`;
console.log(`edge latency at ${RATE} requests/s for ${SECONDS} s, load from a second process`);
console.log(row('GET /healthz (baseline)', floor));
console.log(row('GET /api/v1/matrix (200 cells)', matrix));
const pass = matrix.p99 < 20 && matrix.errors === 0;
console.log(`  target p99 < 20 ms with no errors: ${pass ? 'PASS' : 'FAIL'}`);
process.exit(pass ? 0 : 1);
