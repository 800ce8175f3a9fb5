/**
 * EventLog on JetStream: stream and durable-consumer management plus publish.
 * Consuming lives in consumer.ts, replay and live subscriptions in replay.ts;
 * this class only wires them to the shared connection.
 */
import type { JetStreamPublishOptions, ConsumerConfig as JsConsumerConfig } from '@nats-io/jetstream';
import { NoStreamForSubjectError, StreamNotFoundError } from '../errors.ts';
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
import { desiredConsumer, fromJsStreamInfo, toJsStreamConfig } from './config.ts';
import type { NatsContext } from './connection.ts';
import { consume } from './consumer.ts';
import { clusterHealth } from './health.ts';
import {
  ApiCode,
  apiCode,
  errorMessage,
  isClosed,
  isNoResponders,
  isTransient,
  jitteredBackoff,
  mapCommon,
  sleep,
} from './nats-errors.ts';
import { replay, subscribe } from './replay.ts';

/** Unique msgIds, cheaply: a random prefix per process and a counter (a UUID per publish costs more). */
const MSG_ID_PREFIX = `a${crypto.randomUUID().slice(0, 12)}-`;
let msgIdCounter = 0;
const nextMsgId = (): string => MSG_ID_PREFIX + (msgIdCounter++).toString(36);

export class NatsEventLog implements EventLog {
  readonly #ctx: NatsContext;
  readonly #inflight = new Set<Promise<void>>();

  constructor(ctx: NatsContext) {
    this.#ctx = ctx;
  }

  async ensureStream(config: StreamConfig): Promise<StreamInfo> {
    const { jsm } = this.#ctx;
    const wanted = toJsStreamConfig(config);
    try {
      return fromJsStreamInfo(await jsm.streams.add(wanted));
    } catch (error) {
      // 10058: a stream with this name exists with another config; update it in place.
      if (apiCode(error) !== 10058) throw mapCommon(error);
    }
    try {
      const { name, ...update } = wanted;
      return fromJsStreamInfo(await jsm.streams.update(name, update));
    } catch (error) {
      throw mapCommon(error);
    }
  }

  async streamInfo(name: string): Promise<StreamInfo | null> {
    try {
      return fromJsStreamInfo(await this.#ctx.jsm.streams.info(name));
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) return null;
      throw mapCommon(error);
    }
  }

  async deleteStream(name: string): Promise<boolean> {
    try {
      return await this.#ctx.jsm.streams.delete(name);
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) return false;
      throw mapCommon(error);
    }
  }

  /**
   * Resolves on the PubAck. Timeouts and connection trouble are retried with the
   * same msgId until `publishRetryMs` runs out: JetStream's dedupe window turns a
   * retry of a publish that did land into a duplicate, never a second copy.
   */
  publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishAck> {
    const running = this.#publish(subject, data, options);
    // Tracked so drain() can wait for PubAcks before it drains the reply inbox.
    const settled = running.then(
      () => {},
      () => {},
    );
    this.#inflight.add(settled);
    void settled.then(() => this.#inflight.delete(settled));
    return running;
  }

  /** Resolves once every publish started so far (and any started meanwhile) has settled. */
  async settlePublishes(): Promise<void> {
    while (this.#inflight.size > 0) await Promise.all([...this.#inflight]);
  }

  async #publish(subject: string, data: Uint8Array, options?: PublishOptions): Promise<PublishAck> {
    // A msgId of our own even when the caller gave none, so a retry after a lost ack dedupes.
    const { js, log, publishRetryMs, publishAttemptTimeoutMs } = this.#ctx;
    const callerId = options?.msgId;
    const msgID = callerId ?? nextMsgId();
    const deadline = Date.now() + publishRetryMs;
    for (let attempt = 0; ; attempt++) {
      const opts: Partial<JetStreamPublishOptions> = {
        msgID,
        timeout: Math.max(250, Math.min(publishAttemptTimeoutMs, deadline - Date.now())),
      };
      if (options?.expectStream !== undefined) opts.expect = { streamName: options.expectStream };
      try {
        const pa = await js.publish(subject, data, opts);
        // With our own msgId a "duplicate" can only be an earlier attempt of this very call.
        const duplicate = callerId === undefined ? false : pa.duplicate;
        return { stream: pa.stream, seq: pa.seq, duplicate };
      } catch (error) {
        if (isNoResponders(error)) throw new NoStreamForSubjectError(subject);
        if (isClosed(error)) throw mapCommon(error);
        if (!isTransient(error) || Date.now() >= deadline) throw mapCommon(error);
        const wait = jitteredBackoff(attempt, 100, 2_000);
        log('warn', 'publish retry', { subject, attempt, waitMs: wait, error: errorMessage(error) });
        await sleep(Math.min(wait, Math.max(0, deadline - Date.now())));
      }
    }
  }

  async ensureConsumer(stream: string, config: ConsumerConfig): Promise<void> {
    const { jsm, log } = this.#ctx;
    const wanted = desiredConsumer(config);
    let existing: JsConsumerConfig | undefined;
    try {
      existing = (await jsm.consumers.info(stream, config.durable)).config;
    } catch (error) {
      const code = apiCode(error);
      if (code === ApiCode.StreamNotFound) throw new StreamNotFoundError(stream);
      if (code !== ApiCode.ConsumerNotFound) throw mapCommon(error);
    }
    try {
      if (existing === undefined) {
        await jsm.consumers.add(stream, wanted);
        return;
      }
      if (existing.deliver_policy !== wanted.deliver_policy) {
        // The server cannot change where a durable starts; its position already moved on.
        log('debug', 'consumer deliver policy differs, kept', { stream, durable: config.durable });
      }
      const changed =
        existing.ack_wait !== wanted.ack_wait ||
        existing.max_deliver !== wanted.max_deliver ||
        (wanted.max_ack_pending !== undefined && existing.max_ack_pending !== wanted.max_ack_pending) ||
        (existing.filter_subject || undefined) !== wanted.filter_subject;
      if (!changed) return;
      const update: Partial<JsConsumerConfig> = {
        ack_wait: wanted.ack_wait,
        max_deliver: wanted.max_deliver,
      };
      // Only a concrete filter: the client turns an empty one into a malformed API subject.
      if (wanted.filter_subject !== undefined) update.filter_subject = wanted.filter_subject;
      if (wanted.max_ack_pending !== undefined) update.max_ack_pending = wanted.max_ack_pending;
      await jsm.consumers.update(stream, config.durable, update);
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) throw new StreamNotFoundError(stream);
      throw mapCommon(error);
    }
  }

  async deleteConsumer(stream: string, durable: string): Promise<boolean> {
    try {
      return await this.#ctx.jsm.consumers.delete(stream, durable);
    } catch (error) {
      const code = apiCode(error);
      if (code === ApiCode.ConsumerNotFound || code === ApiCode.StreamNotFound) return false;
      throw mapCommon(error);
    }
  }

  consume(stream: string, durable: string, options?: ConsumeOptions): Promise<MessageStream> {
    return consume(this.#ctx, stream, durable, options);
  }

  replay(stream: string, options?: ReplayOptions): AsyncIterable<StoredMessage> {
    return replay(this.#ctx, stream, options ?? {});
  }

  subscribe(subject: string): Promise<LiveSubscription> {
    return subscribe(this.#ctx, subject);
  }

  health(names: { streams: string[]; buckets: string[] }) {
    return clusterHealth(this.#ctx, names);
  }
}
