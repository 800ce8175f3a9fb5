/**
 * The embedded engine: the whole product in one process with no server. A real durable
 * engine on bun:sqlite (WAL) in `dataDir`, implementing the same ports and semantics as the
 * NATS adapter (JetStream is the reference). One process per data directory.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Engine } from '../types.ts';
import { type EmbeddedContext, openDatabase } from './db.ts';
import { EmbeddedEventLog } from './event-log.ts';
import { EmbeddedKv } from './kv.ts';
import { acquireDataDirLock, DataDirLockedError } from './lock.ts';
import { EmbeddedRpc } from './rpc.ts';

export { DataDirLockedError } from './lock.ts';
export {
  ExpectedStreamMismatchError,
  InvalidConfigError,
  StreamSubjectsOverlapError,
} from './stream-errors.ts';

export interface EmbeddedEngineOptions {
  dataDir: string;
  /** Epoch milliseconds (default Date.now); tests inject one to age messages and entries. */
  clock?: () => number;
}

/** How often expired messages, KV entries and dedupe ids are dropped (reads also filter them). */
const HOUSEKEEPING_MS = 1_000;

export async function openEmbeddedEngine(options: EmbeddedEngineOptions): Promise<Engine> {
  fs.mkdirSync(options.dataDir, { recursive: true });
  const release = acquireDataDirLock(options.dataDir);
  let ctx: EmbeddedContext;
  try {
    ctx = {
      db: openDatabase(path.join(options.dataDir, 'engine.db')),
      clock: options.clock ?? Date.now,
      closed: false,
    };
  } catch (error) {
    release();
    // The lock file was removed by hand, but another process still holds the database lock.
    if ((error as { code?: unknown }).code === 'SQLITE_BUSY') {
      throw new DataDirLockedError(path.resolve(options.dataDir), 'another process (the database is locked)');
    }
    throw error;
  }
  const log = new EmbeddedEventLog(ctx);
  const kv = new EmbeddedKv(ctx);
  const rpc = new EmbeddedRpc(ctx);

  const housekeeping = () => {
    if (ctx.closed) return;
    try {
      const now = ctx.clock();
      log.expire(now);
      kv.expireAll(now);
    } catch {
      // Best effort: reads filter expired data anyway, and the next round retries.
    }
  };
  housekeeping();
  // Deliberately not unref'd: like a NATS connection, an open engine keeps the process alive
  // (a process whose only work is a consumer loop must not exit). close() or drain() ends it.
  const timer = setInterval(housekeeping, HOUSEKEEPING_MS);

  const shutdown = (flush: boolean) => {
    if (ctx.closed) return;
    clearInterval(timer);
    log.shutdown(flush);
    kv.closeAll();
    rpc.closeAll();
    ctx.closed = true;
    // Every statement comes from db.query(), whose cache close() finalizes: the file is
    // really closed (and its exclusive lock released) when this returns.
    ctx.db.close(false);
    release();
  };

  return {
    kind: 'embedded',
    log,
    kv,
    rpc,
    isConnected: () => !ctx.closed,
    drain: async () => {
      // Let publishes issued in this turn and settlements reach their scheduled flush first.
      await new Promise((resolve) => setImmediate(resolve));
      shutdown(true);
    },
    close: async () => shutdown(false),
  };
}
