/**
 * One durable consumer at run time: its cursor, its pending deliveries (seq → deliveries and
 * ack deadline) and the MessageStreams pulling from it. Memory is authoritative while the
 * process runs; every change is written through to sqlite (deliveries synchronously in the
 * fetch transaction, settlements via SettleWriter) so a restart resumes exactly.
 */
import type { EmbeddedContext } from './db.ts';
import { Delivery, type DeliveryOwner, type Puller } from './delivery.ts';
import { Scan } from './scan.ts';
import type { SettleWriter } from './settle-writer.ts';
import type { StreamRecord } from './streams.ts';

export interface NormalizedConsumerConfig {
  durable: string;
  filterSubject?: string;
  deliverPolicy: string;
  optStartSeq?: number;
  optStartTimeMs?: number;
  ackWaitMs: number;
  maxDeliver: number;
  maxAckPending: number;
}

export interface PendingEntry {
  deliveries: number;
  deadline: number;
}

export class ConsumerState implements DeliveryOwner {
  readonly id: number;
  readonly stream: StreamRecord;
  config: NormalizedConsumerConfig;
  cursor: number;
  readonly pending = new Map<number, PendingEntry>();
  ended = false;
  readonly #ctx: EmbeddedContext;
  readonly #writer: SettleWriter;
  /** Runs inside the settle transaction when a message is acked or termed (retention). */
  readonly #retire: (seq: number) => (() => void) | null;
  /** A lower bound of the earliest deadline: nothing is due before it. */
  #nextDeadline = Number.POSITIVE_INFINITY;
  readonly #pullers = new Set<Puller>();
  #waiting: Puller[] = [];
  #wakeScheduled = false;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #timerAt = Number.POSITIVE_INFINITY;
  readonly #setPending;
  readonly #delPending;
  readonly #saveCursor;

  constructor(
    ctx: EmbeddedContext,
    writer: SettleWriter,
    stream: StreamRecord,
    id: number,
    config: NormalizedConsumerConfig,
    cursor: number,
    retire: (seq: number) => (() => void) | null,
  ) {
    this.#ctx = ctx;
    this.#writer = writer;
    this.stream = stream;
    this.id = id;
    this.config = config;
    this.cursor = cursor;
    this.#retire = retire;
    const { db } = ctx;
    this.#setPending = db.query<never, [number, number, number, number]>(
      'INSERT OR REPLACE INTO pending (consumer_id, seq, deliveries, deadline) VALUES (?, ?, ?, ?)',
    );
    this.#delPending = db.query<never, [number, number]>(
      'DELETE FROM pending WHERE consumer_id = ? AND seq = ?',
    );
    this.#saveCursor = db.query<never, [number, number]>('UPDATE consumers SET cursor = ? WHERE id = ?');
    const rows = db
      .query<{ seq: number; deliveries: number; deadline: number }, [number]>(
        'SELECT seq, deliveries, deadline FROM pending WHERE consumer_id = ? ORDER BY seq',
      )
      .all(id);
    for (const r of rows) {
      this.pending.set(r.seq, { deliveries: r.deliveries, deadline: r.deadline });
      if (r.deadline < this.#nextDeadline) this.#nextDeadline = r.deadline;
    }
  }

  attach(p: Puller): void {
    this.#pullers.add(p);
  }

  detach(p: Puller): void {
    this.#pullers.delete(p);
    this.#waiting = this.#waiting.filter((w) => w !== p);
    if (this.#waiting.length === 0) this.#clearTimer();
  }

  /** Park a puller until messages arrive (publish, nak, a freed ack slot or a deadline). */
  wait(p: Puller): void {
    if (!this.#waiting.includes(p)) this.#waiting.push(p);
    this.#armTimer();
  }

  /**
   * Hand out up to `max` messages: due redeliveries first (like JetStream), then new ones from
   * the cursor within maxAckPending. Pending rows and the cursor are committed before return.
   */
  fetch(max: number): Delivery[] {
    if (this.ended || this.#ctx.closed || this.stream.deleted) return [];
    // Settlements queued earlier must land first, or a stale row could overwrite a newer one.
    this.#writer.flush();
    const now = this.#ctx.clock();
    const out: Delivery[] = [];
    this.#ctx.db.transaction(() => {
      if (now >= this.#nextDeadline) this.#redeliver(now, max, out);
      let room = max - out.length;
      const cap = this.config.maxAckPending;
      if (cap > 0) room = Math.min(room, cap - this.pending.size);
      if (room > 0) this.#readNew(now, room, out);
    })();
    return out;
  }

  #redeliver(now: number, max: number, out: Delivery[]): void {
    const due: number[] = [];
    let next = Number.POSITIVE_INFINITY;
    for (const [seq, e] of this.pending) {
      if (e.deadline <= now) due.push(seq);
      else if (e.deadline < next) next = e.deadline;
    }
    due.sort((a, b) => a - b);
    const { maxDeliver, ackWaitMs } = this.config;
    for (const seq of due) {
      const e = this.pending.get(seq);
      if (!e) continue;
      if (out.length >= max) {
        next = Math.min(next, e.deadline);
        continue;
      }
      const row = maxDeliver > 0 && e.deliveries >= maxDeliver ? null : this.stream.q.bySeq.get(seq);
      // Out of deliveries, or the message is gone (expired, trimmed): stop tracking it.
      if (!row || this.stream.isExpired(row.ts, now)) {
        this.pending.delete(seq);
        this.#delPending.run(this.id, seq);
        continue;
      }
      e.deliveries++;
      e.deadline = now + ackWaitMs;
      this.#setPending.run(this.id, seq, e.deliveries, e.deadline);
      next = Math.min(next, e.deadline);
      out.push(new Delivery(this, row, e.deliveries));
    }
    this.#nextDeadline = next;
  }

  #readNew(now: number, room: number, out: Delivery[]): void {
    const scan = new Scan(this.stream, this.cursor, this.config.filterSubject);
    const rows = scan.next(room, now, this.stream.lastSeq);
    const deadline = now + this.config.ackWaitMs;
    for (const row of rows) {
      this.pending.set(row.seq, { deliveries: 1, deadline });
      this.#setPending.run(this.id, row.seq, 1, deadline);
      out.push(new Delivery(this, row, 1));
    }
    if (rows.length > 0 && deadline < this.#nextDeadline) this.#nextDeadline = deadline;
    if (scan.cursor !== this.cursor) {
      this.cursor = scan.cursor;
      this.#saveCursor.run(scan.cursor, this.id);
    }
  }

  // ─── Settlement (called by Delivery) ───────────────────────────────────────

  /** ack and term: settled for good. */
  settle(seq: number): void {
    const cap = this.config.maxAckPending;
    const wasFull = cap > 0 && this.pending.size >= cap;
    this.pending.delete(seq);
    this.#writer.remove(this.id, seq, this.#retire(seq));
    if (wasFull) this.scheduleWake();
  }

  /** nak (delay 0 redelivers at once) and release of never-seen buffered messages. */
  retry(seq: number, deliveries: number, delayMs: number, giveBack: boolean): void {
    const e = this.pending.get(seq);
    if (!e || e.deliveries !== deliveries) return;
    if (giveBack) e.deliveries--;
    e.deadline = this.#ctx.clock() + Math.max(0, delayMs);
    this.#writer.set(this.id, seq, e.deliveries, e.deadline);
    if (e.deadline < this.#nextDeadline) this.#nextDeadline = e.deadline;
    if (delayMs <= 0) this.scheduleWake();
    else this.#armTimer();
  }

  /** working(): restart the ack wait of the current delivery. */
  extend(seq: number, deliveries: number): void {
    const e = this.pending.get(seq);
    if (!e || e.deliveries !== deliveries) return;
    e.deadline = this.#ctx.clock() + this.config.ackWaitMs;
    this.#writer.set(this.id, seq, e.deliveries, e.deadline);
  }

  whenSettled(): Promise<boolean> {
    return this.#writer.committed();
  }

  // ─── Waking pullers ────────────────────────────────────────────────────────

  /** Coalesces the wake-ups of one turn (a publish batch, many naks) into one fetch round. */
  scheduleWake(): void {
    if (this.#wakeScheduled || this.#waiting.length === 0) return;
    this.#wakeScheduled = true;
    queueMicrotask(() => this.#wake());
  }

  #wake(): void {
    this.#wakeScheduled = false;
    // Serve waiting pullers in arrival order; each served one leaves the queue, which
    // spreads messages over the pullers of one durable.
    try {
      while (this.#waiting.length > 0) {
        const p = this.#waiting[0];
        if (!p) break;
        const batch = this.fetch(p.batch);
        if (batch.length === 0) break;
        this.#waiting.shift();
        p.deliver(batch);
      }
    } catch (error) {
      // Runs from a microtask or timer: never let a database error escape and crash the process.
      for (const p of this.#waiting.splice(0)) p.fail(error);
    }
    this.#armTimer();
  }

  /** A timer only while someone waits and something is pending: idle consumers cost nothing. */
  #armTimer(): void {
    const at =
      this.#waiting.length > 0 && this.pending.size > 0 ? this.#nextDeadline : Number.POSITIVE_INFINITY;
    if (at === this.#timerAt) return;
    this.#clearTimer();
    if (at === Number.POSITIVE_INFINITY) return;
    this.#timerAt = at;
    const delay = Math.min(2 ** 31 - 1, Math.max(0, at - this.#ctx.clock()));
    this.#timer = setTimeout(() => {
      this.#timer = null;
      this.#timerAt = Number.POSITIVE_INFINITY;
      this.#wake();
    }, delay);
    this.#timer.unref?.();
  }

  #clearTimer(): void {
    if (this.#timer) clearTimeout(this.#timer);
    this.#timer = null;
    this.#timerAt = Number.POSITIVE_INFINITY;
  }

  /** The consumer or its stream was deleted, or the engine closes: end every puller. */
  end(releaseUnseen = false): void {
    this.ended = true;
    this.#clearTimer();
    for (const p of [...this.#pullers]) p.end(releaseUnseen);
    this.#pullers.clear();
    this.#waiting = [];
    this.pending.clear();
  }
}
