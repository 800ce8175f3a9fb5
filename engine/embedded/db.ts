/**
 * The embedded engine's database: one bun:sqlite file in WAL mode, its schema,
 * and the small shared context every embedded module receives.
 *
 * Durability: WAL + synchronous=NORMAL survives a process crash (kill -9) with
 * every committed transaction intact; only an OS crash or power loss may lose
 * the last few commits. That is the guarantee a single-laptop engine needs, and
 * it keeps commits cheap (no fsync per transaction).
 */
import { Database } from 'bun:sqlite';
import { EngineClosedError } from '../errors.ts';

/** State shared by the embedded modules of one open engine. */
export interface EmbeddedContext {
  readonly db: Database;
  /** Epoch milliseconds; injectable so tests can age messages. */
  readonly clock: () => number;
  closed: boolean;
}

/** Throws once the engine is closed, so late calls fail loudly instead of touching a closed db. */
export function assertOpen(ctx: EmbeddedContext): void {
  if (ctx.closed) throw new EngineClosedError();
}

// Messages live in one table per stream (`msgs_<id>`, see streams.ts): `seq` is the rowid, so
// appends go to the end of the b-tree and deleting a stream is a DROP TABLE. AUTOINCREMENT keeps
// ids (and so table names) unique even after a stream is deleted and created again.
const SCHEMA = `
CREATE TABLE IF NOT EXISTS streams (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  last_seq INTEGER NOT NULL DEFAULT 0,
  last_ts INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS consumers (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  stream_id INTEGER NOT NULL,
  durable TEXT NOT NULL,
  config TEXT NOT NULL,
  cursor INTEGER NOT NULL,
  UNIQUE (stream_id, durable)
);
CREATE TABLE IF NOT EXISTS pending (
  consumer_id INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  deliveries INTEGER NOT NULL,
  deadline INTEGER NOT NULL,
  PRIMARY KEY (consumer_id, seq)
) WITHOUT ROWID;
CREATE TABLE IF NOT EXISTS buckets (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  name TEXT NOT NULL UNIQUE,
  config TEXT NOT NULL,
  last_rev INTEGER NOT NULL DEFAULT 0
);
CREATE TABLE IF NOT EXISTS kv (
  bucket_id INTEGER NOT NULL,
  rev INTEGER NOT NULL,
  key TEXT NOT NULL,
  op TEXT NOT NULL,
  value BLOB NOT NULL,
  ts INTEGER NOT NULL,
  PRIMARY KEY (bucket_id, rev)
) WITHOUT ROWID;
CREATE INDEX IF NOT EXISTS kv_key ON kv (bucket_id, key, rev);
`;

/**
 * Opens (creating if needed) the database file and its schema. The connection uses
 * locking_mode=EXCLUSIVE: the OS-level lock is held for the life of the process, so a
 * second process cannot write behind our back even if it ignored the lock file, and the
 * lock vanishes with the process on a crash. Exclusive mode also lets WAL skip shared memory.
 */
export function openDatabase(path: string): Database {
  const db = new Database(path, { create: true, strict: true });
  try {
    db.run('PRAGMA busy_timeout = 2000');
    db.run('PRAGMA locking_mode = EXCLUSIVE');
    db.run('PRAGMA journal_mode = WAL');
    db.run('PRAGMA synchronous = NORMAL');
    db.run('PRAGMA foreign_keys = OFF');
    // The schema write takes the exclusive lock right away.
    db.transaction(() => db.run(SCHEMA))();
  } catch (error) {
    db.close();
    throw error;
  }
  return db;
}
