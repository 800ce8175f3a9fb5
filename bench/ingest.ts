/**
 * Live ingest through JetStream into the inventory (DESIGN §12: ≥ 200,000
 * lines/s on 2 cores): a file of SGACLHIT lines read by the tail, micro-
 * aggregated, published as `flows.observed`, and folded into the inventory by
 * the aggregator actors. Baseline beside it, measured in the same run: raw
 * JetStream publishing of one message per line with the @nats-io client.
 *
 * Needs NATS (SCOPILOT_BENCH_NATS_URL, default nats://127.0.0.1:4222).
 * SCOPILOT_BENCH_INGEST_LINES sets the file size (default 2,000,000 lines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { jetstream, jetstreamManager } from '@nats-io/jetstream';
import { connect } from '@nats-io/transport-node';
import { aggregatorActor } from '../actors/aggregator/actor.ts';
import { FileTail } from '../actors/tail/tail.ts';
import { ActorSystem } from '../engine/actor/system.ts';
import { silentLogger } from '../engine/log.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { Bucket, bucketName, dropSchema, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { corpusLines, emptyTruth } from './support/corpus.ts';

const url = process.env.SCOPILOT_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';
const LINES = Number(process.env.SCOPILOT_BENCH_INGEST_LINES ?? 2_000_000);
const RAW_MESSAGES = 100_000;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

const probe = await connect({ servers: url, timeout: 2_000, reconnect: false }).catch(() => null);
if (probe === null) {
  console.log(`ingest bench skipped: no NATS server at ${url}`);
  process.exit(0);
}

/** Baseline: one JetStream publish per line, 1,000 in flight. */
async function rawPublishRate(): Promise<number> {
  const nc = probe!;
  const jsm = await jetstreamManager(nc);
  const js = jetstream(nc);
  const name = `RAWBENCH${Date.now()}`;
  await jsm.streams.add({ name, subjects: [`${name}.>`] });
  const payload = new Uint8Array(250).fill(97);
  const t = performance.now();
  const window: Promise<unknown>[] = [];
  for (let i = 0; i < RAW_MESSAGES; i++) {
    window.push(js.publish(`${name}.x`, payload));
    if (window.length >= 1_000) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  const rate = RAW_MESSAGES / ((performance.now() - t) / 1000);
  await jsm.streams.delete(name);
  return rate;
}

const raw = await rawPublishRate();

const dir = mkdtempSync(join(tmpdir(), 'scopilot-ingest-'));
const file = join(dir, 'switches.log');
const truth = emptyTruth();
const writer = Bun.file(file).writer();
for (const line of corpusLines(LINES, truth, 7)) writer.write(`${line}\n`);
await writer.end();
const totalHits = [...truth.hitsByPair.values()].reduce((a, b) => a + b, 0);

const ns = isolatedNamespace(`ib${Date.now().toString(36)}`);
const engine = await openNatsEngine({ servers: url, name: 'ingest-bench' });
await ensureSchema(engine, ns);
const stores = await openStores(engine, ns);
const subjects = subjectsFor(ns);
const system = new ActorSystem({
  engine,
  logger: silentLogger(),
  stateBucket: bucketName(Bucket.State, ns),
  stateKey: keys.actorState,
  deadSubject: subjects.dead,
  tenantOf: subjects.tenantOf,
});
await system.start([aggregatorActor(ns, stores)]);

async function inventoryHits(): Promise<number> {
  let sum = 0;
  for (const key of await stores.inventory.keys(keys.tenantAll('bench')))
    sum += (await stores.inventory.get(key))?.value.hits ?? 0;
  return sum;
}

const t = performance.now();
const tail = new FileTail({
  path: file,
  tenant: 'bench',
  log: engine.log,
  stores,
  subjects,
  logger: silentLogger(),
  from: 'start',
});
await tail.start();
while ((await inventoryHits()) < totalHits) await Bun.sleep(250);
const seconds = (performance.now() - t) / 1000;
const lineRate = LINES / seconds;
await tail.stop();
await system.drain();

console.log(`live ingest: ${fmt(LINES)} lines, file → tail → JetStream → aggregator → inventory`);
console.log(`  raw JetStream publish, one message per line   ${fmt(raw).padStart(10)} msgs/s`);
console.log(
  `  scopilot ingest                               ${fmt(lineRate).padStart(10)} lines/s   (${tail.stats.deltas.toLocaleString('en-US')} deltas published, ${(lineRate / raw).toFixed(1)}× raw)`,
);
const ok = lineRate >= 200_000;
console.log(`  target ≥ 200,000 lines/s into the inventory: ${ok ? 'PASS' : 'FAIL'}`);
const exact = (await inventoryHits()) === totalHits;
console.log(`  inventory hits equal the corpus: ${exact ? 'yes' : 'NO'}`);

await dropSchema(engine, ns);
await engine.close();
await probe.close();
rmSync(dir, { recursive: true, force: true });
process.exit(ok && exact ? 0 : 1);
