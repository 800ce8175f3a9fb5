/**
 * An EventLog in front of a real one whose publishes can be held back (a
 * slow engine) or refused (a failing one), to drive a producer's back-pressure
 * and retries. Everything else goes straight through.
 */
import type {
  ConsumeOptions,
  ConsumerConfig,
  EventLog,
  PublishOptions,
  ReplayOptions,
  StreamConfig,
} from '../../engine/types.ts';

export class GatedLog implements EventLog {
  readonly #inner: EventLog;
  #gate: { promise: Promise<void>; resolve: () => void } | null = null;
  /** Publishes refused from now on, one per call. */
  refuse = 0;
  /** Publishes waiting at the gate. */
  waiting = 0;

  constructor(inner: EventLog) {
    this.#inner = inner;
  }

  hold(): void {
    this.#gate ??= Promise.withResolvers<void>();
  }

  release(): void {
    this.#gate?.resolve();
    this.#gate = null;
  }

  async publish(subject: string, data: Uint8Array, options?: PublishOptions) {
    if (this.#gate !== null) {
      this.waiting++;
      await this.#gate.promise;
      this.waiting--;
    }
    if (this.refuse > 0) {
      this.refuse--;
      throw new Error('publish refused');
    }
    return this.#inner.publish(subject, data, options);
  }

  ensureStream(config: StreamConfig) {
    return this.#inner.ensureStream(config);
  }
  streamInfo(name: string) {
    return this.#inner.streamInfo(name);
  }
  deleteStream(name: string) {
    return this.#inner.deleteStream(name);
  }
  ensureConsumer(stream: string, config: ConsumerConfig) {
    return this.#inner.ensureConsumer(stream, config);
  }
  deleteConsumer(stream: string, durable: string) {
    return this.#inner.deleteConsumer(stream, durable);
  }
  consume(stream: string, durable: string, options?: ConsumeOptions) {
    return this.#inner.consume(stream, durable, options);
  }
  replay(stream: string, options?: ReplayOptions) {
    return this.#inner.replay(stream, options);
  }
  subscribe(subject: string) {
    return this.#inner.subscribe(subject);
  }
}
