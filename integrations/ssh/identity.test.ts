import { describe, expect, test } from 'bun:test';
import { fileIdentity, IDENTITY_BYTES } from './identity.ts';

const bytes = (s: string) => new TextEncoder().encode(s);

describe('fileIdentity', () => {
  test('null until the first line is complete; then only the first line counts', () => {
    expect(fileIdentity(bytes(''))).toBeNull();
    expect(fileIdentity(bytes('first line without end'))).toBeNull();
    const id = fileIdentity(bytes('first\n'));
    expect(id).not.toBeNull();
    expect(fileIdentity(bytes('first\nsecond\nthird'))).toBe(id);
    expect(fileIdentity(bytes('other\n'))).not.toBe(id);
  });

  test('a 48-bit integer, so it fits the numeric cursor', () => {
    const id = fileIdentity(bytes('x\n'))!;
    expect(Number.isSafeInteger(id)).toBe(true);
    expect(id).toBeGreaterThanOrEqual(0);
    expect(id).toBeLessThan(2 ** 48);
  });

  test('a first line longer than 1 KB is identified by its first 1 KB', () => {
    const long = 'a'.repeat(IDENTITY_BYTES);
    expect(fileIdentity(bytes(long.slice(1)))).toBeNull();
    expect(fileIdentity(bytes(long))).toBe(fileIdentity(bytes(`${long}bbb\n`)));
  });
});
