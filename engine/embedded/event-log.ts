/**
 * EventLog port on the embedded modules: streams, publisher, consumers, replay and live
 * subscriptions, wired so a publish commit wakes consumers and feeds live subscriptions.
 */
import type {
  ConsumeOptions,
  ConsumerConfig,
  EventLog,
  LiveSubscription,
  MessageStream,
  PublishAck,
  PublishOptions,
  ReplayOptions,
  StoredMessage,
  StreamConfig,
  StreamInfo,
} from '../types.ts';
import { ConsumerRegistry } from './consumers.ts';
import type { EmbeddedContext } from './db.ts';
import { Publisher } from './publisher.ts';
import { LiveSubscriptions, replay } from './replay.ts';
import { SettleWriter } from './settle-writer.ts';
import { StreamRegistry } from './streams.ts';

export class EmbeddedEventLog implements EventLog {
  readonly #ctx: EmbeddedContext;
  readonly streams: StreamRegistry;
  readonly consumers: ConsumerRegistry;
  readonly publisher: Publisher;
  readonly writer: SettleWriter;
  readonly live = new LiveSubscriptions();

  constructor(ctx: EmbeddedContext) {
    this.#ctx = ctx;
    this.streams = new StreamRegistry(ctx);
    this.writer = new SettleWriter(ctx);
    this.consumers = new ConsumerRegistry(ctx, this.streams, this.writer);
    this.streams.onDelete = (rec) => this.consumers.streamDeleted(rec);
    this.publisher = new Publisher(ctx, this.streams, {
      streamsChanged: (changed) => this.consumers.streamsChanged(changed),
      stored: (_rec, message) => this.live.stored(message),
      wantsMessages: () => this.live.size > 0,
      hasInterest: (rec, subject) => this.consumers.hasInterest(rec, subject),
    });
  }

  async ensureStream(config: StreamConfig): Promise<StreamInfo> {
    return this.streams.ensure(config);
  }

  async streamInfo(name: string): Promise<StreamInfo | null> {
    return this.streams.info(name);
  }

  async deleteStream(name: string): Promise<boolean> {
    // Publishes queued for this stream fail with NoStreamForSubject at flush (record.deleted).
    this.writer.flush();
    return this.streams.delete(name);
  }

  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishAck> {
    return this.publisher.publish(subject, data, options);
  }

  async ensureConsumer(stream: string, config: ConsumerConfig): Promise<void> {
    this.consumers.ensure(stream, config);
  }

  async deleteConsumer(stream: string, durable: string): Promise<boolean> {
    return this.consumers.delete(stream, durable);
  }

  async consume(stream: string, durable: string, options?: ConsumeOptions): Promise<MessageStream> {
    return this.consumers.consume(stream, durable, options);
  }

  replay(stream: string, options?: ReplayOptions): AsyncIterable<StoredMessage> {
    return replay(this.#ctx, this.streams, stream, options ?? {});
  }

  async subscribe(subject: string): Promise<LiveSubscription> {
    return this.live.subscribe(this.#ctx, this.streams, subject);
  }

  /** Housekeeping: age limits and dedupe windows. */
  expire(now: number): void {
    for (const rec of this.streams.all()) rec.expire(now);
  }

  /** Stop consumers and subscriptions; with `flush`, commit queued publishes and settlements first. */
  shutdown(flush: boolean): void {
    if (flush) this.publisher.flush();
    else this.publisher.abandon();
    this.consumers.endAll(flush);
    // Settlements (including the give-backs above) are committed before the database closes.
    this.writer.flush();
    this.live.closeAll();
  }
}
