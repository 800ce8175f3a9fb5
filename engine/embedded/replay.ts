/**
 * Reading a stream without a consumer: replay (a snapshot range, paged so a large stream
 * never sits in memory) and live subscriptions (fed by the publisher after each commit).
 */
import { NoStreamForSubjectError, StreamNotFoundError } from '../errors.ts';
import { subjectMatches } from '../subjects.ts';
import type { LiveSubscription, ReplayOptions, StoredMessage } from '../types.ts';
import { AsyncQueue } from './async-queue.ts';
import { assertOpen, type EmbeddedContext } from './db.ts';
import { checkPattern, subjectsOverlap } from './names.ts';
import { Scan } from './scan.ts';
import type { StreamRecord, StreamRegistry } from './streams.ts';

const PAGE = 512;

/**
 * The range is fixed when replay() is called (not when iteration starts): messages published
 * later are not included, as the NATS adapter stops at the last sequence of that moment.
 */
export function replay(
  ctx: EmbeddedContext,
  streams: StreamRegistry,
  name: string,
  options: ReplayOptions,
): AsyncIterable<StoredMessage> {
  const rec = streams.get(name);
  const endSeq = rec?.lastSeq ?? 0;
  return {
    [Symbol.asyncIterator]: () => iterate(ctx, rec, name, endSeq, options),
  };
}

async function* iterate(
  ctx: EmbeddedContext,
  rec: StreamRecord | undefined,
  name: string,
  endSeq: number,
  options: ReplayOptions,
): AsyncGenerator<StoredMessage> {
  assertOpen(ctx);
  if (!rec || rec.deleted) throw new StreamNotFoundError(name);
  const filter = options.filterSubject;
  if (filter !== undefined) checkPattern('filter subject', filter);
  let cursor = Math.max(0, (options.fromSeq ?? 1) - 1);
  if (options.fromTime) cursor = Math.max(cursor, rec.firstSeqAtOrAfterTime(options.fromTime.getTime()) - 1);
  const scan = new Scan(rec, cursor, filter);
  let left = options.limit ?? Number.POSITIVE_INFINITY;
  while (left > 0) {
    // Each page is read synchronously; between pages the caller runs and the stream may change.
    if (ctx.closed || rec.deleted) return;
    const rows = scan.next(Math.min(left, PAGE), ctx.clock(), endSeq);
    if (rows.length === 0) return;
    for (const row of rows) {
      const m: StoredMessage = { subject: row.subject, data: row.data, seq: row.seq, timestampMs: row.ts };
      if (row.msg_id !== null) m.msgId = row.msg_id;
      left--;
      yield m;
    }
  }
}

class LiveSub implements LiveSubscription {
  readonly pattern: string;
  readonly queue: AsyncQueue<StoredMessage>;

  constructor(pattern: string, onClose: () => void) {
    this.pattern = pattern;
    this.queue = new AsyncQueue(onClose);
  }

  [Symbol.asyncIterator](): AsyncIterator<StoredMessage> {
    return this.queue;
  }

  unsubscribe(): void {
    this.queue.close();
  }
}

/** Live subscriptions, fed by the publisher after each commit. */
export class LiveSubscriptions {
  readonly #subs = new Set<LiveSub>();

  get size(): number {
    return this.#subs.size;
  }

  subscribe(ctx: EmbeddedContext, streams: StreamRegistry, pattern: string): LiveSubscription {
    assertOpen(ctx);
    checkPattern('subject', pattern);
    // Like JetStream's "no responders": nothing could ever arrive on a pattern no stream captures.
    const captured = [...streams.all()].some((rec) =>
      rec.config.subjects.some((s) => subjectsOverlap(s, pattern)),
    );
    if (!captured) throw new NoStreamForSubjectError(pattern);
    const sub = new LiveSub(pattern, () => this.#subs.delete(sub));
    this.#subs.add(sub);
    return sub;
  }

  stored(message: StoredMessage): void {
    for (const sub of this.#subs) if (subjectMatches(sub.pattern, message.subject)) sub.queue.push(message);
  }

  closeAll(): void {
    for (const sub of [...this.#subs]) sub.unsubscribe();
  }
}
