/**
 * What the application holds: DeliveredMessage (Delivery) and MessageStream (Puller).
 * A Puller asks its consumer (DeliveryOwner) for a batch when its buffer runs dry and parks when the
 * consumer has nothing, so an idle stream costs no CPU until a publish, a nak or a
 * redelivery deadline wakes it.
 */
import type { DeliveredMessage, MessageInfo, MessageStream } from '../types.ts';
import type { MsgRow } from './streams.ts';

/**
 * What deliveries and pullers need from their consumer (ConsumerState implements
 * it): declared here, below the consumer, so this module does not import it back.
 */
export interface DeliveryOwner {
  readonly stream: { readonly name: string };
  readonly ended: boolean;
  attach(p: Puller): void;
  detach(p: Puller): void;
  wait(p: Puller): void;
  fetch(max: number): Delivery[];
  settle(seq: number): void;
  retry(seq: number, deliveries: number, delayMs: number, giveBack: boolean): void;
  extend(seq: number, deliveries: number): void;
  whenSettled(): Promise<boolean>;
}

const Settled = { No: 0, Acked: 1, Other: 2 } as const;
type Settled = (typeof Settled)[keyof typeof Settled];

export class Delivery implements DeliveredMessage {
  readonly subject: string;
  readonly data: Uint8Array;
  readonly seq: number;
  readonly timestampMs: number;
  readonly msgId?: string;
  readonly info: MessageInfo;
  readonly #state: DeliveryOwner;
  #settled: Settled = Settled.No;

  constructor(state: DeliveryOwner, row: MsgRow, deliveries: number) {
    this.#state = state;
    this.subject = row.subject;
    this.data = row.data;
    this.seq = row.seq;
    this.timestampMs = row.ts;
    if (row.msg_id !== null) this.msgId = row.msg_id;
    this.info = { stream: state.stream.name, seq: row.seq, deliveryCount: deliveries, timestampMs: row.ts };
  }

  /** Settles at once in memory; committed by SettleWriter within this event-loop turn (see there). */
  ack(): void {
    if (this.#settled !== Settled.No) return;
    this.#settled = Settled.Acked;
    this.#state.settle(this.seq);
  }

  ackAck(): Promise<boolean> {
    // Already nak'ed or termed: not an ack, but still answer only once that settlement is committed.
    if (this.#settled === Settled.Other) return this.#state.whenSettled().then(() => false);
    this.ack();
    return this.#state.whenSettled();
  }

  nak(delayMs?: number): void {
    if (this.#settled !== Settled.No) return;
    this.#settled = Settled.Other;
    this.#state.retry(this.seq, this.info.deliveryCount, delayMs ?? 0, false);
  }

  term(_reason?: string): void {
    if (this.#settled !== Settled.No) return;
    this.#settled = Settled.Other;
    this.#state.settle(this.seq);
  }

  working(): void {
    if (this.#settled === Settled.No) this.#state.extend(this.seq, this.info.deliveryCount);
  }

  /** Put back a message the application never saw (its stream stopped first). */
  release(): void {
    if (this.#settled !== Settled.No) return;
    this.#settled = Settled.Other;
    this.#state.retry(this.seq, this.info.deliveryCount, 0, true);
  }
}

/** The consumer's side of a MessageStream. */
export interface Puller {
  readonly batch: number;
  deliver(batch: Delivery[]): void;
  /** No more messages; with `releaseUnseen`, buffered messages the app never saw go back first. */
  end(releaseUnseen?: boolean): void;
  fail(error: unknown): void;
}

const DONE: IteratorResult<DeliveredMessage> = { done: true, value: undefined };

export class ConsumerStream implements MessageStream, Puller, AsyncIterator<DeliveredMessage> {
  readonly batch: number;
  readonly #state: DeliveryOwner;
  #buffer: Delivery[] = [];
  #head = 0;
  /** No more messages will be handed out (stopped, or the consumer ended). */
  #stopped = false;
  /** stop() ran: the puller is detached and its unseen messages released. */
  #closed = false;
  readonly #waiters: {
    resolve: (r: IteratorResult<DeliveredMessage>) => void;
    reject: (e: unknown) => void;
  }[] = [];

  constructor(state: DeliveryOwner, batch: number) {
    this.#state = state;
    this.batch = batch;
    state.attach(this);
  }

  [Symbol.asyncIterator](): AsyncIterator<DeliveredMessage> {
    return this;
  }

  next(): Promise<IteratorResult<DeliveredMessage>> {
    if (this.#head < this.#buffer.length) return Promise.resolve(this.#take());
    if (this.#stopped) return Promise.resolve(DONE);
    if (this.#waiters.length === 0) {
      let batch: Delivery[];
      try {
        batch = this.#state.fetch(this.batch);
      } catch (error) {
        return Promise.reject(error);
      }
      if (batch.length > 0) {
        this.#fill(batch);
        return Promise.resolve(this.#take());
      }
      if (this.#state.ended) {
        this.#stopped = true;
        return Promise.resolve(DONE);
      }
    }
    // Several next() calls may be outstanding (a reader with timeouts): served in order.
    return new Promise((resolve, reject) => {
      this.#waiters.push({ resolve, reject });
      this.#state.wait(this);
    });
  }

  /** `break` out of for-await stops the stream, as the NATS client does. */
  async return(): Promise<IteratorResult<DeliveredMessage>> {
    await this.stop();
    return DONE;
  }

  deliver(batch: Delivery[]): void {
    if (this.#stopped || this.#waiters.length === 0) {
      for (const d of batch) d.release();
      return;
    }
    this.#fill(batch);
    while (this.#waiters.length > 0 && this.#head < this.#buffer.length)
      this.#waiters.shift()?.resolve(this.#take());
    if (this.#waiters.length > 0) this.#state.wait(this);
  }

  end(releaseUnseen = false): void {
    this.#stopped = true;
    if (releaseUnseen) for (let i = this.#head; i < this.#buffer.length; i++) this.#buffer[i]?.release();
    this.#buffer = [];
    this.#head = 0;
    for (const w of this.#waiters.splice(0)) w.resolve(DONE);
  }

  /** The database failed while serving this puller: its readers see the error, then the end. */
  fail(error: unknown): void {
    const waiters = this.#waiters.splice(0);
    this.end();
    for (const w of waiters) w.reject(error);
  }

  async stop(): Promise<void> {
    if (!this.#closed) {
      this.#closed = true;
      this.#stopped = true;
      this.#state.detach(this);
      // Messages fetched but never yielded go back at once (with their delivery count restored)
      // instead of waiting out their ack wait.
      this.end(true);
    }
    await this.#state.whenSettled();
  }

  #fill(batch: Delivery[]): void {
    this.#buffer = batch;
    this.#head = 0;
  }

  #take(): IteratorResult<DeliveredMessage> {
    const value = this.#buffer[this.#head++];
    if (this.#head >= this.#buffer.length) {
      this.#buffer = [];
      this.#head = 0;
    }
    return value ? { done: false, value } : DONE;
  }
}
