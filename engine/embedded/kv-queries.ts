/**
 * What the embedded KV store and its bucket handles share: the normalised
 * bucket config and the prepared statements over the kv table. Below both, so
 * a handle needs nothing from the store's module.
 */
import type { Database } from 'bun:sqlite';
import type { BucketConfig, KvOperation } from '../types.ts';

/** One row of the kv table: a revision of a key. */
export interface KvRow {
  rev: number;
  key: string;
  op: KvOperation;
  value: Uint8Array;
  ts: number;
}

export interface NormalizedBucketConfig extends BucketConfig {
  history: number;
  maxAgeMs: number;
}

const COLS = 'rev, key, op, value, ts';

export function kvQueries(db: Database) {
  return {
    // INDEXED BY: without statistics sqlite prefers walking the (bucket, rev) primary key
    // backwards for ORDER BY rev, which reads the whole bucket for every get.
    latest: db.query<KvRow, [number, string]>(
      `SELECT ${COLS} FROM kv INDEXED BY kv_key WHERE bucket_id = ? AND key = ? ORDER BY rev DESC LIMIT 1`,
    ),
    history: db.query<KvRow, [number, string]>(
      `SELECT ${COLS} FROM kv INDEXED BY kv_key WHERE bucket_id = ? AND key = ? ORDER BY rev`,
    ),
    lastPerKey: db.query<KvRow, [number]>(
      `SELECT ${COLS} FROM kv WHERE bucket_id = ?1 AND rev IN ` +
        '(SELECT MAX(rev) FROM kv WHERE bucket_id = ?1 GROUP BY key) ORDER BY rev',
    ),
    insert: db.query<never, [number, number, string, string, Uint8Array, number]>(
      'INSERT INTO kv (bucket_id, rev, key, op, value, ts) VALUES (?, ?, ?, ?, ?, ?)',
    ),
    trim: db.query<never, [number, string, number]>(
      'DELETE FROM kv WHERE bucket_id = ?1 AND key = ?2 AND rev <= ' +
        '(SELECT rev FROM kv INDEXED BY kv_key WHERE bucket_id = ?1 AND key = ?2 ORDER BY rev DESC LIMIT 1 OFFSET ?3)',
    ),
    trimAll: db.query<never, [number, number]>(
      'DELETE FROM kv WHERE bucket_id = ?1 AND rev IN (SELECT rev FROM (SELECT rev, ROW_NUMBER() OVER ' +
        '(PARTITION BY key ORDER BY rev DESC) AS n FROM kv WHERE bucket_id = ?1) WHERE n > ?2)',
    ),
    expire: db.query<never, [number, number]>('DELETE FROM kv WHERE bucket_id = ? AND ts < ?'),
    saveRev: db.query<never, [number, number]>('UPDATE buckets SET last_rev = ? WHERE id = ?'),
  };
}

export type KvQueries = ReturnType<typeof kvQueries>;
