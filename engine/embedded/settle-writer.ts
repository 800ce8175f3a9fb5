/**
 * Write-behind for settlements (ack, nak, term, working). Settling updates the consumer's
 * in-memory state at once and queues a row change here; the queue is committed in one
 * transaction per event-loop turn.
 *
 * Guarantee: an ack() that returned is committed at the latest in the setImmediate callback
 * of the current event-loop turn, or earlier when a fetch, stop() or drain() flushes first;
 * ackAck() resolves only after that commit (true), or false if the commit failed. A kill -9
 * inside that sub-millisecond window redelivers the message once, which at-least-once allows.
 */
import type { EmbeddedContext } from './db.ts';

interface Op {
  consumer: number;
  seq: number;
  /** -1 deletes the pending row (ack, term); otherwise the deliveries to store. */
  deliveries: number;
  deadline: number;
  /** Retention side effect run inside the same transaction (work-queue / interest deletes). */
  retire: (() => void) | null;
}

export class SettleWriter {
  readonly #ctx: EmbeddedContext;
  #ops: Op[] = [];
  #waiters: ((ok: boolean) => void)[] = [];
  #scheduled = false;
  readonly #del;
  readonly #set;

  constructor(ctx: EmbeddedContext) {
    this.#ctx = ctx;
    this.#del = ctx.db.query<never, [number, number]>(
      'DELETE FROM pending WHERE consumer_id = ? AND seq = ?',
    );
    this.#set = ctx.db.query<never, [number, number, number, number]>(
      'INSERT OR REPLACE INTO pending (consumer_id, seq, deliveries, deadline) VALUES (?, ?, ?, ?)',
    );
  }

  get idle(): boolean {
    return this.#ops.length === 0 && this.#waiters.length === 0;
  }

  remove(consumer: number, seq: number, retire: (() => void) | null): void {
    this.#push({ consumer, seq, deliveries: -1, deadline: 0, retire });
  }

  set(consumer: number, seq: number, deliveries: number, deadline: number): void {
    this.#push({ consumer, seq, deliveries, deadline, retire: null });
  }

  /** Resolves once everything queued so far is committed. */
  committed(): Promise<boolean> {
    if (this.#ops.length === 0 && this.#waiters.length === 0) return Promise.resolve(true);
    return new Promise((resolve) => {
      this.#waiters.push(resolve);
      this.#schedule();
    });
  }

  #push(op: Op): void {
    this.#ops.push(op);
    this.#schedule();
  }

  #schedule(): void {
    if (this.#scheduled) return;
    this.#scheduled = true;
    setImmediate(() => this.flush());
  }

  /** Commit the queue now (synchronous). Safe to call at any time, also re-entrantly from a fetch. */
  flush(): void {
    this.#scheduled = false;
    const ops = this.#ops;
    const waiters = this.#waiters;
    if (ops.length === 0 && waiters.length === 0) return;
    this.#ops = [];
    this.#waiters = [];
    let ok = !this.#ctx.closed;
    if (ok && ops.length > 0) {
      try {
        this.#ctx.db.transaction(() => {
          for (const op of ops) {
            if (op.deliveries < 0) this.#del.run(op.consumer, op.seq);
            else this.#set.run(op.consumer, op.seq, op.deliveries, op.deadline);
            op.retire?.();
          }
        })();
      } catch {
        // Left unsettled in the database: redelivered after a restart, never lost.
        ok = false;
      }
    }
    for (const w of waiters) w(ok);
  }
}
