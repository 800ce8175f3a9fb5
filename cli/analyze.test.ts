/** The summary's counts are written as toLocaleString('en-US') writes them, without loading the locale data. */
import { expect, test } from 'bun:test';
import { thousands } from './analyze.ts';

test('thousands separators as en-US writes a count', () => {
  const counts = [0, 7, 42, 999, 1000, 1001, 12_345, 999_999, 1_000_000, 59_321, 10_000_000, 123_456_789_012];
  for (let x = 1; x < 1e15; x = x * 7 + 3) counts.push(x);
  for (const x of counts) expect(thousands(x)).toBe(x.toLocaleString('en-US'));
});
