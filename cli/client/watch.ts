/**
 * `scopilot watch`: follow `/api/v1/flows/stream` (Server-Sent Events) and
 * print one line per flow delta until Ctrl-C. A stream that ends or breaks
 * after it was open is reopened with jittered exponential backoff (resuming
 * from the last event id when the server gives ids); failing to connect at
 * all, or being refused, ends the command with exit 1.
 */
import { type BackoffPolicy, backoffDelay } from '../../engine/backoff.ts';
import type { Group } from './args.ts';
import { integer, parse } from './args.ts';
import { ApiClient, ApiError } from './http.ts';
import { sgtNames } from './names.ts';
import { isRecord, num, out, pair, type SgtNames, when } from './output.ts';
import { SseParser } from './sse.ts';

const USAGE = 'watch [--sgt TAG] [--dgt TAG] [--count N] [--json]';
const CONNECT_TIMEOUT_MS = 30_000;
/** The server sends a comment every 15 s: this much silence means the connection is dead. */
const IDLE_TIMEOUT_MS = 45_000;
const BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 30_000 };
const STABLE_MS = 10_000;

/** `Employees (4) → 20  tcp/443  hits 5  events 1  permit`, prefixed with when it was last seen. */
export function flowLine(delta: Record<string, unknown>, nowMs = Date.now(), names?: SgtNames): string {
  const at = delta.lastSeen ?? delta.lastSeenMs ?? nowMs;
  const port = (p: unknown) => (p === undefined || p === null ? 'any' : String(p));
  const src = delta.srcPort !== undefined && delta.srcPort !== 'any' ? ` src ${port(delta.srcPort)}` : '';
  const actions =
    Array.isArray(delta.actions) && delta.actions.length > 0 ? `  ${delta.actions.join('/')}` : '';
  return (
    `${when(at)}  ${pair(delta.sgt, delta.dgt, names)}  ` +
    `${String(delta.protocol ?? '?')}/${port(delta.dstPort)}${src}  hits ${num(delta.hits)}  ` +
    `events ${num(delta.events)}${actions}`
  );
}

/** Resolves after `ms`, or at once when `signal` aborts. */
function pause(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const timer = setTimeout(done, ms);
    function done() {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    }
    signal.addEventListener('abort', done, { once: true });
  });
}

interface WatchState {
  printed: number;
  limit: number;
  json: boolean;
  query: Record<string, string | undefined>;
  parser: SseParser;
  /** When the last connection was answered; 0 before the first. */
  openedAt: number;
  /** The SGT dictionary, read again on every connection. */
  names: SgtNames;
}

/** One connection: prints until the stream ends, breaks, or the limit is reached. */
async function follow(client: ApiClient, stop: AbortSignal, s: WatchState): Promise<void> {
  const connection = new AbortController();
  const abort = () => connection.abort();
  stop.addEventListener('abort', abort, { once: true });
  const connectTimer = setTimeout(abort, CONNECT_TIMEOUT_MS);
  try {
    let response: Response;
    try {
      response = await client.request('GET', '/api/v1/flows/stream', {
        query: s.query,
        timeoutMs: 0,
        signal: connection.signal,
        headers: {
          accept: 'text/event-stream',
          ...(s.parser.lastEventId === undefined ? {} : { 'last-event-id': s.parser.lastEventId }),
        },
      });
    } catch (error) {
      if (!stop.aborted && (error as Error).name === 'AbortError')
        throw new ApiError(0, `cannot reach ${client.base}: no answer within ${CONNECT_TIMEOUT_MS / 1000} s`);
      throw error;
    } finally {
      clearTimeout(connectTimer);
    }
    console.error(
      s.openedAt === 0
        ? `scopilot: watching flows at ${client.base}; Ctrl-C to stop`
        : 'scopilot: reconnected',
    );
    s.openedAt = Date.now();
    s.parser.reset();
    if (!s.json) s.names = await sgtNames(client);
    if (response.body === null) return;
    const decoder = new TextDecoder();
    let idle = setTimeout(abort, IDLE_TIMEOUT_MS);
    try {
      for await (const chunk of response.body) {
        clearTimeout(idle);
        idle = setTimeout(abort, IDLE_TIMEOUT_MS);
        for (const event of s.parser.push(decoder.decode(chunk, { stream: true }))) {
          if (event.event !== 'flow') continue;
          let delta: unknown;
          try {
            delta = JSON.parse(event.data);
          } catch {
            console.error(`scopilot: skipped a flow event that is not JSON: ${event.data.slice(0, 120)}`);
            continue;
          }
          await out(
            s.json ? JSON.stringify(delta) : flowLine(isRecord(delta) ? delta : {}, Date.now(), s.names),
          );
          s.printed++;
          if (s.printed >= s.limit) {
            connection.abort();
            return;
          }
        }
      }
    } catch (error) {
      if (connection.signal.aborted && !stop.aborted)
        throw new ApiError(0, `no data from ${client.base} for ${IDLE_TIMEOUT_MS / 1000} s`);
      throw error;
    } finally {
      clearTimeout(idle);
    }
  } finally {
    stop.removeEventListener('abort', abort);
  }
}

const retryable = (error: unknown): boolean =>
  error instanceof ApiError
    ? error.status === 0 || error.status >= 500
    : (error as Error).name !== 'UsageError';

export async function runWatch(args: string[]): Promise<number> {
  const { values } = parse(
    args,
    {
      json: { type: 'boolean', default: false },
      count: { type: 'string' },
      sgt: { type: 'string' },
      dgt: { type: 'string' },
    },
    [],
    USAGE,
  );
  const limit =
    values.count === undefined ? Number.POSITIVE_INFINITY : integer(values.count, '--count', 1, 1e9);
  const client = new ApiClient();
  const stop = new AbortController();
  const onSignal = () => stop.abort();
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const tag = (text: string | undefined, flag: string) =>
    text === undefined ? undefined : String(integer(text, flag, 0, 65535));
  const state: WatchState = {
    printed: 0,
    limit,
    json: values.json,
    query: { sgt: tag(values.sgt, '--sgt'), dgt: tag(values.dgt, '--dgt') },
    parser: new SseParser(),
    openedAt: 0,
    names: new Map(),
  };
  let attempt = 0;
  try {
    while (!stop.signal.aborted && state.printed < limit) {
      let reason = 'the stream ended';
      const openedBefore = state.openedAt;
      try {
        await follow(client, stop.signal, state);
      } catch (error) {
        if (stop.signal.aborted) break;
        // Before the first connection a failure is the answer; afterwards it is a disconnect to ride out.
        if (state.openedAt === 0 || !retryable(error)) throw error;
        const code = (error as { code?: unknown }).code;
        reason =
          error instanceof ApiError || typeof code !== 'string'
            ? (error as Error).message
            : `the connection was lost (${code})`;
      }
      // A connection that held for a while starts the backoff afresh.
      if (state.openedAt !== openedBefore && Date.now() - state.openedAt > STABLE_MS) attempt = 0;
      if (stop.signal.aborted || state.printed >= limit) break;
      attempt++;
      const delay = Math.max(backoffDelay(attempt, BACKOFF), state.parser.retryMs ?? 0);
      console.error(`scopilot: ${reason}; reconnecting in ${(delay / 1000).toFixed(1)} s`);
      await pause(delay, stop.signal);
    }
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
  return 0;
}

export const watchCommand: Group = { name: 'watch', help: [`scopilot ${USAGE}`], run: runWatch };
