/**
 * Stream registry: create/update/delete streams (refusing overlapping subjects like
 * JetStream), route a subject to the stream capturing it, and persist sequence counters.
 */
import { StreamNotFoundError } from '../errors.ts';
import { subjectMatches } from '../subjects.ts';
import type { StreamConfig, StreamInfo } from '../types.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { checkName, checkPattern, subjectsOverlap } from './names.ts';
import { StreamSubjectsOverlapError } from './stream-errors.ts';
import { type NormalizedStreamConfig, StreamRecord, tableName } from './stream-record.ts';

export type { MsgRow } from './stream-record.ts';
export { StreamRecord } from './stream-record.ts';

const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

function normalize(c: StreamConfig): NormalizedStreamConfig {
  const maxAgeMs = Math.max(0, c.maxAgeMs ?? 0);
  // Like the NATS adapter: the server refuses a dedupe window longer than max age.
  let duplicateWindowMs = c.duplicateWindowMs ?? DEFAULT_DUPLICATE_WINDOW_MS;
  if (maxAgeMs > 0 && duplicateWindowMs > maxAgeMs) duplicateWindowMs = maxAgeMs;
  const n: NormalizedStreamConfig = {
    name: c.name,
    // JetStream captures the stream's own name when no subject is given.
    subjects: c.subjects.length > 0 ? [...c.subjects] : [c.name],
    retention: c.retention ?? 'limits',
    maxAgeMs,
    maxMsgsPerSubject:
      c.maxMsgsPerSubject !== undefined && c.maxMsgsPerSubject > 0 ? c.maxMsgsPerSubject : -1,
    duplicateWindowMs,
    denyDelete: c.denyDelete ?? false,
    denyPurge: c.denyPurge ?? false,
  };
  if (c.description) n.description = c.description;
  return n;
}

/** All streams of the engine, with subject → stream routing. */
export class StreamRegistry {
  readonly #ctx: EmbeddedContext;
  readonly #byName = new Map<string, StreamRecord>();
  /** Routing cache for exact subjects; cleared whenever the set of streams changes. */
  readonly #routes = new Map<string, StreamRecord | null>();
  /** Called before a stream's table is dropped (consumers end their iterators). */
  onDelete: (record: StreamRecord) => void = () => {};

  constructor(ctx: EmbeddedContext) {
    this.#ctx = ctx;
    const rows = ctx.db
      .query<{ id: number; config: string; last_seq: number; last_ts: number }, []>(
        'SELECT id, config, last_seq, last_ts FROM streams',
      )
      .all();
    for (const row of rows) {
      const rec = new StreamRecord(ctx, row.id, JSON.parse(row.config), row.last_seq, row.last_ts);
      this.#rebuildDedupe(rec);
      this.#byName.set(rec.name, rec);
    }
  }

  /** JetStream rebuilds its dedupe map from the stored messages inside the window; so do we. */
  #rebuildDedupe(rec: StreamRecord): void {
    const cutoff = this.#ctx.clock() - rec.config.duplicateWindowMs;
    const recent: { seq: number; ts: number; msg_id: string }[] = [];
    for (const row of rec.q.newestWithId.iterate()) {
      if (row.ts < cutoff) break;
      recent.push(row);
    }
    for (let i = recent.length - 1; i >= 0; i--) {
      const row = recent[i];
      if (row && !rec.dedupe.has(row.msg_id)) rec.dedupe.set(row.msg_id, { seq: row.seq, ts: row.ts });
    }
  }

  get(name: string): StreamRecord | undefined {
    return this.#byName.get(name);
  }

  require(name: string): StreamRecord {
    assertOpen(this.#ctx);
    const rec = this.#byName.get(name);
    if (!rec) throw new StreamNotFoundError(name);
    return rec;
  }

  all(): IterableIterator<StreamRecord> {
    return this.#byName.values();
  }

  /** The stream capturing `subject` (at most one: overlapping streams are refused). */
  route(subject: string): StreamRecord | null {
    const cached = this.#routes.get(subject);
    if (cached !== undefined) return cached;
    let found: StreamRecord | null = null;
    for (const rec of this.#byName.values()) {
      if (rec.config.subjects.some((p) => subjectMatches(p, subject))) {
        found = rec;
        break;
      }
    }
    if (this.#routes.size > 10_000) this.#routes.clear();
    this.#routes.set(subject, found);
    return found;
  }

  ensure(config: StreamConfig): StreamInfo {
    assertOpen(this.#ctx);
    checkName('stream name', config.name);
    const wanted = normalize(config);
    for (const s of wanted.subjects) checkPattern('stream subject', s);
    for (const other of this.#byName.values()) {
      if (other.name === wanted.name) continue;
      for (const s of wanted.subjects) {
        const clash = other.config.subjects.find((o) => subjectsOverlap(s, o));
        if (clash !== undefined) throw new StreamSubjectsOverlapError(wanted.name, s, other.name, clash);
      }
    }
    const { db } = this.#ctx;
    const now = this.#ctx.clock();
    let rec = this.#byName.get(wanted.name);
    if (rec) {
      const r = rec;
      db.transaction(() => {
        db.query('UPDATE streams SET config = ? WHERE id = ?').run(JSON.stringify(wanted), r.id);
        r.config = wanted;
        if (wanted.maxMsgsPerSubject > 0) r.q.trimAllSubjects.run(wanted.maxMsgsPerSubject);
      })();
    } else {
      rec = db.transaction(() => {
        const { id } = db
          .query<{ id: number }, [string, string]>(
            'INSERT INTO streams (name, config) VALUES (?, ?) RETURNING id',
          )
          .get(wanted.name, JSON.stringify(wanted)) ?? { id: 0 };
        const t = tableName(id);
        db.run(
          `CREATE TABLE ${t} (seq INTEGER PRIMARY KEY, subject TEXT NOT NULL, ts INTEGER NOT NULL, ` +
            'msg_id TEXT, data BLOB NOT NULL)',
        );
        db.run(`CREATE INDEX ${t}_subject ON ${t} (subject, seq)`);
        return new StreamRecord(this.#ctx, id, wanted, 0, 0);
      })();
      this.#byName.set(rec.name, rec);
    }
    this.#routes.clear();
    return rec.info(now);
  }

  info(name: string): StreamInfo | null {
    assertOpen(this.#ctx);
    return this.#byName.get(name)?.info(this.#ctx.clock()) ?? null;
  }

  delete(name: string): boolean {
    assertOpen(this.#ctx);
    const rec = this.#byName.get(name);
    if (!rec) return false;
    rec.deleted = true;
    this.#byName.delete(name);
    this.#routes.clear();
    this.onDelete(rec);
    rec.finalize();
    const { db } = this.#ctx;
    db.transaction(() => {
      db.query('DELETE FROM pending WHERE consumer_id IN (SELECT id FROM consumers WHERE stream_id = ?)').run(
        rec.id,
      );
      db.query('DELETE FROM consumers WHERE stream_id = ?').run(rec.id);
      db.query('DELETE FROM streams WHERE id = ?').run(rec.id);
      db.run(`DROP TABLE IF EXISTS ${tableName(rec.id)}`);
    })();
    return true;
  }

  /** Persist the sequence counters of streams a publish batch touched. */
  saveCounters(records: Iterable<StreamRecord>): void {
    const stmt = this.#ctx.db.query<never, [number, number, number]>(
      'UPDATE streams SET last_seq = ?, last_ts = ? WHERE id = ?',
    );
    for (const r of records) if (!r.deleted) stmt.run(r.lastSeq, r.lastTs, r.id);
  }

  /** Reload counters after a failed transaction rolled back. */
  reloadCounters(records: Iterable<StreamRecord>): void {
    const stmt = this.#ctx.db.query<{ last_seq: number; last_ts: number }, [number]>(
      'SELECT last_seq, last_ts FROM streams WHERE id = ?',
    );
    for (const r of records) {
      const row = stmt.get(r.id);
      if (row) {
        r.lastSeq = row.last_seq;
        r.lastTs = row.last_ts;
      }
    }
  }
}
