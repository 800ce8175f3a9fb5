/**
 * One stream's storage: its message table (`msgs_<id>`, seq as rowid), the prepared
 * statements over it, its sequence counters and dedupe map, and age-limit enforcement.
 * Synchronous by design: callers run it inside their own transactions.
 */
import type { Statement } from 'bun:sqlite';
import type { Retention, StreamConfig, StreamInfo } from '../types.ts';
import type { EmbeddedContext } from './db.ts';

export interface MsgRow {
  seq: number;
  subject: string;
  ts: number;
  msg_id: string | null;
  data: Uint8Array;
}

/** The config with every default applied, as streamInfo reports it (same as the NATS adapter). */
export interface NormalizedStreamConfig extends StreamConfig {
  retention: Retention;
  maxAgeMs: number;
  maxMsgsPerSubject: number;
  duplicateWindowMs: number;
  denyDelete: boolean;
  denyPurge: boolean;
}

function statements(ctx: EmbeddedContext, t: string) {
  const { db } = ctx;
  const cols = 'seq, subject, ts, msg_id, data';
  return {
    insert: db.query<never, [number, string, number, string | null, Uint8Array]>(
      `INSERT INTO ${t} (${cols}) VALUES (?, ?, ?, ?, ?)`,
    ),
    after: db.query<MsgRow, [number, number]>(`SELECT ${cols} FROM ${t} WHERE seq > ? ORDER BY seq LIMIT ?`),
    afterForSubject: db.query<MsgRow, [string, number, number]>(
      `SELECT ${cols} FROM ${t} WHERE subject = ? AND seq > ? ORDER BY seq LIMIT ?`,
    ),
    bySeq: db.query<MsgRow, [number]>(`SELECT ${cols} FROM ${t} WHERE seq = ?`),
    /** Newest first, for "last message matching a filter". */
    before: db.query<{ seq: number; subject: string }, [number, number]>(
      `SELECT seq, subject FROM ${t} WHERE seq < ? ORDER BY seq DESC LIMIT ?`,
    ),
    firstAtOrAfter: db.query<{ seq: number; ts: number }, [number]>(
      `SELECT seq, ts FROM ${t} WHERE seq >= ? ORDER BY seq LIMIT 1`,
    ),
    head: db.query<{ seq: number; ts: number }, [number]>(`SELECT seq, ts FROM ${t} ORDER BY seq LIMIT ?`),
    newestWithId: db.query<{ seq: number; ts: number; msg_id: string }, []>(
      `SELECT seq, ts, msg_id FROM ${t} WHERE msg_id IS NOT NULL ORDER BY seq DESC`,
    ),
    deleteUpTo: db.query<never, [number]>(`DELETE FROM ${t} WHERE seq <= ?`),
    deleteSeq: db.query<never, [number]>(`DELETE FROM ${t} WHERE seq = ?`),
    /** Keep the newest `?2` messages of subject `?1`. */
    trimSubject: db.query<never, [string, number]>(
      `DELETE FROM ${t} WHERE subject = ?1 AND seq <= ` +
        `(SELECT seq FROM ${t} WHERE subject = ?1 ORDER BY seq DESC LIMIT 1 OFFSET ?2)`,
    ),
    trimAllSubjects: db.query<never, [number]>(
      `DELETE FROM ${t} WHERE seq IN (SELECT seq FROM (SELECT seq, ROW_NUMBER() OVER ` +
        `(PARTITION BY subject ORDER BY seq DESC) AS n FROM ${t}) WHERE n > ?)`,
    ),
    count: db.query<{ n: number; first: number | null }, []>(
      `SELECT COUNT(*) AS n, MIN(seq) AS first FROM ${t}`,
    ),
  };
}

export type StreamStatements = ReturnType<typeof statements>;

export interface DedupeEntry {
  seq: number;
  ts: number;
}

/** One stream in memory. `lastSeq`/`lastTs` are authoritative and written back on commit. */
export class StreamRecord {
  readonly id: number;
  readonly name: string;
  readonly q: StreamStatements;
  config: NormalizedStreamConfig;
  lastSeq: number;
  lastTs: number;
  /** msgId → original publish, in publish order (so pruning stops at the first fresh entry). */
  readonly dedupe = new Map<string, DedupeEntry>();
  deleted = false;

  constructor(
    ctx: EmbeddedContext,
    id: number,
    config: NormalizedStreamConfig,
    lastSeq: number,
    lastTs: number,
  ) {
    this.id = id;
    this.name = config.name;
    this.config = config;
    this.lastSeq = lastSeq;
    this.lastTs = lastTs;
    this.q = statements(ctx, tableName(id));
  }

  /** Drop expired messages, oldest first. Timestamps never decrease with seq, so stop at the first fresh one. */
  expire(now: number): void {
    const { maxAgeMs, duplicateWindowMs } = this.config;
    const dedupeCutoff = now - duplicateWindowMs;
    for (const [id, entry] of this.dedupe) {
      if (entry.ts >= dedupeCutoff) break;
      this.dedupe.delete(id);
    }
    if (maxAgeMs <= 0) return;
    const cutoff = now - maxAgeMs;
    for (;;) {
      const rows = this.q.head.all(512);
      let last = -1;
      while (last + 1 < rows.length && (rows[last + 1]?.ts ?? cutoff) < cutoff) last++;
      const edge = rows[last];
      if (!edge) return;
      this.q.deleteUpTo.run(edge.seq);
      if (last < rows.length - 1) return;
    }
  }

  isExpired(ts: number, now: number): boolean {
    return this.config.maxAgeMs > 0 && ts < now - this.config.maxAgeMs;
  }

  /** The first stored seq whose timestamp is ≥ `ms` (binary search on seq), or lastSeq + 1. */
  firstSeqAtOrAfterTime(ms: number): number {
    let lo = 1;
    let hi = this.lastSeq + 1;
    while (lo < hi) {
      const mid = Math.floor((lo + hi) / 2);
      const row = this.q.firstAtOrAfter.get(mid);
      if (!row) hi = mid;
      else if (row.ts >= ms) hi = Math.min(mid, row.seq);
      else lo = row.seq + 1;
    }
    return lo;
  }

  info(now: number): StreamInfo {
    this.expire(now);
    const { n, first } = this.q.count.get() ?? { n: 0, first: null };
    const firstSeq = first ?? (this.lastSeq > 0 ? this.lastSeq + 1 : 0);
    return {
      name: this.name,
      messages: n,
      firstSeq,
      lastSeq: this.lastSeq,
      config: structuredClone(this.config),
    };
  }

  finalize(): void {
    for (const s of Object.values(this.q) as Statement[]) s.finalize();
  }
}

export const tableName = (streamId: number): string => `msgs_${streamId}`;
