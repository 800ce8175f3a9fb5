/**
 * The scale bench's inventory part: seed many tenants' inventories straight
 * into the KV bucket (pipelined raw puts, not through ingest), then time the
 * scheduler over them: its first tick (every tenant read in full), a tick
 * after one flow was written, and the re-evaluation of one tenant's coverage
 * after its live matrix moved, once with the reports published one awaited
 * publish at a time (the scheduler before publishBatch: the baseline) and once
 * as it publishes them now.
 */
import { Scheduler } from '../../actors/scheduler/scheduler.ts';
import { silentLogger } from '../../engine/log.ts';
import type { Engine, EventLog } from '../../engine/types.ts';
import { keys, openStores, type Stores } from '../../kv-schema/mod.ts';
import type { InventoryRecord } from '../../kv-schema/records.ts';
import type { Namespace } from '../../streams/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';

const PUT_WINDOW = 1_000;
const encoder = new TextEncoder();

/** Flow `i` of a tenant with `tags` tags: spread over every (sgt, dgt) pair, then over ports. */
export function benchFlow(i: number, tags: number, nowMs: number): InventoryRecord {
  const pairs = tags * tags;
  const pair = (i * 7_919) % pairs; // a prime stride: neighbouring flows land in different pairs
  const sgt = 2 + Math.floor(pair / tags);
  const dgt = 2 + (pair % tags);
  const dstPort = 1_000 + Math.floor(i / pairs);
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
    // Reported at generation 0 already, so a first tick measures reading and coverage, not publishing.
    unknownAt: 0,
    rev: 1,
  };
}

export const benchTenant = (t: number) => `tenant-${t}`;

/** Puts every tenant's flows, PUT_WINDOW in flight; returns puts per second. */
export async function seedInventory(
  stores: Stores,
  tenants: number,
  flows: number,
  tags: number,
  progress: (done: number) => void = () => undefined,
): Promise<{ ms: number; bytes: number }> {
  const nowMs = Date.now();
  const raw = stores.inventory.raw;
  const total = tenants * flows;
  let next = 0;
  let bytes = 0;
  const started = performance.now();
  const lane = async () => {
    while (next < total) {
      const n = next++;
      const f = benchFlow(n % flows, tags, nowMs);
      const value = encoder.encode(JSON.stringify(f));
      bytes += value.length;
      await raw.put(keys.inventory(benchTenant(Math.floor(n / flows)), f.flowId), value);
      if (n % 100_000 === 0 && n > 0) progress(n);
    }
  };
  await Promise.all(Array.from({ length: PUT_WINDOW }, lane));
  return { ms: performance.now() - started, bytes };
}

/** The event log with a switch that makes every publish wait for the one before (the old scheduler). */
function switchableLog(log: EventLog): { log: EventLog; serial: { on: boolean } } {
  const serial = { on: false };
  let last: Promise<unknown> = Promise.resolve();
  const publish: EventLog['publish'] = (subject, data, options) => {
    if (!serial.on) return log.publish(subject, data, options);
    const run = last.then(
      () => log.publish(subject, data, options),
      () => log.publish(subject, data, options),
    );
    last = run;
    return run;
  };
  const wrapped = new Proxy(log, {
    get: (target, prop) => {
      if (prop === 'publish') return publish;
      const value = Reflect.get(target, prop, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
  return { log: wrapped, serial };
}

export interface Timed {
  ms: number;
  rescanned: number;
  reported: number;
}

export async function schedulerOver(engine: Engine, ns: Namespace, flows: number) {
  const stores = await openStores(engine, ns);
  const { log, serial } = switchableLog(engine.log);
  const scheduler = new Scheduler({ stores, log, subjects: subjectsFor(ns), logger: silentLogger() });
  const timed = async (): Promise<Timed> => {
    const t = performance.now();
    const r = await scheduler.tick();
    return { ms: performance.now() - t, rescanned: r.rescanned, reported: r.reported };
  };
  const rssBefore = process.memoryUsage().rss;
  const first = await timed();
  const rssAfter = process.memoryUsage().rss;
  const extra = benchFlow(flows, 500, Date.now());
  await stores.inventory.put(keys.inventory(benchTenant(0), extra.flowId), extra);
  let touched = await timed();
  for (let i = 0; i < 100 && touched.rescanned === 0; i++) {
    await Bun.sleep(20);
    touched = await timed();
  }
  const move = async (generation: number, serialPublish: boolean): Promise<Timed> => {
    const pointer = await stores.pointer.get(keys.matrixCurrent(benchTenant(0)));
    const value = {
      version: 0,
      latest: 0,
      generation,
      by: 'bench',
      channel: 'system',
      at: new Date().toISOString(),
      reason: 'bench: a matrix change',
    };
    if (pointer === null) await stores.pointer.create(keys.matrixCurrent(benchTenant(0)), value);
    else await stores.pointer.update(keys.matrixCurrent(benchTenant(0)), value, pointer.revision);
    serial.on = serialPublish;
    try {
      return await timed();
    } finally {
      serial.on = false;
    }
  };
  const serialMove = await move(1, true);
  const batchedMove = await move(2, false);
  scheduler.stop();
  return { first, touched, serialMove, batchedMove, rssGrowthMb: (rssAfter - rssBefore) / 2 ** 20 };
}
