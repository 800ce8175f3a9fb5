/**
 * Request/reply on core NATS with queue groups (no JetStream: requests are
 * not stored, a missed request is the caller's timeout).
 *
 * Error convention on the wire: when a handler throws, the server replies with
 * the header `Scopilot-Error: <message>` (CR/LF folded, at most 1 KiB) and the
 * full error message as the UTF-8 body. `request` sees the header and throws an
 * `Error` whose message is that body. A handler that throws never takes the
 * process down. A reply without the header is always a success, even if empty.
 */
import { headers, type Msg, type Subscription } from '@nats-io/nats-core';
import { RpcNoRespondersError, RpcTimeoutError } from '../errors.ts';
import type { Rpc, RpcHandler, RpcService } from '../types.ts';
import type { NatsContext } from './connection.ts';
import { errorMessage, isNoResponders, isTimeout, mapCommon } from './nats-errors.ts';

export const RPC_ERROR_HEADER = 'Scopilot-Error';
export const DEFAULT_RPC_TIMEOUT_MS = 5_000;
const MAX_HEADER_CHARS = 1_024;

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class NatsRpc implements Rpc {
  readonly #ctx: NatsContext;
  readonly #services = new Set<NatsRpcService>();

  constructor(ctx: NatsContext) {
    this.#ctx = ctx;
  }

  serve(subject: string, queueGroup: string, handler: RpcHandler): RpcService {
    const service = new NatsRpcService(this.#ctx, subject, queueGroup, handler, () =>
      this.#services.delete(service),
    );
    this.#services.add(service);
    return service;
  }

  async request(subject: string, data: Uint8Array, timeoutMs = DEFAULT_RPC_TIMEOUT_MS): Promise<Uint8Array> {
    let reply: Msg;
    try {
      reply = await this.#ctx.nc.request(subject, data, { timeout: timeoutMs });
    } catch (error) {
      if (isNoResponders(error)) throw new RpcNoRespondersError(subject);
      if (isTimeout(error)) throw new RpcTimeoutError(subject, timeoutMs);
      throw mapCommon(error);
    }
    if (reply.headers?.has(RPC_ERROR_HEADER)) {
      const body = decoder.decode(reply.data);
      throw new Error(body || reply.headers.get(RPC_ERROR_HEADER));
    }
    return reply.data;
  }

  /** Stop taking requests and wait for the handlers already running (used by drain). */
  async stopAll(): Promise<void> {
    await Promise.allSettled([...this.#services].map((s) => s.stop()));
  }
}

class NatsRpcService implements RpcService {
  readonly #ctx: NatsContext;
  readonly #handler: RpcHandler;
  readonly #sub: Subscription;
  readonly #inflight = new Set<Promise<void>>();
  readonly #onStop: () => void;
  #stopping: Promise<void> | null = null;

  constructor(
    ctx: NatsContext,
    subject: string,
    queueGroup: string,
    handler: RpcHandler,
    onStop: () => void,
  ) {
    this.#ctx = ctx;
    this.#handler = handler;
    this.#onStop = onStop;
    this.#sub = ctx.nc.subscribe(subject, {
      queue: queueGroup,
      callback: (err, msg) => {
        if (err) {
          ctx.log('error', 'rpc subscription error', { subject, error: err.message });
          return;
        }
        const running: Promise<void> = this.#handle(msg)
          .catch((error: unknown) =>
            ctx.log('error', 'rpc handling failed', { subject, error: errorMessage(error) }),
          )
          .finally(() => this.#inflight.delete(running));
        this.#inflight.add(running);
      },
    });
  }

  async #handle(msg: Msg): Promise<void> {
    let out: Uint8Array;
    try {
      out = await this.#handler(msg.data, msg.subject);
    } catch (error) {
      const message = errorMessage(error) || 'rpc handler failed';
      this.#ctx.log('warn', 'rpc handler threw', { subject: msg.subject, error: message });
      const h = headers();
      h.set(RPC_ERROR_HEADER, message.replace(/[\r\n]+/g, ' ').slice(0, MAX_HEADER_CHARS));
      this.#respond(msg, encoder.encode(message), h);
      return;
    }
    this.#respond(msg, out);
  }

  #respond(msg: Msg, data: Uint8Array, h?: ReturnType<typeof headers>): void {
    if (!msg.reply) return; // a plain publish: nobody waits for an answer
    try {
      msg.respond(data, h ? { headers: h } : undefined);
    } catch (error) {
      // The connection closed while the handler ran; the requester times out.
      this.#ctx.log('debug', 'rpc reply dropped', { subject: msg.subject, error: errorMessage(error) });
    }
  }

  stop(): Promise<void> {
    this.#stopping ??= (async () => {
      try {
        await this.#sub.drain();
      } catch {
        // Already closed: nothing left to drain.
      }
      await Promise.allSettled([...this.#inflight]);
      this.#onStop();
    })();
    return this.#stopping;
  }
}
