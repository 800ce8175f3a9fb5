/**
 * Our side of the providers' quotas. Free tiers are small (VirusTotal: 4 a
 * minute and 500 a day), and a burst of new destinations must not burn a
 * day's quota in seconds or get the key blocked. Each provider gets token
 * buckets, one per window, and a cooldown set by a 429's Retry-After. All
 * pure: the caller passes the time, so tests drive a clock by hand.
 * State is per process; the threat role runs once per installation.
 */

/** At most `count` requests per `perMs`, refilled continuously. */
export interface RateLimit {
  count: number;
  perMs: number;
}

export const MINUTE_MS = 60_000;
export const DAY_MS = 86_400_000;

export class TokenBucket {
  readonly limit: RateLimit;
  #tokens: number;
  #atMs: number;

  constructor(limit: RateLimit, nowMs: number) {
    if (!(limit.count > 0 && limit.perMs > 0))
      throw new RangeError('a rate limit needs count > 0 and perMs > 0');
    this.limit = limit;
    this.#tokens = limit.count;
    this.#atMs = nowMs;
  }

  /** Tokens available at `nowMs` (fractional while refilling). */
  available(nowMs: number): number {
    const elapsed = Math.max(0, nowMs - this.#atMs);
    this.#tokens = Math.min(this.limit.count, this.#tokens + (elapsed * this.limit.count) / this.limit.perMs);
    this.#atMs = Math.max(this.#atMs, nowMs);
    return this.#tokens;
  }

  /** Milliseconds until one whole token is available (0 when one is). */
  msUntilToken(nowMs: number): number {
    const missing = 1 - this.available(nowMs);
    return missing <= 0 ? 0 : Math.ceil((missing * this.limit.perMs) / this.limit.count);
  }

  take(nowMs: number): boolean {
    if (this.available(nowMs) < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}

export interface LimiterState {
  limits: { count: number; perMs: number; available: number }[];
  /** Set while cooling down after a 429. */
  cooldownUntilMs: number | null;
  /** When the next request may go out (now when it may go now). */
  nextAllowedAtMs: number;
}

/** All of a provider's windows, plus the server-imposed cooldown. */
export class ProviderLimiter {
  readonly #buckets: TokenBucket[];
  #cooldownUntilMs = 0;

  constructor(limits: readonly RateLimit[], nowMs: number) {
    this.#buckets = limits.map((l) => new TokenBucket(l, nowMs));
  }

  /** Takes one token from every window, or none when any is empty or a cooldown runs. */
  tryAcquire(nowMs: number): boolean {
    if (nowMs < this.#cooldownUntilMs) return false;
    if (this.#buckets.some((b) => b.available(nowMs) < 1)) return false;
    for (const b of this.#buckets) b.take(nowMs);
    return true;
  }

  /** After a 429: no request before `untilMs` (a later cooldown never shortens a running one). */
  coolDown(untilMs: number): void {
    this.#cooldownUntilMs = Math.max(this.#cooldownUntilMs, untilMs);
  }

  state(nowMs: number): LimiterState {
    const cooling = nowMs < this.#cooldownUntilMs;
    const wait = Math.max(0, ...this.#buckets.map((b) => b.msUntilToken(nowMs)));
    return {
      limits: this.#buckets.map((b) => ({
        count: b.limit.count,
        perMs: b.limit.perMs,
        available: Math.floor(b.available(nowMs)),
      })),
      cooldownUntilMs: cooling ? this.#cooldownUntilMs : null,
      nextAllowedAtMs: Math.max(nowMs + wait, cooling ? this.#cooldownUntilMs : 0),
    };
  }
}

/** `Retry-After` (RFC 9110 §10.2.3) as milliseconds from now: delay-seconds or an HTTP date; null when absent or unreadable. */
export function retryAfterMs(value: string | null | undefined, nowMs: number): number | null {
  const raw = value?.trim();
  if (raw === undefined || raw === '') return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  // An HTTP date always names a month; Date.parse alone would read `-5` as a year.
  if (!/[a-z]{3}/i.test(raw)) return null;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
