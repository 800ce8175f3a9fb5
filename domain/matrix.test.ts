import { describe, expect, test } from 'bun:test';
import { buildContracts, type Contract } from './contracts.ts';
import { diffMatrices, type Matrix } from './matrix.ts';
import { testClassification as cls, testFlow as flow } from './testing.ts';
import type { Category } from './types.ts';

const NAMES = new Map([
  [10, 'Employees'],
  [20, 'Servers'],
  [30, 'Printers'],
]);

function matrix(spec: Record<string, Category>, defaultRule: Matrix['defaultRule'] = 'deny ip'): Matrix {
  const ids = Object.keys(spec);
  const cells = buildContracts(
    ids.map((id) => flow(id, 10)),
    ids.map((id) => cls(id, spec[id] as Category)),
    NAMES,
  );
  return { cells, defaultRule };
}

describe('diffMatrices', () => {
  const base = {
    '10-20-tcp-any-443': 'business_relevant',
    '10-20-tcp-any-23': 'harmful',
    '10-30-udp-any-9100': 'business_relevant',
  } as const;

  test('identical matrices, and evidence-only changes, are no diff', () => {
    const a = matrix(base);
    expect(diffMatrices(a, matrix(base)).identical).toBe(true);
    const busier: Matrix = {
      ...a,
      cells: a.cells.map((c) => ({ ...c, hits: c.hits * 5, aces: c.aces.map((x) => ({ ...x, hits: 999 })) })),
    };
    expect(diffMatrices(a, busier)).toMatchObject({ identical: true, changed: [] });
  });

  test('cells added and removed', () => {
    const a = matrix({ '10-20-tcp-any-443': 'default' });
    const b = matrix({ '10-30-udp-any-9100': 'default' });
    const d = diffMatrices(a, b);
    expect(d.added.map((c) => c.name)).toEqual(['EMPLOYEES_to_PRINTERS']);
    expect(d.removed.map((c) => c.name)).toEqual(['EMPLOYEES_to_SERVERS']);
    expect(d.changed).toEqual([]);
    expect(d.identical).toBe(false);
  });

  test('ACE-level changes: added, removed, action flipped', () => {
    const a = matrix(base);
    const b = matrix({
      '10-20-tcp-any-443': 'business_relevant',
      '10-20-tcp-any-23': 'business_relevant',
      '10-20-tcp-any-22': 'business_relevant',
      '10-30-udp-any-9100': 'business_relevant',
    });
    const b2: Matrix = { ...b, cells: b.cells.map((c) => (c.dgt === 30 ? { ...c, aces: [] } : c)) };
    const d = diffMatrices(a, b2);
    expect(d.added).toEqual([]);
    expect(d.changed).toEqual([
      {
        sgt: 10,
        dgt: 20,
        nameBefore: 'EMPLOYEES_to_SERVERS',
        nameAfter: 'EMPLOYEES_to_SERVERS',
        added: [{ action: 'permit', protocol: 'tcp', dstPort: 22 }],
        removed: [],
        changed: [
          {
            before: { action: 'deny', protocol: 'tcp', dstPort: 23, log: true },
            after: { action: 'permit', protocol: 'tcp', dstPort: 23 },
          },
        ],
        reordered: false,
      },
      {
        sgt: 10,
        dgt: 30,
        nameBefore: 'EMPLOYEES_to_PRINTERS',
        nameAfter: 'EMPLOYEES_to_PRINTERS',
        added: [],
        removed: [{ action: 'permit', protocol: 'udp', dstPort: 9100 }],
        changed: [],
        reordered: false,
      },
    ]);
  });

  test('reordering, renaming and the default rule are changes', () => {
    const a = matrix({ '10-20-tcp-any-443': 'default', '10-20-tcp-any-80': 'default' });
    const cell = a.cells[0] as Contract;
    const b: Matrix = {
      defaultRule: 'permit ip',
      cells: [{ ...cell, name: 'RENAMED', aces: [...cell.aces].reverse() }],
    };
    const d = diffMatrices(a, b);
    expect(d.defaultRule).toEqual({ before: 'deny ip', after: 'permit ip' });
    expect(d.changed[0]).toMatchObject({
      nameBefore: 'EMPLOYEES_to_SERVERS',
      nameAfter: 'RENAMED',
      reordered: true,
    });
    expect(d.changed[0]?.added).toEqual([]);
  });
});
