import { describe, expect, test } from 'bun:test';
import { MINUTE_MS, ProviderLimiter, retryAfterMs, TokenBucket } from './rate-limit.ts';

describe('TokenBucket', () => {
  test('starts full, empties, and refills continuously', () => {
    const b = new TokenBucket({ count: 4, perMs: MINUTE_MS }, 0);
    for (let i = 0; i < 4; i += 1) expect(b.take(0)).toBe(true);
    expect(b.take(0)).toBe(false);
    expect(b.msUntilToken(0)).toBe(15_000);
    expect(b.take(14_999)).toBe(false);
    expect(b.take(15_000)).toBe(true);
    expect(b.take(15_000)).toBe(false);
  });

  test('never holds more than its count, however long it idles', () => {
    const b = new TokenBucket({ count: 2, perMs: 1_000 }, 0);
    expect(b.available(1_000_000)).toBe(2);
  });

  test('a clock going backwards neither adds nor removes tokens', () => {
    const b = new TokenBucket({ count: 1, perMs: 1_000 }, 10_000);
    expect(b.take(10_000)).toBe(true);
    expect(b.take(5_000)).toBe(false);
    expect(b.take(11_000)).toBe(true);
  });

  test('refuses a meaningless limit', () => {
    expect(() => new TokenBucket({ count: 0, perMs: 1_000 }, 0)).toThrow(RangeError);
  });
});

describe('ProviderLimiter', () => {
  test('takes from every window or from none', () => {
    const l = new ProviderLimiter(
      [
        { count: 4, perMs: MINUTE_MS },
        { count: 5, perMs: 86_400_000 },
      ],
      0,
    );
    for (let i = 0; i < 4; i += 1) expect(l.tryAcquire(0)).toBe(true);
    // The minute window is empty: the day window must not lose a token for a refused call.
    expect(l.tryAcquire(1)).toBe(false);
    expect(l.state(1).limits.map((x) => x.available)).toEqual([0, 1]);
    expect(l.tryAcquire(MINUTE_MS)).toBe(true);
    // Now the day window is empty even though the minute one refilled.
    expect(l.tryAcquire(2 * MINUTE_MS)).toBe(false);
    expect(l.state(2 * MINUTE_MS).nextAllowedAtMs).toBeGreaterThan(2 * MINUTE_MS + 10 * MINUTE_MS);
  });

  test('a cooldown holds every request until it ends, and is never shortened', () => {
    const l = new ProviderLimiter([{ count: 100, perMs: 1_000 }], 0);
    l.coolDown(5_000);
    l.coolDown(2_000);
    expect(l.tryAcquire(4_999)).toBe(false);
    expect(l.state(4_999)).toMatchObject({ cooldownUntilMs: 5_000, nextAllowedAtMs: 5_000 });
    expect(l.tryAcquire(5_000)).toBe(true);
    expect(l.state(5_000).cooldownUntilMs).toBeNull();
  });

  test('no limits at all means always allowed', () => {
    const l = new ProviderLimiter([], 0);
    expect(l.tryAcquire(0)).toBe(true);
    expect(l.state(0)).toEqual({ limits: [], cooldownUntilMs: null, nextAllowedAtMs: 0 });
  });
});

describe('retryAfterMs', () => {
  const now = Date.parse('2024-05-01T12:00:00Z');
  test('reads delay-seconds', () => {
    expect(retryAfterMs('120', now)).toBe(120_000);
    expect(retryAfterMs(' 0 ', now)).toBe(0);
  });
  test('reads an HTTP date', () => {
    expect(retryAfterMs('Wed, 01 May 2024 12:00:30 GMT', now)).toBe(30_000);
    expect(retryAfterMs('Wed, 01 May 2024 11:00:00 GMT', now)).toBe(0);
  });
  test('null when absent or unreadable', () => {
    expect(retryAfterMs(null, now)).toBeNull();
    expect(retryAfterMs('', now)).toBeNull();
    expect(retryAfterMs('soon', now)).toBeNull();
    expect(retryAfterMs('-5', now)).toBeNull();
  });
});
