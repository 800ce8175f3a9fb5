import { describe, expect, test } from 'bun:test';
import { readiness } from '../coverage.ts';
import type { FlowKey } from '../flow.ts';
import { categoryAction } from '../types.ts';
import { profileOf } from './classes.ts';
import { classifyHeuristic, decideHeuristic } from './heuristics.ts';
import { isInfrastructureFlow, SERVICES, serviceFor } from './knowledge.ts';

const names = new Map<number, string>([
  [0, 'Unknown'],
  [2, 'TrustSec_Devices'],
  [4, 'Employees'],
  [6, 'Guests'],
  [7, 'Network_Services'],
  [9, 'PCI_Servers'],
  [11, 'Production_Servers'],
  [12, 'Development_Servers'],
  [13, 'Quarantined_Systems'],
  [16, 'IT_Admins'],
  [20, 'IoT_Cameras'],
  [21, 'Video_Recorders_NVR'],
  [22, 'Printers'],
  [23, 'IP_Phones'],
]);

const decideFor = (
  sgt: number,
  dgt: number,
  dstPort: number | 'any',
  protocol = 'tcp',
  srcPort: number | 'any' = 'any',
) =>
  decideHeuristic({
    key: { sgt, dgt, protocol, srcPort, dstPort },
    srcName: names.get(sgt),
    dstName: names.get(dgt),
  });

describe('knowledge', () => {
  test('infrastructure flows are the DESIGN §6 set, in either direction', () => {
    const k = (protocol: string, dstPort: number | 'any', srcPort: number | 'any' = 'any'): FlowKey => ({
      sgt: 4,
      dgt: 7,
      protocol,
      srcPort,
      dstPort,
    });
    for (const [p, port] of [
      ['udp', 53],
      ['tcp', 53],
      ['udp', 67],
      ['udp', 123],
      ['udp', 1812],
      ['udp', 3799],
      ['tcp', 49],
      ['tcp', 64999],
      ['tcp', 9063],
    ] as const) {
      expect(isInfrastructureFlow(k(p, port))).toBe(true);
    }
    expect(isInfrastructureFlow(k('udp', 51000, 53))).toBe(true);
    for (const [p, port] of [
      ['tcp', 443],
      ['tcp', 8443],
      ['tcp', 8905],
      ['udp', 49],
      ['tcp', 123],
      ['icmp', 'any'],
    ] as const) {
      expect(isInfrastructureFlow(k(p, port))).toBe(false);
    }
  });

  test('every service has a rationale; ranges and ICMP resolve', () => {
    for (const s of SERVICES) expect(s.rationale.length).toBeGreaterThan(5);
    expect(serviceFor({ sgt: 23, dgt: 23, protocol: 'udp', srcPort: 'any', dstPort: 20000 })?.name).toBe(
      'RTP',
    );
    expect(serviceFor({ sgt: 4, dgt: 7, protocol: 'icmpv6', srcPort: 'any', dstPort: 'any' })?.name).toBe(
      'ICMP',
    );
    expect(serviceFor({ sgt: 4, dgt: 7, protocol: 'tcp', srcPort: 'any', dstPort: 'any' })).toBeNull();
  });
});

describe('tag classes from names', () => {
  test('keywords match case-insensitively; short ones only as whole words', () => {
    expect(profileOf(15, 'Point_of_Sale_Systems').cls).toBe('pci');
    expect(profileOf(30, 'POS-Terminals').cls).toBe('pci');
    expect(profileOf(31, 'Positioning_Beacons').cls).not.toBe('pci');
    expect(profileOf(6, 'GUEST_WIFI').cls).toBe('guests');
    expect(profileOf(0, undefined).cls).toBe('unknown');
  });
});

describe('heuristics', () => {
  test('infrastructure is business relevant and critical', () => {
    const d = decideFor(4, 7, 53, 'udp');
    expect(d).toMatchObject({ category: 'business_relevant', risk: 'critical' });
    expect(d.rationale).toContain('DNS');
  });

  test('endpoints speaking NAD-only protocols are out of place: kept permitted with high risk, never denied', () => {
    expect(decideFor(6, 7, 49)).toMatchObject({ category: 'default', risk: 'high' });
    expect(decideFor(6, 7, 49).rationale).toContain('check why');
    expect(decideFor(2, 7, 49).category).toBe('business_relevant');
  });

  test('guests: internet yes, inside no, sensitive zones harmful', () => {
    expect(decideFor(6, 0, 443).category).toBe('default');
    expect(decideFor(6, 11, 443)).toMatchObject({ category: 'business_irrelevant', risk: 'high' });
    expect(decideFor(6, 9, 443)).toMatchObject({ category: 'harmful', risk: 'critical' });
    expect(decideFor(6, 7, 8443).category).toBe('business_relevant');
  });

  test('cameras talk to their recorder; anything else is suspicious', () => {
    expect(decideFor(20, 21, 554).category).toBe('business_relevant');
    expect(decideFor(20, 21, 554, 'tcp').risk).toBe('low');
    const odd = decideFor(20, 11, 443);
    expect(odd.category).toBe('business_irrelevant');
    expect(odd.rationale).toContain('devices talk to their own system');
    expect(decideFor(20, 7, 123, 'udp').category).toBe('business_relevant');
    expect(decideFor(4, 20, 80).category).toBe('business_irrelevant');
  });

  test('employees to servers on business ports are relevant; to each other not', () => {
    expect(decideFor(4, 11, 443)).toMatchObject({ category: 'business_relevant', risk: 'low' });
    expect(decideFor(4, 11, 445).category).toBe('business_relevant');
    expect(decideFor(4, 4, 8000).category).toBe('business_irrelevant');
    expect(decideFor(4, 22, 9100).category).toBe('business_relevant');
    expect(decideFor(23, 11, 5060, 'udp').category).toBe('business_relevant');
  });

  test('quarantined systems get remediation only', () => {
    expect(decideFor(13, 7, 53, 'udp').category).toBe('business_relevant');
    expect(decideFor(13, 11, 443).category).toBe('business_irrelevant');
  });

  test('management of network devices is for administrators', () => {
    expect(decideFor(16, 2, 22).category).toBe('business_relevant');
    expect(decideFor(4, 2, 22)).toMatchObject({ category: 'business_irrelevant', risk: 'high' });
    expect(decideFor(16, 2, 23).category).toBe('business_irrelevant');
  });

  test('development must not reach production; PCI needs a reason', () => {
    expect(decideFor(12, 11, 1433).category).toBe('business_irrelevant');
    expect(decideFor(11, 9, 1433).category).toBe('business_relevant');
    // General users never reach the cardholder-data environment: a zone floor, so harmful.
    expect(decideFor(4, 9, 1433).category).toBe('harmful');
  });

  test('replies are judged as the request they answer', () => {
    const d = decideFor(7, 4, 51000, 'udp', 53);
    expect(d.category).toBe('business_relevant');
    expect(d.rationale).toStartWith('reply traffic');
  });

  test('unknown ports need review: denied until a person decides, never a silent permit; nameless tags still work', () => {
    expect(decideFor(11, 11, 47000)).toMatchObject({ category: 'business_irrelevant', needsReview: true });
    expect(decideFor(11, 11, 47000).rationale).toStartWith('needs review');
    const c = classifyHeuristic(
      { key: { sgt: 77, dgt: 78, protocol: '47', srcPort: 'any', dstPort: 'any' } },
      5,
    );
    expect(c).toMatchObject({
      flowId: '77-78-47-any-any',
      category: 'business_irrelevant',
      needsReview: true,
      rule: 'fallback',
      source: 'heuristic',
      atMs: 5,
    });
    expect(c.rationale).toContain('SGT 77');
  });

  test('untrusted names are cleaned before they reach a rationale', () => {
    const d = decideHeuristic({
      key: { sgt: 4, dgt: 6, protocol: 'tcp', srcPort: 'any', dstPort: 8000 },
      srcName: 'Employees',
      dstName: 'Guests\n10.1.1.1',
    });
    expect(d.rationale).not.toContain('10.1.1.1');
    expect(d.rationale).not.toContain('\n');
  });
});

describe('infrastructure: one judgement for proposals and readiness', () => {
  // Endpoint groups in several naming styles, plus tags nobody named.
  const styles = new Map<number, string>([
    [4, 'Employees'],
    [6, 'Guests'],
    [13, 'Quarantined_Systems'],
    [20, 'IoT_Cameras'],
    [30, 'corp-laptops'],
    [31, 'VLAN_GUEST_WIFI'],
    [32, 'BYOD Phones'],
  ]);
  const servers = [
    [50, 'ISE_PSN'],
    [51, 'Domain_Controllers'],
    [52, 'infra-core'],
  ] as const;
  const ports: [string, number][] = [
    ['udp', 53],
    ['tcp', 53],
    ['udp', 67],
    ['udp', 123],
    ['udp', 1812],
    ['udp', 1813],
    ['udp', 3799],
    ['tcp', 49],
    ['tcp', 64999],
    ['tcp', 9063],
  ];
  const empty = { cells: [], defaultRule: 'permit ip' as const };

  test('a flow readiness flags as a critical blocker is never a heuristic deny, whatever the tag names', () => {
    for (const [sgt, srcName] of [...styles, [77, undefined] as const]) {
      for (const [dgt, dstName] of [...servers, [78, undefined] as const]) {
        for (const [protocol, dstPort] of ports) {
          const key = { sgt, dgt, protocol, srcPort: 'any' as const, dstPort };
          const [blocker] = readiness(empty, [
            { ...key, id: `${sgt}-${dgt}-${protocol}-any-${dstPort}`, hits: 1 },
          ]).blockers;
          expect(blocker?.critical).toBe(true);
          const d = decideHeuristic({ key, srcName, dstName });
          expect({ flow: blocker?.flowId, action: categoryAction(d.category) }).toEqual({
            flow: blocker?.flowId,
            action: 'permit',
          });
        }
      }
    }
  });

  test('Employees → ISE_PSN udp/1812 is permitted, and readiness calls it RADIUS', () => {
    const key = { sgt: 4, dgt: 50, protocol: 'udp', srcPort: 'any' as const, dstPort: 1812 };
    const d = decideHeuristic({ key, srcName: 'Employees', dstName: 'ISE_PSN' });
    expect(categoryAction(d.category)).toBe('permit');
    const r = readiness(empty, [{ ...key, id: '4-50-udp-any-1812', hits: 9 }]);
    expect(r.blockers[0]).toMatchObject({ service: 'RADIUS', critical: true });
  });

  test('ports that are not infrastructure are judged as before: the rule is about ports, not names', () => {
    expect(decideFor(6, 11, 443).category).toBe('business_irrelevant');
    const r = readiness(empty, [
      { sgt: 6, dgt: 11, protocol: 'tcp', srcPort: 'any', dstPort: 443, id: 'x', hits: 1 },
    ]);
    expect(r.blockers[0]?.critical).toBe(false);
  });
});
