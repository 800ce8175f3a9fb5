/**
 * One KV bucket handle (KvBucket): reads, CAS writes, history, watches and keys. It looks
 * its bucket up by name on every call, so a handle keeps working across delete + re-create
 * and fails with KvBucketNotFoundError in between, like the NATS adapter.
 */
import { KvConflictError } from '../errors.ts';
import { subjectMatches } from '../subjects.ts';
import type { KvBucket, KvEntry, KvOperation, KvWatch, WatchOptions } from '../types.ts';
import { AsyncQueue } from './async-queue.ts';
import type { EmbeddedContext } from './db.ts';
import type { KvQueries, KvRow, NormalizedBucketConfig } from './kv-queries.ts';
import { checkKey, checkKeyPattern } from './names.ts';

export type { KvRow } from './kv-queries.ts';

/** What a handle needs from the store that made it (EmbeddedKv). */
export interface BucketHost {
  readonly q: KvQueries;
  record(name: string): BucketRecord;
  isLive(rec: BucketRecord, row: KvRow, now: number): boolean;
}

export interface BucketRecord {
  id: number;
  name: string;
  config: NormalizedBucketConfig;
  lastRev: number;
  watchers: Set<Watcher>;
}

export interface Watcher {
  pattern: string;
  queue: AsyncQueue<KvEntry>;
}

export const toEntry = (bucket: string, row: KvRow): KvEntry => ({
  bucket,
  key: row.key,
  value: row.value,
  revision: row.rev,
  createdMs: row.ts,
  operation: row.op,
});

export class EmbeddedBucket implements KvBucket {
  readonly name: string;
  readonly #kv: BucketHost;
  readonly #ctx: EmbeddedContext;

  constructor(kv: BucketHost, ctx: EmbeddedContext, name: string) {
    this.#kv = kv;
    this.#ctx = ctx;
    this.name = name;
  }

  /** The newest revision of `key` still within max age, whatever its operation. */
  #latest(rec: BucketRecord, key: string, now: number): KvRow | null {
    const row = this.#kv.q.latest.get(rec.id, key);
    return row && this.#kv.isLive(rec, row, now) ? row : null;
  }

  async get(key: string): Promise<KvEntry | null> {
    checkKey(key);
    const rec = this.#kv.record(this.name);
    const row = this.#latest(rec, key, this.#ctx.clock());
    return row && row.op === 'PUT' ? toEntry(this.name, row) : null;
  }

  async put(key: string, value: Uint8Array): Promise<number> {
    return this.#write(key, 'PUT', value, null);
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    // Allowed when absent or deleted, like NATS (create after delete succeeds).
    return this.#write(key, 'PUT', value, (latest) => latest === null || latest.op !== 'PUT');
  }

  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<number> {
    // Revision 0 means "no value yet": a create, as in the NATS adapter.
    if (expectedRevision <= 0) return this.create(key, value);
    return this.#write(key, 'PUT', value, (latest) => (latest?.rev ?? 0) === expectedRevision);
  }

  async delete(key: string): Promise<void> {
    this.#write(key, 'DEL', new Uint8Array(0), null);
  }

  #write(
    key: string,
    op: KvOperation,
    value: Uint8Array,
    accept: ((latest: KvRow | null) => boolean) | null,
  ): number {
    checkKey(key);
    const rec = this.#kv.record(this.name);
    const { q } = this.#kv;
    const now = this.#ctx.clock();
    const row: KvRow = { rev: rec.lastRev + 1, key, op, value: value.slice(), ts: now };
    this.#ctx.db.transaction(() => {
      if (accept && !accept(this.#latest(rec, key, now))) throw new KvConflictError(this.name, key);
      q.insert.run(rec.id, row.rev, key, op, row.value, now);
      q.trim.run(rec.id, key, rec.config.history);
      q.saveRev.run(row.rev, rec.id);
    })();
    rec.lastRev = row.rev;
    if (rec.watchers.size > 0) {
      const entry = toEntry(this.name, row);
      for (const w of rec.watchers) if (subjectMatches(w.pattern, key)) w.queue.push(entry);
    }
    return row.rev;
  }

  async history(key: string): Promise<KvEntry[]> {
    checkKey(key);
    const rec = this.#kv.record(this.name);
    const now = this.#ctx.clock();
    return this.#kv.q.history
      .all(rec.id, key)
      .filter((r) => this.#kv.isLive(rec, r, now))
      .map((r) => toEntry(this.name, r));
  }

  async watch(options?: WatchOptions): Promise<KvWatch> {
    const pattern = options?.key ?? '>';
    checkKeyPattern(pattern);
    const rec = this.#kv.record(this.name);
    const watcher: Watcher = { pattern, queue: new AsyncQueue(() => rec.watchers.delete(watcher)) };
    // Initial values and registration happen in one synchronous step: no write can fall between.
    if (options?.initialValues !== false) {
      const now = this.#ctx.clock();
      for (const row of this.#kv.q.lastPerKey.all(rec.id)) {
        if (this.#kv.isLive(rec, row, now) && subjectMatches(pattern, row.key)) {
          watcher.queue.push(toEntry(this.name, row));
        }
      }
    }
    rec.watchers.add(watcher);
    const { queue } = watcher;
    return {
      [Symbol.asyncIterator]: () => queue,
      stop: () => queue.close(),
    };
  }

  async keys(filter?: string): Promise<string[]> {
    const pattern = filter ?? '>';
    checkKeyPattern(pattern);
    const rec = this.#kv.record(this.name);
    const now = this.#ctx.clock();
    const out: string[] = [];
    for (const row of this.#kv.q.lastPerKey.all(rec.id)) {
      if (row.op === 'PUT' && this.#kv.isLive(rec, row, now) && subjectMatches(pattern, row.key))
        out.push(row.key);
    }
    // Sorted, so both adapters answer the same order.
    return out.sort();
  }
}
