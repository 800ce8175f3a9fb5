/** Tables and formatters of the client commands. */
import { describe, expect, test } from 'bun:test';
import { ace, aces, cell, listOf, objectsTable, table, when } from './output.ts';

describe('table', () => {
  test('aligns columns, right-aligns numbers, leaves no trailing blanks, and no colour off a terminal', () => {
    const text = table(
      ['TAG', 'NAME', 'NOTE'],
      [
        ['5', 'Guests', ''],
        ['100', 'Employees', 'x'],
      ],
      ['right'],
    );
    expect(text).toBe(['TAG  NAME       NOTE', '  5  Guests', '100  Employees  x'].join('\n'));
    expect(text).not.toContain('\x1b[');
  });

  test('objects of an open shape: preferred keys first, scalars only, times as ISO', () => {
    const text = objectsTable(
      [
        { hits: 3, tag: 7, seenAtMs: 0, nested: { a: 1 } },
        { tag: 12, hits: 1200, seenAtMs: 86_400_000 },
      ],
      ['tag'],
    );
    expect(text.split('\n')).toEqual([
      'TAG   HITS  SEENATMS',
      '  7      3  1970-01-01T00:00:00Z',
      ' 12  1,200  1970-01-02T00:00:00Z',
    ]);
  });
});

describe('formatters', () => {
  test('ACEs as the switch reads them', () => {
    expect(ace({ action: 'permit', protocol: 'tcp', dstPort: 443 })).toBe('permit tcp dst eq 443');
    expect(ace({ action: 'deny', protocol: 'udp', srcPort: 53 })).toBe('deny udp src eq 53');
    const four = [1, 2, 3, 4].map((p) => ({ action: 'permit', protocol: 'tcp', dstPort: p }));
    expect(aces(four, 2)).toBe('permit tcp dst eq 1; permit tcp dst eq 2; +2 more');
    expect(aces([])).toBe('-');
  });

  test('richer ACEs: port clauses, ICMP messages, log, and lines kept verbatim', () => {
    const range = { action: 'permit', protocol: 'tcp', dst: { op: 'range', ports: [8000, 8080] }, log: true };
    expect(ace(range)).toBe('permit tcp dst range 8000 8080 log');
    expect(ace({ action: 'deny', protocol: 'udp', srcPort: 53, dst: { op: 'gt', ports: [1023] } })).toBe(
      'deny udp src eq 53 dst gt 1023',
    );
    expect(ace({ action: 'permit', protocol: 'icmp', icmp: { message: 'echo' } })).toBe('permit icmp echo');
    expect(ace({ action: 'permit', protocol: 'icmp', icmp: { type: 3, code: 4 } })).toBe('permit icmp 3 4');
    expect(ace({ action: 'permit', protocol: 'tcp', raw: 'permit tcp dst eq www' })).toBe(
      'permit tcp dst eq www',
    );
  });

  test('cells are one line and capped', () => {
    expect(cell('a\nb   c')).toBe('a b c');
    expect(cell('x'.repeat(10), 5)).toBe('xxxx…');
    expect(cell(null)).toBe('-');
    expect(cell(true)).toBe('yes');
    expect(cell(12345)).toBe('12,345');
  });

  test('instants from ms or ISO; lists bare or wrapped', () => {
    expect(when(0)).toBe('1970-01-01T00:00:00Z');
    expect(when('2026-06-18T10:00:00.123Z')).toBe('2026-06-18T10:00:00Z');
    expect(when(undefined)).toBe('-');
    expect(listOf([{ a: 1 }, 2])).toEqual([{ a: 1 }]);
    expect(listOf({ versions: [{ v: 1 }] }, 'versions')).toEqual([{ v: 1 }]);
    expect(listOf(null)).toEqual([]);
  });
});
