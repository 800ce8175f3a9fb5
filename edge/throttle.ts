/**
 * Failed sign-ins per client address: after `max` failures within `windowMs`
 * the address is refused (429 with Retry-After) until that window ends,
 * whatever it sends, so a token cannot be guessed by trying. One throttle
 * serves the dashboard's login and the API's bearer tokens.
 *
 * It lives in the process: each edge replica counts on its own, so with N
 * replicas an address gets at most N × max tries per window. A success does
 * not reset the count (a valid low-role token must not buy more guesses).
 * IPv6 addresses count per /64, what one host usually holds. The table is
 * bounded: expired entries go first, then the oldest.
 */
import type { Context } from 'hono';

export interface ThrottleOptions {
  /** Failures allowed per window (default 10). */
  max?: number;
  /** The window, from an address's first failure (default 60 s). */
  windowMs?: number;
  /** Addresses remembered at most (default 10,000). */
  maxEntries?: number;
  now?: () => number;
}

interface Entry {
  startMs: number;
  failures: number;
}

export class FailureThrottle {
  readonly max: number;
  readonly windowMs: number;
  readonly #maxEntries: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(o: ThrottleOptions = {}) {
    this.max = o.max ?? 10;
    this.windowMs = o.windowMs ?? 60_000;
    this.#maxEntries = o.maxEntries ?? 10_000;
    this.#now = o.now ?? Date.now;
  }

  #live(address: string): Entry | null {
    const entry = this.#entries.get(addressKey(address));
    if (entry === undefined) return null;
    if (this.#now() - entry.startMs < this.windowMs) return entry;
    this.#entries.delete(addressKey(address));
    return null;
  }

  /** Seconds until `address` may try again, or 0 when it may now. */
  retryAfter(address: string): number {
    const entry = this.#live(address);
    if (entry === null || entry.failures < this.max) return 0;
    return Math.max(1, Math.ceil((entry.startMs + this.windowMs - this.#now()) / 1000));
  }

  /** Count one failure of `address`. */
  fail(address: string): void {
    const entry = this.#live(address);
    if (entry !== null) {
      entry.failures++;
      return;
    }
    if (this.#entries.size >= this.#maxEntries) this.#evict();
    this.#entries.set(addressKey(address), { startMs: this.#now(), failures: 1 });
  }

  /** How many addresses are remembered. */
  get size(): number {
    return this.#entries.size;
  }

  #evict(): void {
    const now = this.#now();
    for (const [key, e] of this.#entries) if (now - e.startMs >= this.windowMs) this.#entries.delete(key);
    // Still full: the oldest go (a Map iterates in insertion order).
    for (const key of this.#entries.keys()) {
      if (this.#entries.size < this.#maxEntries) break;
      this.#entries.delete(key);
    }
  }
}

/** What an address is counted under: IPv4 as is (also when IPv4-mapped), IPv6 by its /64. */
export function addressKey(address: string): string {
  const plain = address.replace(/%.*$/, '').toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(plain);
  if (mapped?.[1] !== undefined) return mapped[1];
  if (!plain.includes(':')) return plain;
  const [head = '', tail] = plain.split('::', 2);
  const left = head === '' ? [] : head.split(':');
  const right = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups =
    tail === undefined
      ? left
      : [...left, ...Array(Math.max(0, 8 - left.length - right.length)).fill('0'), ...right];
  return `${groups
    .slice(0, 4)
    .map((g) => g.replace(/^0+(?=.)/, ''))
    .join(':')}::/64`;
}

type ServerEnv = {
  requestIP?: (request: Request) => { address?: string } | null;
  remoteAddr?: { hostname?: unknown };
};

/**
 * The peer address of the connection a request came on: Bun's server (the
 * env of `fetch`) or Deno's serve info. Null for a request made in-process
 * (the MCP server's calls into the API, tests), which has no peer.
 */
export function clientAddress(c: Context): string | null {
  const env = c.env as ServerEnv | undefined;
  if (env === undefined || env === null) return null;
  try {
    if (typeof env.requestIP === 'function') return env.requestIP(c.req.raw)?.address ?? null;
  } catch {
    return null;
  }
  const host = env.remoteAddr?.hostname;
  return typeof host === 'string' && host !== '' ? host : null;
}
