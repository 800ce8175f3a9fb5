import { describe, expect, test } from 'bun:test';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry.ts';

describe('retry policy', () => {
  test('retries 408, 429, 5xx and 529, but not 4xx or 501', () => {
    expect([408, 429, 500, 502, 503, 504, 529].every(isRetryableStatus)).toBe(true);
    expect([400, 401, 403, 404, 413, 501].some(isRetryableStatus)).toBe(false);
  });

  test('backoff doubles per attempt, is capped, and jitters within the upper half', () => {
    const o = { baseDelayMs: 100, maxDelayMs: 1000, random: () => 0 };
    expect([1, 2, 3, 4, 5].map((a) => backoffMs(a, o))).toEqual([50, 100, 200, 400, 500]);
    expect(backoffMs(3, { ...o, random: () => 0.999999 })).toBe(400);
  });

  test('retry-after-ms wins, then retry-after seconds, then an HTTP date', () => {
    const now = Date.UTC(2026, 5, 20, 12, 0, 0);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '250.4', 'retry-after': '9' }), now)).toBe(251);
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }), now)).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(now + 5000).toUTCString() }), now)).toBe(5000);
    expect(retryAfterMs(new Headers({ 'retry-after': 'soon' }), now)).toBeNull();
    expect(retryAfterMs(new Headers(), now)).toBeNull();
    expect(retryAfterMs(undefined, now)).toBeNull();
  });
});
