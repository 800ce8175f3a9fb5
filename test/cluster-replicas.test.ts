/**
 * Product replicas on a three-server JetStream cluster (R3, started by the
 * test). The same lines go once through one engine process and once through
 * three, one of which is killed with -9 mid-ingest. The two survivors finish:
 * the inventory equals an offline analysis, the proposals equal the single
 * process's pair by pair (same ACEs, same flows), no pair has two, nothing is
 * dead-lettered, and approvals answered by the survivors make exactly one
 * matrix version each.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ingestLines } from '../actors/tail/ingest.ts';
import { corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { Analysis } from '../domain/analysis.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import type { Engine } from '../engine/types.ts';
import { bucketConfigs, ensureSchema, keys, openStores, type Stores } from '../kv-schema/mod.ts';
import {
  isolatedNamespace,
  type Namespace,
  StreamName,
  streamConfigs,
  streamName,
  subjectsFor,
} from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { type Child, cleanEnv, killChildren, spawnChild } from './support/child.ts';
import { killServers, startCluster } from './support/cluster.ts';
import { testPrefix } from './support/nats.ts';
import { proposals } from './support/pipeline.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const LINES = 30_000;
const BATCH = 1_000;
const APPROVALS = 12;

afterAll(() => {
  killChildren();
  killServers();
});

type Inventory = Map<string, string>;

async function inventory(stores: Stores): Promise<Inventory> {
  const out: Inventory = new Map();
  for (const key of await stores.inventory.keys(keys.tenantAll('acme'))) {
    const r = (await stores.inventory.get(key))?.value;
    if (r) out.set(r.flowId, `${r.hits}/${r.events}`);
  }
  return out;
}

/** Each pair's proposals: status and ACEs (action, protocol, port, the flows behind each). */
async function proposalShape(stores: Stores): Promise<Map<string, string[]>> {
  const out = new Map<string, string[]>();
  for (const p of await proposals(stores, 'acme')) {
    const aces = p.aces.map((a) => `${a.action} ${JSON.stringify(a)}`.replace(/"(hits|events)":\d+,?/g, ''));
    const list = out.get(`${p.sgt}>${p.dgt}`) ?? [];
    list.push(`${p.status} ${aces.sort().join(' | ')}`);
    out.set(`${p.sgt}>${p.dgt}`, list.sort());
  }
  return out;
}

/** The keys on which two maps differ, each shown from where the two values part: at most ten. */
function differences<V>(a: Map<string, V>, b: Map<string, V>): string[] {
  const out: string[] = [];
  for (const key of new Set([...a.keys(), ...b.keys()])) {
    const [x, y] = [JSON.stringify(a.get(key)) ?? 'none', JSON.stringify(b.get(key)) ?? 'none'];
    if (x === y) continue;
    let at = 0;
    while (x[at] === y[at]) at++;
    const from = Math.max(0, at - 40);
    out.push(`${key} @${at}: ${x.slice(from, at + 160)} vs ${y.slice(from, at + 160)}`);
  }
  return out.slice(0, 10);
}

/** Every consumer of the namespace has delivered and had acknowledged everything. */
async function drained(engine: Engine, ns: Namespace): Promise<boolean> {
  const health = await engine.log.health?.({ streams: streamConfigs(ns).map((s) => s.name), buckets: [] });
  return (health?.consumers ?? []).every((c) => c.pending === 0 && c.ackPending === 0);
}

async function run(
  urls: string,
  engine: Engine,
  lines: string[],
  nowMs: number,
  replicas: number,
  killOne: boolean,
): Promise<{ ns: Namespace; stores: Stores; survivors: Child[] }> {
  const ns = isolatedNamespace(testPrefix(`r${replicas}`));
  await ensureSchema(engine, ns, { replicas: 3 });
  const stores = await openStores(engine, ns);
  const env = cleanEnv({
    SCOPILOT_NATS_URL: urls,
    SCOPILOT_NATS__REPLICAS: '3',
    SCOPILOT_NAMESPACE: ns.root,
    SCOPILOT_HTTP__PORT: '0',
    SCOPILOT_LOG_LEVEL: 'info',
  });
  const children = await Promise.all(
    Array.from({ length: replicas }, () =>
      spawnChild(MAIN, env, /"msg":"listening"/, ['serve', '--role', 'engine']),
    ),
  );
  await waitFor(
    'consumers ready',
    () => children.every((c) => c.lines.some((l) => l.includes('schema ensured'))),
    60_000,
  );
  const subjects = subjectsFor(ns);
  const batches = Math.ceil(lines.length / BATCH);
  for (let b = 0; b < batches; b++) {
    if (killOne && b === Math.floor(batches / 3)) {
      const victim = children.pop() as Child;
      victim.process.kill(9);
      await victim.process.exited;
    }
    await ingestLines({
      log: engine.log,
      subjects,
      tenant: 'acme',
      lines: lines.slice(b * BATCH, (b + 1) * BATCH),
      origin: `batch-${b}`,
      source: 'test',
      nowMs,
    });
  }
  // Settled: every consumer drained, and the proposals unchanged for a while.
  let last = '';
  let still = 0;
  for (let i = 0; i < 300 && still < 5; i++) {
    const now = JSON.stringify([...(await proposalShape(stores))]);
    still = now === last && (await drained(engine, ns)) ? still + 1 : 0;
    last = now;
    await Bun.sleep(1_000);
  }
  return { ns, stores, survivors: children };
}

test('three replicas, one killed mid-ingest, end where one replica ends; approvals make one version each', async () => {
  const cluster = await startCluster({ size: 3 });
  const engine = await openNatsEngine({ servers: cluster.urls.split(','), name: 'replicas-test' });
  try {
    const lines = [...corpusLines(LINES, emptyTruth(), 31)];
    const nowMs = Date.now();
    const offline = new Analysis({ referenceMs: nowMs });
    offline.addLines(lines);
    const expected: Inventory = new Map(offline.result().flows.map((f) => [f.id, `${f.hits}/${f.events}`]));

    const one = await run(cluster.urls, engine, lines, nowMs, 1, false);
    for (const c of one.survivors) c.process.kill('SIGTERM');
    await Promise.all(one.survivors.map((c) => c.process.exited));
    const three = await run(cluster.urls, engine, lines, nowMs, 3, true);
    expect(three.survivors).toHaveLength(2);

    const single = await proposalShape(one.stores);
    const scaled = await proposalShape(three.stores);
    const dead = await Array.fromAsync(
      engine.log.replay(streamName(StreamName.Dead, three.ns), {
        filterSubject: subjectsFor(three.ns).deadAll('acme'),
      }),
    );
    // Everything compared at once, so a failure shows every way the runs differ.
    expect({
      inventoryOne: differences(await inventory(one.stores), expected),
      inventoryThree: differences(await inventory(three.stores), expected),
      proposals: differences(scaled, single),
      twice: [...scaled].filter(([, list]) => list.length > 1).slice(0, 5),
      dead: dead.slice(0, 5).map((m) => new TextDecoder().decode(m.data).slice(0, 400)),
    }).toEqual({ inventoryOne: [], inventoryThree: [], proposals: [], twice: [], dead: [] });
    expect(single.size).toBeGreaterThan(APPROVALS);
    console.log(
      `replicas: ${LINES} lines, ${expected.size} flows, ${single.size} pairs proposed, alike on 1 and 3`,
    );
    // R3 throughout.
    for (const b of bucketConfigs(three.ns)) expect((await engine.kv.bucketConfig(b.name))?.replicas).toBe(3);

    // Approvals answered by the survivors: one version each, numbered 1..n.
    const open = (await proposals(three.stores, 'acme')).filter(
      (p) => p.status === 'pending' || p.status === 'notified',
    );
    const versions: number[] = [];
    for (const p of open.slice(0, APPROVALS)) {
      const body = { proposalId: p.id, decision: 'approve', by: 'ann', channel: 'api' };
      const reply = await engine.rpc.request(
        subjectsFor(three.ns).command('acme', 'decide'),
        new TextEncoder().encode(JSON.stringify(body)),
        15_000,
      );
      const answer = JSON.parse(new TextDecoder().decode(reply)) as { ok: boolean; version?: number };
      expect(answer).toMatchObject({ ok: true });
      versions.push(answer.version ?? -1);
    }
    expect(versions).toEqual(Array.from({ length: APPROVALS }, (_, i) => i + 1));
    const pointer = (await three.stores.pointer.get(keys.matrixCurrent('acme')))?.value;
    expect(pointer).toMatchObject({ version: APPROVALS, latest: APPROVALS });
  } finally {
    killChildren();
    await engine.close().catch(() => undefined);
    await cluster.stop();
  }
}, 600_000);
