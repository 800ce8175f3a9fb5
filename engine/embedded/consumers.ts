/**
 * Durable consumer registry: create/update/delete consumer configs, compute where a new
 * durable starts (deliver policy), open run-time ConsumerStates lazily, and answer the
 * retention questions of work-queue and interest streams.
 */
import { ConsumerNotFoundError } from '../errors.ts';
import { subjectMatches } from '../subjects.ts';
import type { ConsumeOptions, ConsumerConfig, MessageStream } from '../types.ts';
import { ConsumerState, type NormalizedConsumerConfig } from './consumer-state.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { ConsumerStream } from './delivery.ts';
import { checkName, checkPattern } from './names.ts';
import type { SettleWriter } from './settle-writer.ts';
import type { StreamRecord, StreamRegistry } from './streams.ts';

const DEFAULT_ACK_WAIT_MS = 30_000;
/** JetStream's default for pull consumers (checked against nats-server 2.9). */
const DEFAULT_MAX_ACK_PENDING = 1000;

interface ConsumerRow {
  id: number;
  config: NormalizedConsumerConfig;
  cursor: number;
}

function normalize(c: ConsumerConfig): NormalizedConsumerConfig {
  const n: NormalizedConsumerConfig = {
    durable: c.durable,
    deliverPolicy: c.deliverPolicy ?? 'all',
    ackWaitMs: c.ackWaitMs ?? DEFAULT_ACK_WAIT_MS,
    maxDeliver: c.maxDeliver !== undefined && c.maxDeliver > 0 ? c.maxDeliver : -1,
    maxAckPending: c.maxAckPending ?? DEFAULT_MAX_ACK_PENDING,
  };
  if (c.filterSubject !== undefined && c.filterSubject !== '>') n.filterSubject = c.filterSubject;
  if (c.optStartSeq !== undefined) n.optStartSeq = c.optStartSeq;
  if (c.optStartTime !== undefined) n.optStartTimeMs = c.optStartTime.getTime();
  return n;
}

const matchesFilter = (config: NormalizedConsumerConfig, subject: string): boolean =>
  config.filterSubject === undefined || subjectMatches(config.filterSubject, subject);

export class ConsumerRegistry {
  readonly #ctx: EmbeddedContext;
  readonly #streams: StreamRegistry;
  readonly #writer: SettleWriter;
  /** stream id → durable → consumer. Configs are few and small, so all live in memory. */
  readonly #byStream = new Map<number, Map<string, ConsumerRow>>();
  readonly #states = new Map<number, ConsumerState>();

  constructor(ctx: EmbeddedContext, streams: StreamRegistry, writer: SettleWriter) {
    this.#ctx = ctx;
    this.#streams = streams;
    this.#writer = writer;
    const rows = ctx.db
      .query<{ id: number; stream_id: number; durable: string; config: string; cursor: number }, []>(
        'SELECT id, stream_id, durable, config, cursor FROM consumers',
      )
      .all();
    for (const r of rows)
      this.#of(r.stream_id).set(r.durable, { id: r.id, config: JSON.parse(r.config), cursor: r.cursor });
  }

  #of(streamId: number): Map<string, ConsumerRow> {
    let m = this.#byStream.get(streamId);
    if (!m) {
      m = new Map();
      this.#byStream.set(streamId, m);
    }
    return m;
  }

  ensure(streamName: string, config: ConsumerConfig): void {
    const stream = this.#streams.require(streamName);
    checkName('durable name', config.durable);
    if (config.filterSubject !== undefined) checkPattern('filter subject', config.filterSubject);
    const wanted = normalize(config);
    const { db } = this.#ctx;
    const existing = this.#of(stream.id).get(wanted.durable);
    if (existing) {
      // Like the NATS adapter: the start position of an existing durable is kept.
      const kept: NormalizedConsumerConfig = { ...wanted, deliverPolicy: existing.config.deliverPolicy };
      if (existing.config.optStartSeq !== undefined) kept.optStartSeq = existing.config.optStartSeq;
      else delete kept.optStartSeq;
      if (existing.config.optStartTimeMs !== undefined) kept.optStartTimeMs = existing.config.optStartTimeMs;
      else delete kept.optStartTimeMs;
      db.query('UPDATE consumers SET config = ? WHERE id = ?').run(JSON.stringify(kept), existing.id);
      existing.config = kept;
      const state = this.#states.get(existing.id);
      if (state) {
        state.config = kept;
        state.scheduleWake();
      }
      return;
    }
    const cursor = this.#startCursor(stream, wanted);
    const row = db
      .query<{ id: number }, [number, string, string, number]>(
        'INSERT INTO consumers (stream_id, durable, config, cursor) VALUES (?, ?, ?, ?) RETURNING id',
      )
      .get(stream.id, wanted.durable, JSON.stringify(wanted), cursor);
    if (row) this.#of(stream.id).set(wanted.durable, { id: row.id, config: wanted, cursor });
  }

  /** The last stream seq considered delivered before the first delivery. */
  #startCursor(stream: StreamRecord, c: NormalizedConsumerConfig): number {
    switch (c.deliverPolicy) {
      case 'new':
        return stream.lastSeq;
      case 'by_start_sequence':
        return Math.max(0, (c.optStartSeq ?? 1) - 1);
      case 'by_start_time':
        return stream.firstSeqAtOrAfterTime(c.optStartTimeMs ?? 0) - 1;
      case 'last': {
        // The newest message matching the filter, found by walking back in pages.
        let before = stream.lastSeq + 1;
        for (;;) {
          const rows = stream.q.before.all(before, 512);
          for (const r of rows) if (matchesFilter(c, r.subject)) return r.seq - 1;
          const oldest = rows[rows.length - 1];
          if (!oldest || rows.length < 512) return stream.lastSeq;
          before = oldest.seq;
        }
      }
      default:
        return 0;
    }
  }

  delete(streamName: string, durable: string): boolean {
    assertOpen(this.#ctx);
    const stream = this.#streams.get(streamName);
    const row = stream ? this.#of(stream.id).get(durable) : undefined;
    if (!stream || !row) return false;
    this.#writer.flush();
    this.#states.get(row.id)?.end();
    this.#states.delete(row.id);
    this.#of(stream.id).delete(durable);
    const { db } = this.#ctx;
    db.transaction(() => {
      db.query('DELETE FROM pending WHERE consumer_id = ?').run(row.id);
      db.query('DELETE FROM consumers WHERE id = ?').run(row.id);
    })();
    return true;
  }

  consume(streamName: string, durable: string, options?: ConsumeOptions): MessageStream {
    assertOpen(this.#ctx);
    const stream = this.#streams.get(streamName);
    const row = stream ? this.#of(stream.id).get(durable) : undefined;
    if (!stream || !row) throw new ConsumerNotFoundError(streamName, durable);
    let state = this.#states.get(row.id);
    if (!state) {
      this.#writer.flush();
      state = new ConsumerState(this.#ctx, this.#writer, stream, row.id, row.config, row.cursor, (seq) =>
        this.#retirement(stream, seq),
      );
      this.#states.set(row.id, state);
    }
    return new ConsumerStream(state, Math.max(1, Math.floor(options?.batch ?? 256)));
  }

  /** Publish hook: wake the consumers of streams that got messages. */
  streamsChanged(streams: ReadonlySet<StreamRecord>): void {
    for (const state of this.#states.values()) if (streams.has(state.stream)) state.scheduleWake();
  }

  streamDeleted(stream: StreamRecord): void {
    for (const [id, state] of this.#states) {
      if (state.stream !== stream) continue;
      state.end();
      this.#states.delete(id);
    }
    this.#byStream.delete(stream.id);
  }

  /** Interest retention: a message nobody's filter matches is not kept. */
  hasInterest(stream: StreamRecord, subject: string): boolean {
    for (const c of this.#of(stream.id).values()) if (matchesFilter(c.config, subject)) return true;
    return false;
  }

  /** What to do, inside the settle transaction, once a consumer acked or termed `seq`. */
  #retirement(stream: StreamRecord, seq: number): (() => void) | null {
    const { retention } = stream.config;
    if (retention === 'limits') return null;
    return () => {
      if (stream.deleted) return;
      if (retention === 'workqueue' || this.#allAcked(stream, seq)) stream.q.deleteSeq.run(seq);
    };
  }

  /** Every consumer whose filter matches the message has delivered and settled it. */
  #allAcked(stream: StreamRecord, seq: number): boolean {
    const row = stream.q.bySeq.get(seq);
    if (!row) return false;
    const pendingRow = this.#ctx.db.query<{ n: number }, [number, number]>(
      'SELECT 1 AS n FROM pending WHERE consumer_id = ? AND seq = ?',
    );
    for (const c of this.#of(stream.id).values()) {
      if (!matchesFilter(c.config, row.subject)) continue;
      const state = this.#states.get(c.id);
      const cursor = state ? state.cursor : c.cursor;
      if (seq > cursor) return false;
      if (state ? state.pending.has(seq) : pendingRow.get(c.id, seq)) return false;
    }
    return true;
  }

  /** Stop every consumer (engine close); a drain first gives back buffered messages nobody saw. */
  endAll(releaseUnseen: boolean): void {
    for (const state of this.#states.values()) state.end(releaseUnseen);
    this.#states.clear();
  }
}
