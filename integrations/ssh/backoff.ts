/**
 * When to try a lost connection again: exponential, capped, with jitter, so
 * many tails that lost the same server do not all knock at the same instant.
 */

export interface Backoff {
  /** Delay after the first failure. */
  baseMs: number;
  /** The delay never grows beyond this. */
  maxMs: number;
}

export const DEFAULT_BACKOFF: Backoff = { baseMs: 1_000, maxMs: 30_000 };

/** The delay after `failures` consecutive failed attempts (0 after a working connection dropped): between half and all of the capped exponential. */
export function backoffDelay(failures: number, backoff: Backoff, random: () => number = Math.random): number {
  const ceiling = Math.min(backoff.maxMs, backoff.baseMs * 2 ** Math.max(0, failures - 1));
  return Math.round(ceiling / 2 + (random() * ceiling) / 2);
}
