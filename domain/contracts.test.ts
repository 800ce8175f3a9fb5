import { describe, expect, test } from 'bun:test';
import { AceError, AceErrorCode, aceForFlow, aceText, compareAces } from './ace.ts';
import { contractNames, sgtNamePart } from './contract-names.ts';
import { buildContracts } from './contracts.ts';
import { parseFlowId } from './flow.ts';
import { testClassification, testFlow } from './testing.ts';

const flow = testFlow;
const cls = testClassification;

const NAMES = new Map([
  [10, 'Employees'],
  [20, 'Servers'],
]);

describe('aceForFlow', () => {
  const key = (id: string) => parseFlowId(id) as NonNullable<ReturnType<typeof parseFlowId>>;
  test('port any gives no port clause; numeric ports become eq clauses', () => {
    expect(aceText(aceForFlow(key('1-2-tcp-any-443'), 'permit'))).toBe('permit tcp dst eq 443');
    expect(aceText(aceForFlow(key('1-2-udp-123-123'), 'permit'))).toBe('permit udp src eq 123 dst eq 123');
    expect(aceText(aceForFlow(key('1-2-icmp-any-any'), 'deny'))).toBe('deny icmp');
    expect(aceText(aceForFlow(key('1-2-tcp-any-any'), 'permit'))).toBe('permit tcp');
  });

  test('protocols without ports drop them; numbers normalise to names', () => {
    expect(aceForFlow(key('1-2-47-any-5'), 'permit')).toEqual({ action: 'permit', protocol: '47' });
    expect(aceForFlow({ ...key('1-2-6-any-22'), protocol: '6' }, 'deny')).toEqual({
      action: 'deny',
      protocol: 'tcp',
      dstPort: 22,
    });
  });

  test('a protocol that is not one refuses with a coded error', () => {
    const bad = () =>
      aceForFlow({ sgt: 1, dgt: 2, protocol: 'ip;', srcPort: 'any', dstPort: 'any' }, 'permit');
    expect(bad).toThrow(AceError);
    try {
      bad();
    } catch (e) {
      expect((e as AceError).code).toBe(AceErrorCode.InvalidProtocol);
    }
  });
});

describe('buildContracts', () => {
  test('one contract per cell, named from SGT names, with totals and summary', () => {
    const flows = [
      flow('10-20-tcp-any-443', 100, 10),
      flow('10-20-tcp-any-22', 5, 2),
      flow('20-10-udp-any-53', 7),
    ];
    const out = buildContracts(
      flows,
      [cls('10-20-tcp-any-443', 'business_relevant'), cls('20-10-udp-any-53', 'default')],
      NAMES,
    );
    expect(out.map((c) => c.name)).toEqual(['EMPLOYEES_to_SERVERS', 'SERVERS_to_EMPLOYEES']);
    const [c] = out;
    expect(c).toMatchObject({ sgt: 10, dgt: 20, sourceName: 'Employees', hits: 105, events: 12 });
    expect(c?.classification.business_relevant).toEqual({ flows: 1, hits: 100 });
    expect(c?.classification.unclassified).toEqual({ flows: 1, hits: 5 });
    // The unclassified flow gets no ACE: it stays with the default.
    expect(c?.aces.map(aceText)).toEqual(['permit tcp dst eq 443']);
  });

  test('a cell with only unclassified flows gets no contract', () => {
    expect(buildContracts([flow('10-20-tcp-any-443')], [], NAMES)).toEqual([]);
  });

  test('the same ACE proposed as permit and deny becomes deny, with all its evidence', () => {
    // GRE flows with different "ports" collapse into one `47` ACE.
    const flows = [flow('10-20-47-any-any', 50), flow('10-20-47-any-9', 3)];
    const [c] = buildContracts(
      flows,
      [cls('10-20-47-any-any', 'business_relevant'), cls('10-20-47-any-9', 'harmful', 'tunnel abuse')],
      NAMES,
    );
    expect(c?.aces).toHaveLength(1);
    expect(c?.aces[0]).toMatchObject({
      action: 'deny',
      protocol: '47',
      log: true,
      hits: 53,
      flowIds: ['10-20-47-any-any', '10-20-47-any-9'],
      conflict: true,
      decision: { flowId: '10-20-47-any-9', category: 'harmful', rationale: 'tunnel abuse' },
    });
  });

  test('several classifications of one flow: the most severe wins and the conflict is kept', () => {
    const f = flow('10-20-tcp-any-23', 9);
    const byList = buildContracts([f], [cls(f.id, 'default'), cls(f.id, 'business_irrelevant')], NAMES);
    expect(byList[0]?.aces[0]).toMatchObject({ action: 'deny', conflict: true });
    expect(byList[0]?.aces[0]?.decision.category).toBe('business_irrelevant');
    const byMap = buildContracts([f], new Map([[f.id, cls(f.id, 'default')]]), NAMES);
    expect(byMap[0]?.aces[0]).toMatchObject({ action: 'permit', conflict: false });
  });

  test('duplicate permits merge, summing hits, busiest flow first and deciding', () => {
    const flows = [flow('10-20-47-any-1', 2, 1), flow('10-20-47-any-2', 8, 3)];
    const [c] = buildContracts(
      flows,
      flows.map((f) => cls(f.id, 'business_relevant', f.id)),
      NAMES,
    );
    expect(c?.aces).toEqual([
      {
        action: 'permit',
        protocol: '47',
        hits: 10,
        events: 4,
        flowIds: ['10-20-47-any-2', '10-20-47-any-1'],
        conflict: false,
        decision: {
          flowId: '10-20-47-any-2',
          category: 'business_relevant',
          source: 'heuristic',
          risk: 'low',
          rationale: '10-20-47-any-2',
        },
      },
    ]);
  });

  test('order: denies first, then permits; by protocol, then port; stable whatever the input order', () => {
    const ids = [
      '10-20-udp-any-53',
      '10-20-tcp-any-443',
      '10-20-47-any-any',
      '10-20-icmp-any-any',
      '10-20-tcp-any-22',
      '10-20-tcp-any-23',
      '10-20-udp-any-161',
      '10-20-tcp-100-80',
      '10-20-tcp-any-80',
    ];
    const deny = new Set(['10-20-tcp-any-23', '10-20-udp-any-161']);
    const c = ids.map((id) => cls(id, deny.has(id) ? 'harmful' : 'business_relevant'));
    const expected = [
      'deny tcp dst eq 23 log',
      'deny udp dst eq 161 log',
      'permit tcp dst eq 22',
      'permit tcp dst eq 80',
      'permit tcp src eq 100 dst eq 80',
      'permit tcp dst eq 443',
      'permit udp dst eq 53',
      'permit icmp',
      'permit 47',
    ];
    const forward = buildContracts(
      ids.map((id) => flow(id)),
      c,
      NAMES,
    );
    const backward = buildContracts(ids.map((id) => flow(id)).reverse(), [...c].reverse(), NAMES);
    expect(forward[0]?.aces.map(aceText)).toEqual(expected);
    expect(backward[0]?.aces.map(aceText)).toEqual(expected);
    expect(
      compareAces({ action: 'permit', protocol: 'ip' }, { action: 'permit', protocol: '47' }),
    ).toBeGreaterThan(0);
  });

  test('logDenies: false leaves deny ACEs without log', () => {
    const f = flow('10-20-tcp-any-23');
    const [c] = buildContracts([f], [cls(f.id, 'harmful')], NAMES, { logDenies: false });
    expect(c?.aces.map(aceText)).toEqual(['deny tcp dst eq 23']);
  });
});

describe('contract names', () => {
  const names = new Map([
    [1, 'Web Servers (DC1)'],
    [2, 'Café|Kasse\n# x'],
    [3, '3rd-party'],
    [4, '***'],
    [5, 'web servers dc1'],
    [6, '   '],
  ]);
  test('sanitised to letters, digits, _ and -, uppercase, starting with a letter', () => {
    expect(sgtNamePart(1, names)).toBe('WEB_SERVERS_DC1');
    expect(sgtNamePart(2, names)).toBe('CAFE_KASSE_X');
    expect(sgtNamePart(3, names)).toBe('SGT_3RD-PARTY');
    expect(sgtNamePart(4, names)).toBe('SGT4');
    expect(sgtNamePart(6, names)).toBe('SGT6');
    expect(sgtNamePart(0, names)).toBe('UNKNOWN');
    expect(sgtNamePart(0, new Map([[0, 'Untagged']]))).toBe('UNTAGGED');
    expect(sgtNamePart(77, names)).toBe('SGT77');
    expect(sgtNamePart(9, new Map([[9, 'x'.repeat(80)]]))).toHaveLength(28);
  });

  test('cells that sanitise to the same name get _2, _3, skipping names already taken', () => {
    const cells = [
      { sgt: 5, dgt: 0 },
      { sgt: 1, dgt: 0 },
      { sgt: 1, dgt: 8 },
    ];
    // 1 → 8 is naturally named like the suffixed form of the 1/5 → 0 clash.
    const dict = new Map([...names, [8, 'Unknown 2']]);
    const n = contractNames(cells, dict);
    expect(n.get('1>0')).toBe('WEB_SERVERS_DC1_to_UNKNOWN');
    expect(n.get('1>8')).toBe('WEB_SERVERS_DC1_to_UNKNOWN_2');
    expect(n.get('5>0')).toBe('WEB_SERVERS_DC1_to_UNKNOWN_3');
    const built = buildContracts(
      [flow('1-0-tcp-any-80'), flow('5-0-tcp-any-80')],
      [cls('1-0-tcp-any-80', 'default'), cls('5-0-tcp-any-80', 'default')],
      names,
    );
    expect(built.map((c) => c.name)).toEqual(['WEB_SERVERS_DC1_to_UNKNOWN', 'WEB_SERVERS_DC1_to_UNKNOWN_2']);
  });
});
