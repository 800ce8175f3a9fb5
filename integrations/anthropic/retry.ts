/**
 * Retry policy for Messages API calls, kept pure so tests can pin it down:
 * which failures are worth another attempt (429 rate limited, 529 overloaded,
 * other 5xx, 408), how long to wait (the server's retry-after when it gives
 * one, otherwise exponential backoff with jitter so parallel callers spread).
 */

export interface BackoffOptions {
  baseDelayMs: number;
  maxDelayMs: number;
  /** In [0, 1); injectable for tests. */
  random: () => number;
}

/** 501 means "never going to work"; every other 5xx, 429 and 408 may pass on a later attempt. */
export const isRetryableStatus = (status: number): boolean =>
  status === 408 || status === 429 || (status >= 500 && status !== 501);

/**
 * Delay before attempt `attempt + 1` (attempt counts from 1): "equal jitter",
 * half fixed and half random, so there is always some wait but callers that
 * failed together do not retry together.
 */
export function backoffMs(attempt: number, o: BackoffOptions): number {
  const cap = Math.min(o.maxDelayMs, o.baseDelayMs * 2 ** Math.max(0, attempt - 1));
  return Math.round(cap / 2 + o.random() * (cap / 2));
}

/**
 * The server's wish, in ms: `retry-after-ms` (Anthropic sends it), else
 * `retry-after` as seconds or an HTTP date. Null when absent or unreadable.
 */
export function retryAfterMs(headers: Headers | undefined, nowMs: number): number | null {
  if (headers === undefined) return null;
  const ms = headers.get('retry-after-ms');
  if (ms !== null && /^\d+(\.\d+)?$/.test(ms.trim())) return Math.ceil(Number(ms));
  const raw = headers.get('retry-after')?.trim();
  if (raw === undefined || raw === '') return null;
  if (/^\d+(\.\d+)?$/.test(raw)) return Math.ceil(Number(raw) * 1000);
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}
