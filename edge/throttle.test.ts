import { describe, expect, test } from 'bun:test';
import { addressKey, FailureThrottle } from './throttle.ts';

function clock(start = 1_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => (now += ms) };
}

describe('FailureThrottle', () => {
  test('ten failures in a minute block the address until the minute is over', () => {
    const t = clock();
    const throttle = new FailureThrottle({ now: t.now });
    for (let i = 0; i < 9; i++) throttle.fail('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBe(0);
    throttle.fail('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBe(60);
    expect(throttle.retryAfter('10.0.0.2')).toBe(0);
    t.advance(45_500);
    expect(throttle.retryAfter('10.0.0.1')).toBe(15);
    t.advance(14_500);
    expect(throttle.retryAfter('10.0.0.1')).toBe(0);
    // A fresh window: one failure is not a block.
    throttle.fail('10.0.0.1');
    expect(throttle.retryAfter('10.0.0.1')).toBe(0);
  });

  test('failures spread over more than a window never block', () => {
    const t = clock();
    const throttle = new FailureThrottle({ now: t.now });
    for (let i = 0; i < 30; i++) {
      throttle.fail('10.0.0.1');
      t.advance(7_000);
      expect(throttle.retryAfter('10.0.0.1')).toBe(0);
    }
  });

  test('IPv6 addresses count per /64; IPv4-mapped ones as IPv4', () => {
    const throttle = new FailureThrottle({ max: 2 });
    throttle.fail('2001:db8:1:2::1');
    throttle.fail('2001:0db8:0001:0002:ffff:1:2:3');
    expect(throttle.retryAfter('2001:db8:1:2::99')).toBeGreaterThan(0);
    expect(throttle.retryAfter('2001:db8:1:3::1')).toBe(0);
    expect(addressKey('::ffff:192.0.2.7')).toBe('192.0.2.7');
    expect(addressKey('::1')).toBe('0:0:0:0::/64');
    expect(addressKey('fe80::1%eth0')).toBe('fe80:0:0:0::/64');
    expect(addressKey('192.0.2.7')).toBe('192.0.2.7');
  });

  test('remembers a bounded number of addresses, dropping expired ones first', () => {
    const t = clock();
    const throttle = new FailureThrottle({ maxEntries: 100, max: 1, now: t.now });
    throttle.fail('198.51.100.1');
    t.advance(1_000);
    for (let i = 0; i < 1_000; i++) throttle.fail(`10.0.${i >> 8}.${i & 255}`);
    expect(throttle.size).toBeLessThanOrEqual(100);
    // The newest are still blocked.
    expect(throttle.retryAfter('10.0.3.231')).toBeGreaterThan(0);
  });
});
