/**
 * A tenant's `flows.observed` deltas as Server-Sent Events, with Web streams
 * only (it runs under Bun.serve and Deno.serve alike). The subscription is
 * made before the response is returned, so anything published once a client
 * holds the response reaches it. Each delta is an event `flow` whose id is
 * its stream sequence; a comment every 15 s keeps proxies from closing an
 * idle connection. When the client goes away (the body is cancelled or the
 * request aborted), the subscription ends.
 *
 * Decisions: no replay from `Last-Event-ID` (the inventory is the history; the
 * stream is for watching); a client more than MAX_BACKLOG events behind is
 * disconnected rather than buffered without bound, and can reconnect.
 */
import type { Logger } from '../../engine/log.ts';
import type { EventLog } from '../../engine/types.ts';
import { decodeMessage, FlowObserved } from '../../streams/mod.ts';

export const HEARTBEAT_MS = 15_000;
const MAX_BACKLOG = 10_000;

const encoder = new TextEncoder();

export interface FlowStreamOptions {
  log: EventLog;
  subject: string;
  logger: Logger;
  /** Only deltas of these tags. */
  sgt?: number;
  dgt?: number;
  heartbeatMs?: number;
  /** The request's signal: an abort ends the stream. */
  signal?: AbortSignal;
}

/** Subscribe, then answer with the event stream. */
export async function flowEventStream(o: FlowStreamOptions): Promise<Response> {
  const sub = await o.log.subscribe(o.subject);
  let controller: ReadableStreamDefaultController<Uint8Array> | null = null;
  let timer: ReturnType<typeof setInterval> | undefined;
  let stopped = false;

  const stop = (): void => {
    if (stopped) return;
    stopped = true;
    clearInterval(timer);
    o.signal?.removeEventListener('abort', stop);
    sub.unsubscribe();
    try {
      controller?.close();
    } catch {
      // Already closed or cancelled by the client.
    }
  };
  const send = (text: string): void => {
    if (!stopped) controller?.enqueue(encoder.encode(text));
  };

  async function pump(): Promise<void> {
    try {
      for await (const message of sub) {
        let delta: FlowObserved;
        try {
          delta = decodeMessage(message.data, FlowObserved).data;
        } catch (error) {
          o.logger.warn({ err: error, seq: message.seq }, 'flow stream: skipping a malformed delta');
          continue;
        }
        if ((o.sgt !== undefined && delta.sgt !== o.sgt) || (o.dgt !== undefined && delta.dgt !== o.dgt)) {
          continue;
        }
        send(`event: flow\nid: ${message.seq}\ndata: ${JSON.stringify(delta)}\n\n`);
        if ((controller?.desiredSize ?? 0) < -MAX_BACKLOG) {
          send(': too far behind; reconnect to continue\n\n');
          break;
        }
      }
    } catch (error) {
      o.logger.warn({ err: error }, 'flow stream: subscription ended');
    } finally {
      stop();
    }
  }

  const body = new ReadableStream<Uint8Array>(
    {
      start(c) {
        controller = c;
        if (o.signal?.aborted) return stop();
        o.signal?.addEventListener('abort', stop, { once: true });
        send(': subscribed\n\n');
        timer = setInterval(() => send(': heartbeat\n\n'), o.heartbeatMs ?? HEARTBEAT_MS);
        void pump();
      },
      cancel() {
        stop();
      },
    },
    new CountQueuingStrategy({ highWaterMark: 64 }),
  );
  return new Response(body, {
    headers: {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-cache',
      'x-accel-buffering': 'no',
    },
  });
}
