import { describe, expect, test } from 'bun:test';
import { backoffDelay } from './backoff.ts';

describe('backoffDelay', () => {
  const b = { baseMs: 100, maxMs: 1_000 };
  test('doubles per failure, capped, jittered between half and all of it', () => {
    expect(backoffDelay(1, b, () => 1)).toBe(100);
    expect(backoffDelay(2, b, () => 1)).toBe(200);
    expect(backoffDelay(3, b, () => 0)).toBe(200);
    expect(backoffDelay(30, b, () => 1)).toBe(1_000);
    expect(backoffDelay(30, b, () => 0)).toBe(500);
    expect(backoffDelay(0, b, () => 1)).toBe(100);
  });
});
