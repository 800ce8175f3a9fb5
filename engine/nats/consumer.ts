/**
 * Pulling from a durable JetStream consumer: wraps the client's `consume()`
 * iterator into the engine's MessageStream and JsMsg into DeliveredMessage.
 * Every caller of one durable shares its messages, because all of them pull
 * from the same server-side consumer.
 */
import type { ConsumerMessages, JsMsg } from '@nats-io/jetstream';
import { ConsumerNotFoundError } from '../errors.ts';
import type { ConsumeOptions, DeliveredMessage, MessageStream, StoredMessage } from '../types.ts';
import type { Logger, NatsContext } from './connection.ts';
import { ApiCode, apiCode, errorMessage, mapCommon, sleep } from './nats-errors.ts';

const MSG_ID_HEADER = 'Nats-Msg-Id';

/** Fields common to delivered and replayed messages. */
export function toStored(m: JsMsg): StoredMessage {
  const stored: StoredMessage = {
    subject: m.subject,
    data: m.data,
    seq: m.seq,
    timestampMs: Math.floor(m.info.timestampNanos / 1_000_000),
  };
  const msgId = m.headers?.get(MSG_ID_HEADER);
  if (msgId) stored.msgId = msgId;
  return stored;
}

/** The msgId header, parsed only when someone asks: most consumers never do. */
function lazyMsgId(m: JsMsg): () => string | undefined {
  let parsed = false;
  let value: string | undefined;
  return () => {
    if (!parsed) {
      parsed = true;
      value = m.headers?.get(MSG_ID_HEADER) || undefined;
    }
    return value;
  };
}

/**
 * Settling a message publishes on the connection, which throws once it is
 * closed. Settlement is fire-and-forget in the port, so a failure is logged,
 * never thrown: the server redelivers after the ack wait anyway.
 */
function settle(log: Logger, what: string, m: JsMsg, fn: () => void): void {
  try {
    fn();
  } catch (error) {
    log('warn', `${what} failed`, { seq: m.seq, error: errorMessage(error) });
  }
}

export function toDelivered(m: JsMsg, log: Logger): DeliveredMessage {
  // `m.info` parses the reply subject on every access: read it once.
  const info = m.info;
  const timestampMs = Math.floor(info.timestampNanos / 1_000_000);
  const msgId = lazyMsgId(m);
  return {
    subject: m.subject,
    data: m.data,
    seq: m.seq,
    timestampMs,
    get msgId() {
      return msgId();
    },
    info: { stream: info.stream, seq: m.seq, deliveryCount: info.deliveryCount, timestampMs },
    ack: () => settle(log, 'ack', m, () => m.ack()),
    ackAck: async () => {
      try {
        return await m.ackAck();
      } catch (error) {
        throw mapCommon(error);
      }
    },
    nak: (delayMs?: number) => settle(log, 'nak', m, () => m.nak(delayMs)),
    // nats-server 2.9 only knows a bare "+TERM": "+TERM <reason>" is ignored there and
    // the message comes back. So the reason is logged here instead of sent.
    term: (reason?: string) =>
      settle(log, 'term', m, () => {
        if (reason) log('debug', 'message terminated', { seq: m.seq, reason });
        m.term();
      }),
    working: () => settle(log, 'working', m, () => m.working()),
  };
}

export async function consume(
  ctx: NatsContext,
  stream: string,
  durable: string,
  options?: ConsumeOptions,
): Promise<MessageStream> {
  let messages: ConsumerMessages;
  try {
    // get() checks the consumer exists, so a missing durable fails here and not later.
    const consumer = await ctx.js.consumers.get(stream, durable);
    messages = await consumer.consume({
      max_messages: Math.max(1, options?.batch ?? 256),
      // A vanished consumer ends the iteration with an error instead of waiting for it forever:
      // the owner re-creates it (the actor system restarts its consumers with backoff).
      abort_on_missing_resource: true,
    });
  } catch (error) {
    const code = apiCode(error);
    // Without its stream the durable does not exist either: one error for both.
    if (code === ApiCode.ConsumerNotFound || code === ApiCode.StreamNotFound) {
      throw new ConsumerNotFoundError(stream, durable);
    }
    throw mapCommon(error);
  }
  return new NatsMessageStream(messages, ctx.log);
}

class NatsMessageStream implements MessageStream {
  readonly #messages: ConsumerMessages;
  readonly #log: Logger;
  #stopped = false;

  constructor(messages: ConsumerMessages, log: Logger) {
    this.#messages = messages;
    this.#log = log;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<DeliveredMessage> {
    try {
      for await (const m of this.#messages) {
        // The client may still hold buffered messages after stop(); leave them
        // unsettled so the server redelivers them to another puller.
        if (this.#stopped) break;
        yield toDelivered(m, this.#log);
      }
    } catch (error) {
      if (!this.#stopped) throw mapCommon(error);
    }
  }

  async stop(): Promise<void> {
    if (this.#stopped) return;
    this.#stopped = true;
    // close() settles only once an iterator drains the client's queue; nobody may be
    // iterating, so bound the wait. The pull subscription is gone either way.
    const closed = this.#messages.close().catch((error: unknown) => {
      this.#log('debug', 'consumer close failed', { error: errorMessage(error) });
    });
    await Promise.race([closed, sleep(1_000)]);
  }
}
