/**
 * `bun bench/kv.ts`: KV reads and writes on a bucket of many keys, the way
 * the ISE sync state, the inventory and proposals are used: N keys written,
 * then each read once and a fifth of them rewritten.
 *   (a) baseline: bun:sqlite with a plain keyed table, the floor any store on it pays;
 *   (b) the embedded adapter (revisions, history trim, CAS);
 *   (c) the NATS adapter on SCOPILOT_TEST_NATS_URL, when one answers.
 * A get must not cost more as the bucket grows: the figure per key stays flat.
 * Env: BENCH_KEYS (default 10000).
 */
import { Database } from 'bun:sqlite';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import type { Engine } from '../engine/types.ts';

const N = Number(process.env.BENCH_KEYS ?? 10_000);
const URL_ = process.env.SCOPILOT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const value = new TextEncoder().encode(
  JSON.stringify({ hits: 12345, days: [1, 2, 3], name: 'x'.repeat(80) }),
);

interface Result {
  name: string;
  putsPerS: number;
  getsPerS: number;
}

const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);

function baseline(dir: string): Result {
  const db = new Database(path.join(dir, 'plain.db'), { create: true });
  db.run('PRAGMA journal_mode = WAL');
  db.run('CREATE TABLE kv (key TEXT PRIMARY KEY, value BLOB) WITHOUT ROWID');
  const put = db.query('INSERT OR REPLACE INTO kv (key, value) VALUES (?, ?)');
  const get = db.query('SELECT value FROM kv WHERE key = ?');
  let t = performance.now();
  for (let i = 0; i < N; i++) put.run(`acme.${i}`, value);
  const putMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < N; i++) get.get(`acme.${i}`);
  const getMs = performance.now() - t;
  db.close();
  return { name: 'bun:sqlite keyed table', putsPerS: rate(N, putMs), getsPerS: rate(N, getMs) };
}

async function adapter(name: string, engine: Engine, bucketName: string): Promise<Result> {
  const bucket = await engine.kv.ensureBucket({ name: bucketName, history: 1 });
  let t = performance.now();
  for (let i = 0; i < N; i++) await bucket.put(`acme.${i}`, value);
  const putMs = performance.now() - t;
  t = performance.now();
  for (let i = 0; i < N; i++) await bucket.get(`acme.${i}`);
  const getMs = performance.now() - t;
  for (let i = 0; i < N / 5; i++) await bucket.put(`acme.${i}`, value);
  await engine.kv.deleteBucket(bucketName);
  return { name, putsPerS: rate(N, putMs), getsPerS: rate(N, getMs) };
}

const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-bench-kv-'));
const results: Result[] = [baseline(dir)];
const embedded = await openEmbeddedEngine({ dataDir: dir });
results.push(await adapter('embedded adapter', embedded, 'bench_kv'));
await embedded.close();
try {
  const nats = await openNatsEngine({ servers: URL_, name: 'bench-kv' });
  results.push(await adapter('nats adapter', nats, `bench_kv_${Date.now().toString(36)}`));
  await nats.close();
} catch (error) {
  console.log(`nats adapter skipped: ${(error as Error).message}`);
}
fs.rmSync(dir, { recursive: true, force: true });

console.log(`\n${N.toLocaleString('en')} keys, one bucket\n`);
console.log(`${'store'.padEnd(26)}${'puts/s'.padStart(10)}${'gets/s'.padStart(10)}  gets vs baseline`);
const base = results[0]!;
for (const r of results)
  console.log(
    `${r.name.padEnd(26)}${r.putsPerS.toLocaleString('en').padStart(10)}${r.getsPerS.toLocaleString('en').padStart(10)}  ${(r.getsPerS / base.getsPerS).toFixed(2)}×`,
  );
