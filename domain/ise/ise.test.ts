import { describe, expect, test } from 'bun:test';
import type { Ace } from '../ace.ts';
import type { Contract } from '../contracts.ts';
import { DefaultRule, type Matrix } from '../matrix.ts';
import { aclText, contentFingerprint, splitForCell } from './acl.ts';
import { driftOf } from './drift.ts';
import { denyImpact } from './impact.ts';
import { isOwnSgaclName, sgaclNameFor } from './names.ts';
import { planSync } from './plan.ts';
import type { PlanInput } from './plan-input.ts';
import { EMPTY_SYNC_STATE, type IseCellLike, type IseSnapshotLike, type SyncState } from './types.ts';
import { indexSnapshot } from './view.ts';

const ANY = 'any-id';
const sgt = (value: number) => ({ id: `sgt-${value}`, name: `G${value}`, value });
const builtins = [
  { id: 'b1', name: 'Permit IP', aclcontent: 'permit ip', readOnly: true },
  { id: 'b2', name: 'Permit_IP_Log', aclcontent: 'permit ip log', readOnly: true },
];
const defaultCell: IseCellLike = {
  id: 'default',
  sourceSgtId: ANY,
  destinationSgtId: ANY,
  matrixCellStatus: 'ENABLED',
  defaultRule: 'PERMIT_IP',
  sgacls: [],
};

function snapshot(cells: IseCellLike[] = [], sgacls: IseSnapshotLike['sgacls'] = []): IseSnapshotLike {
  return {
    sgts: [sgt(4), sgt(11), sgt(12), { id: ANY, name: 'ANY', value: 65535 }],
    sgacls: [...builtins, ...sgacls],
    cells: [defaultCell, ...cells],
    defaultCell,
    readAt: '2026-03-01T00:00:00.000Z',
  };
}

function contract(sgtValue: number, dgt: number, aces: Ace[]): Contract {
  return {
    name: `G${sgtValue}_to_G${dgt}`,
    sgt: sgtValue,
    dgt,
    sourceName: `G${sgtValue}`,
    destinationName: `G${dgt}`,
    aces: aces.map((a) => ({
      ...a,
      hits: 0,
      events: 0,
      flowIds: [],
      conflict: false,
      decision: { flowId: '', category: 'default', source: 'manual', risk: 'low', rationale: '' },
    })),
    hits: 0,
    events: 0,
    classification: {
      business_relevant: { flows: 0, hits: 0 },
      default: { flows: 0, hits: 0 },
      business_irrelevant: { flows: 0, hits: 0 },
      harmful: { flows: 0, hits: 0 },
      unclassified: { flows: 0, hits: 0 },
    },
  };
}

function input(matrix: Matrix, snap: IseSnapshotLike, state: SyncState = EMPTY_SYNC_STATE): PlanInput {
  return {
    tenant: 'acme',
    stage: 'monitor',
    version: 3,
    matrix,
    view: indexSnapshot(snap),
    state,
    flows: [],
    settings: { monitorSoakMs: 0, denyDefaultMinReadiness: 0.99 },
    nowMs: 0,
    names: new Map(),
  };
}

const matrixOf = (...cells: Contract[]): Matrix => ({ cells, defaultRule: DefaultRule.PermitIp });

describe('SGACL names', () => {
  test('follow the contract and the content, within ISE’s characters', () => {
    const a = sgaclNameFor('WEB-SERVERS_to_DB', 'permit tcp dst eq 443');
    expect(a).toMatch(/^WEB_SERVERS_to_DB_[0-9a-f]{8}$/);
    expect(sgaclNameFor('WEB-SERVERS_to_DB', 'permit tcp dst eq 443')).toBe(a);
    expect(sgaclNameFor('WEB-SERVERS_to_DB', 'permit tcp dst eq 22')).not.toBe(a);
    expect(sgaclNameFor('9_to_x', 'deny ip')).toMatch(/^S_9_to_x_[0-9a-f]{8}$/);
    expect(isOwnSgaclName(a, ' permit  tcp dst eq 443\r\n')).toBe(true);
    expect(isOwnSgaclName(a, 'permit tcp dst eq 80')).toBe(false);
  });

  test('content fingerprints ignore spacing and line endings, not ACEs', () => {
    expect(contentFingerprint('permit tcp dst eq 443\r\n\ndeny ip')).toBe(
      contentFingerprint('permit tcp dst eq 443\ndeny ip'),
    );
    expect(contentFingerprint('permit tcp dst eq 443')).not.toBe(contentFingerprint('permit tcp dst eq 444'));
  });
});

describe('cells as ISE holds them', () => {
  test('a trailing plain permit or deny ip is the default rule, a logged one stays an ACE', () => {
    const tcp: Ace = { action: 'permit', protocol: 'tcp', dstPort: 443 };
    expect(splitForCell([tcp, { action: 'deny', protocol: 'ip' }])).toEqual({
      content: 'permit tcp dst eq 443',
      defaultRule: 'DENY_IP',
    });
    expect(splitForCell([tcp, { action: 'deny', protocol: 'ip', log: true }])).toEqual({
      content: 'permit tcp dst eq 443\ndeny ip log',
      defaultRule: 'NONE',
    });
    const view = indexSnapshot(
      snapshot([
        {
          ...defaultCell,
          id: 'c',
          sourceSgtId: 'sgt-4',
          destinationSgtId: 'sgt-11',
          sgacls: ['b1'],
          defaultRule: 'DENY_IP',
        },
      ]),
    );
    expect(view.cells.get('4-11')?.text).toBe('permit ip\ndeny ip');
    expect(view.defaultCell?.pair).toBe('65535-65535');
  });

  test('a deny is weighed on the flows it would newly drop', () => {
    const flows = [
      { id: 'a', sgt: 4, dgt: 11, protocol: 'tcp', srcPort: 'any' as const, dstPort: 23, hits: 7 },
      { id: 'b', sgt: 4, dgt: 11, protocol: 'tcp', srcPort: 'any' as const, dstPort: 443, hits: 9 },
    ];
    const permit443: Ace = { action: 'permit', protocol: 'tcp', dstPort: 443 };
    expect(denyImpact([], [permit443], flows)).toBeNull();
    expect(denyImpact([permit443], [permit443, { action: 'deny', protocol: 'ip' }], flows)).toEqual({
      flows: 1,
      hits: 7,
    });
  });
});

describe('planning', () => {
  test('content a built-in says is not created again; a cell of only a default rule lists no SGACL', () => {
    const plan = planSync(
      input(
        matrixOf(
          contract(4, 11, [{ action: 'permit', protocol: 'ip', log: true }]),
          contract(4, 12, [{ action: 'deny', protocol: 'ip' }]),
        ),
        snapshot(),
      ),
    ).plan;
    expect(plan.operations.map((o) => [o.id, o.sgacls, o.defaultRule])).toEqual([
      ['create-cell:4-11', ['Permit_IP_Log'], 'NONE'],
      ['create-cell:4-12', [], 'DENY_IP'],
    ]);
  });

  test('a tag ISE lacks is a warning; a cell deleted in ISE, or made there while the product was creating it, a conflict', () => {
    const rec = (pending: boolean) => ({
      sgt: 4,
      dgt: 11,
      status: 'MONITOR' as const,
      defaultRule: 'NONE' as const,
      sgacls: [],
      createdByUs: !pending,
      version: 1,
      ...(pending
        ? { pending: { atMs: 0, fingerprint: 'f'.repeat(24) } }
        : { iseId: 'gone', fingerprint: 'e'.repeat(24) }),
    });
    const m = matrixOf(
      contract(4, 11, [{ action: 'permit', protocol: 'tcp', dstPort: 22 }]),
      contract(4, 99, [{ action: 'deny', protocol: 'ip' }]),
    );
    const deleted = planSync(
      input(m, snapshot(), { cells: new Map([['4-11', rec(false)]]), sgacls: new Map() }),
    ).plan;
    expect(deleted.conflicts.map((c) => c.reason)).toEqual(['deleted in ISE since the last import or push']);
    expect(deleted.warnings.map((w) => w.message)).toEqual([
      'G4_to_G99 is not pushed: ISE has no group with tag 99',
    ]);

    const made = snapshot([
      {
        ...defaultCell,
        id: 'x',
        sourceSgtId: 'sgt-4',
        destinationSgtId: 'sgt-11',
        sgacls: ['b1'],
        defaultRule: 'NONE',
      },
    ]);
    const raced = planSync(input(m, made, { cells: new Map([['4-11', rec(true)]]), sgacls: new Map() })).plan;
    expect(raced.conflicts.map((c) => c.reason)).toEqual([
      'a cell appeared in ISE while the product was creating it',
    ]);
    expect(raced.operations).toEqual([]);
  });

  test('the same inputs give the same plan', () => {
    const m = matrixOf(contract(4, 11, [{ action: 'permit', protocol: 'tcp', dstPort: 22 }]));
    expect(planSync(input(m, snapshot())).plan).toEqual(planSync(input(m, snapshot())).plan);
    expect(aclText(m.cells[0]!.aces)).toBe('permit tcp dst eq 22');
  });
});

describe('drift', () => {
  test('missing cells and the default are reported with both sides', () => {
    const m: Matrix = {
      ...matrixOf(contract(4, 11, [{ action: 'permit', protocol: 'tcp', dstPort: 22 }])),
      defaultRule: DefaultRule.DenyIp,
    };
    const drifts = driftOf({
      view: indexSnapshot(snapshot()),
      version: 3,
      matrix: m,
      state: EMPTY_SYNC_STATE,
      names: new Map(),
    });
    expect(drifts).toEqual([
      expect.objectContaining({ kind: 'missing', expected: 'permit tcp dst eq 22' }),
      expect.objectContaining({ kind: 'default', expected: 'deny ip', actual: 'permit ip' }),
    ]);
  });
});
