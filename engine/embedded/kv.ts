/**
 * Key-value store (KvStore): bucket configs and the statements shared by bucket handles.
 * JetStream KV semantics: a per-bucket revision sequence shared by all keys, `history` revisions kept per key, delete markers, max age, CAS writes and
 * watches. Rows live in one `kv` table; every operation is a short synchronous transaction.
 */
import { KvBucketNotFoundError } from '../errors.ts';
import type { BucketConfig, KvBucket, KvStore } from '../types.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { type BucketRecord, EmbeddedBucket, type KvRow } from './kv-bucket.ts';
import { type KvQueries, kvQueries, type NormalizedBucketConfig } from './kv-queries.ts';
import { checkBucketName } from './names.ts';
import { InvalidConfigError } from './stream-errors.ts';

function normalize(c: BucketConfig): NormalizedBucketConfig {
  checkBucketName(c.name);
  const history = c.history ?? 1;
  if (!Number.isInteger(history) || history < 1 || history > 64) {
    throw new InvalidConfigError(
      `kv bucket ${c.name}: history must be an integer from 1 to 64, got ${history}`,
    );
  }
  const n: NormalizedBucketConfig = { name: c.name, history, maxAgeMs: Math.max(0, c.maxAgeMs ?? 0) };
  if (c.description) n.description = c.description;
  return n;
}

export class EmbeddedKv implements KvStore {
  readonly #ctx: EmbeddedContext;
  readonly #buckets = new Map<string, BucketRecord>();
  readonly #handles = new Map<string, EmbeddedBucket>();
  readonly q: KvQueries;

  constructor(ctx: EmbeddedContext) {
    this.#ctx = ctx;
    const { db } = ctx;
    this.q = kvQueries(db);
    const rows = db
      .query<{ id: number; config: string; last_rev: number }, []>('SELECT id, config, last_rev FROM buckets')
      .all();
    for (const r of rows) {
      const config = JSON.parse(r.config) as NormalizedBucketConfig;
      this.#buckets.set(config.name, {
        id: r.id,
        name: config.name,
        config,
        lastRev: r.last_rev,
        watchers: new Set(),
      });
    }
  }

  async ensureBucket(config: BucketConfig): Promise<KvBucket> {
    assertOpen(this.#ctx);
    const wanted = normalize(config);
    const { db } = this.#ctx;
    const rec = this.#buckets.get(wanted.name);
    if (rec) {
      db.transaction(() => {
        db.query('UPDATE buckets SET config = ? WHERE id = ?').run(JSON.stringify(wanted), rec.id);
        this.q.trimAll.run(rec.id, wanted.history);
      })();
      rec.config = wanted;
    } else {
      const row = db
        .query<{ id: number }, [string, string]>(
          'INSERT INTO buckets (name, config) VALUES (?, ?) RETURNING id',
        )
        .get(wanted.name, JSON.stringify(wanted));
      if (row)
        this.#buckets.set(wanted.name, {
          id: row.id,
          name: wanted.name,
          config: wanted,
          lastRev: 0,
          watchers: new Set(),
        });
    }
    return this.#handle(wanted.name);
  }

  async bucket(name: string): Promise<KvBucket> {
    this.record(name);
    return this.#handle(name);
  }

  async bucketConfig(name: string): Promise<BucketConfig | null> {
    assertOpen(this.#ctx);
    const rec = this.#buckets.get(name);
    return rec ? { ...rec.config } : null;
  }

  async deleteBucket(name: string): Promise<boolean> {
    assertOpen(this.#ctx);
    const rec = this.#buckets.get(name);
    if (!rec) return false;
    this.#buckets.delete(name);
    for (const w of [...rec.watchers]) w.queue.close();
    const { db } = this.#ctx;
    db.transaction(() => {
      db.query('DELETE FROM kv WHERE bucket_id = ?').run(rec.id);
      db.query('DELETE FROM buckets WHERE id = ?').run(rec.id);
    })();
    return true;
  }

  /** The live record; handles look it up on every call so they survive delete + re-create. */
  record(name: string): BucketRecord {
    assertOpen(this.#ctx);
    const rec = this.#buckets.get(name);
    if (!rec) throw new KvBucketNotFoundError(name);
    return rec;
  }

  #handle(name: string): EmbeddedBucket {
    let h = this.#handles.get(name);
    if (!h) {
      h = new EmbeddedBucket(this, this.#ctx, name);
      this.#handles.set(name, h);
    }
    return h;
  }

  isLive(rec: BucketRecord, row: KvRow, now: number): boolean {
    return rec.config.maxAgeMs <= 0 || row.ts >= now - rec.config.maxAgeMs;
  }

  /** Housekeeping: physically drop entries past max age. */
  expireAll(now: number): void {
    for (const rec of this.#buckets.values()) {
      if (rec.config.maxAgeMs > 0) this.q.expire.run(rec.id, now - rec.config.maxAgeMs);
    }
  }

  closeAll(): void {
    for (const rec of this.#buckets.values()) for (const w of [...rec.watchers]) w.queue.close();
  }
}
