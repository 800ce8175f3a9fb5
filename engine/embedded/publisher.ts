/**
 * Publishing with group commit. publish() only queues; every publish issued before the
 * next macrotask turn (setImmediate) is written in ONE transaction, then all their promises
 * resolve. A window of concurrent publishes thus costs one commit per turn instead of one per
 * message. A promise resolves only after its message is committed, so a resolved publish
 * survives kill -9.
 */
import { EngineClosedError, NoStreamForSubjectError } from '../errors.ts';
import type { PublishAck, PublishOptions, StoredMessage } from '../types.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { checkSubject } from './names.ts';
import { ExpectedStreamMismatchError } from './stream-errors.ts';
import type { StreamRecord, StreamRegistry } from './streams.ts';

interface Queued {
  stream: StreamRecord;
  subject: string;
  data: Uint8Array;
  msgId: string | null;
  resolve: (ack: PublishAck) => void;
  reject: (error: unknown) => void;
}

/** Told after each commit; the consumers wake, live subscriptions forward the messages. */
export interface PublishListener {
  /** Streams that got at least one new message. */
  streamsChanged(streams: ReadonlySet<StreamRecord>): void;
  /** Every stored message, in order (only called when `wantsMessages()`). */
  stored(stream: StreamRecord, message: StoredMessage): void;
  wantsMessages(): boolean;
  /** Interest retention: does any consumer want this subject? */
  hasInterest(stream: StreamRecord, subject: string): boolean;
}

export class Publisher {
  readonly #ctx: EmbeddedContext;
  readonly #streams: StreamRegistry;
  readonly #listener: PublishListener;
  #queue: Queued[] = [];
  #scheduled = false;

  constructor(ctx: EmbeddedContext, streams: StreamRegistry, listener: PublishListener) {
    this.#ctx = ctx;
    this.#streams = streams;
    this.#listener = listener;
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishAck> {
    try {
      assertOpen(this.#ctx);
      checkSubject(subject);
    } catch (error) {
      return Promise.reject(error);
    }
    const stream = this.#streams.route(subject);
    if (!stream) return Promise.reject(new NoStreamForSubjectError(subject));
    if (options?.expectStream !== undefined && options.expectStream !== stream.name) {
      return Promise.reject(new ExpectedStreamMismatchError(subject, options.expectStream, stream.name));
    }
    return new Promise<PublishAck>((resolve, reject) => {
      this.#queue.push({ stream, subject, data, msgId: options?.msgId ?? null, resolve, reject });
      if (!this.#scheduled) {
        this.#scheduled = true;
        setImmediate(() => this.flush());
      }
    });
  }

  /** Write every queued publish in one transaction. Called by the scheduler and by drain. */
  flush(): void {
    this.#scheduled = false;
    const batch = this.#queue;
    if (batch.length === 0) return;
    this.#queue = [];
    if (this.#ctx.closed) {
      for (const item of batch) item.reject(new EngineClosedError());
      return;
    }
    const acks: (PublishAck | Error)[] = [];
    const changed = new Set<StreamRecord>();
    const added: [StreamRecord, string][] = [];
    const stored: [StreamRecord, StoredMessage][] | null = this.#listener.wantsMessages() ? [] : null;
    try {
      this.#ctx.db.transaction(() => {
        const now = this.#ctx.clock();
        for (const item of batch) acks.push(this.#store(item, now, changed, added, stored));
        this.#streams.saveCounters(changed);
      })();
    } catch (error) {
      // Rolled back: undo the in-memory counters and dedupe entries, fail the whole batch.
      this.#streams.reloadCounters(changed);
      for (const [rec, id] of added) rec.dedupe.delete(id);
      for (const item of batch) item.reject(error);
      return;
    }
    for (let i = 0; i < batch.length; i++) {
      const ack = acks[i];
      const item = batch[i];
      if (!item || !ack) continue;
      if (ack instanceof Error) item.reject(ack);
      else item.resolve(ack);
    }
    if (stored) for (const [rec, m] of stored) this.#listener.stored(rec, m);
    if (changed.size > 0) this.#listener.streamsChanged(changed);
  }

  #store(
    item: Queued,
    now: number,
    changed: Set<StreamRecord>,
    added: [StreamRecord, string][],
    stored: [StreamRecord, StoredMessage][] | null,
  ): PublishAck | Error {
    const rec = item.stream;
    // The stream was deleted between publish() and this flush.
    if (rec.deleted) return new NoStreamForSubjectError(item.subject);
    const { msgId } = item;
    if (msgId !== null) {
      const seen = rec.dedupe.get(msgId);
      if (seen && seen.ts >= now - rec.config.duplicateWindowMs) {
        return { stream: rec.name, seq: seen.seq, duplicate: true };
      }
      if (seen) rec.dedupe.delete(msgId);
    }
    const seq = rec.lastSeq + 1;
    // Keep timestamps monotonic in seq even if the wall clock steps back: expiry and
    // by-time lookups rely on it.
    const ts = Math.max(now, rec.lastTs);
    rec.q.insert.run(seq, item.subject, ts, msgId, item.data);
    rec.lastSeq = seq;
    rec.lastTs = ts;
    changed.add(rec);
    if (msgId !== null) {
      rec.dedupe.set(msgId, { seq, ts });
      added.push([rec, msgId]);
    }
    const { maxMsgsPerSubject, retention } = rec.config;
    if (maxMsgsPerSubject > 0) rec.q.trimSubject.run(item.subject, maxMsgsPerSubject);
    // JetStream drops a message no consumer is interested in from an interest stream at once.
    if (retention === 'interest' && !this.#listener.hasInterest(rec, item.subject)) rec.q.deleteSeq.run(seq);
    if (stored) {
      const m: StoredMessage = { subject: item.subject, data: item.data.slice(), seq, timestampMs: ts };
      if (msgId !== null) m.msgId = msgId;
      stored.push([rec, m]);
    }
    return { stream: rec.name, seq, duplicate: false };
  }

  /** Reject everything still queued (close without drain). */
  abandon(): void {
    const batch = this.#queue;
    this.#queue = [];
    for (const item of batch) item.reject(new EngineClosedError());
  }
}
