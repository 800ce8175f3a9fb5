/**
 * One case per zone and traffic rule, on tags given explicit classes (rules
 * speak of classes, never names), checked against the rule that decided and
 * the category; a rule without a case fails the last test. Floors are also
 * checked through the guardrail, so a model cannot lower them.
 */
import { describe, expect, test } from 'bun:test';
import type { Category } from '../types.ts';
import { TAG_CLASSES, type TagClass } from './classes.ts';
import { guardrail } from './guardrails.ts';
import { decideHeuristic, networkShape } from './heuristics.ts';
import { TRAFFIC_RULES } from './rules.ts';
import { ZONE_RULES } from './zones.ts';

/** Tag n+1 has class TAG_CLASSES[n]; tag 0 is the internet. */
const CLASSES = new Map<number, TagClass>(TAG_CLASSES.map((c, i) => [i + 1, c]));
const tagOf = (c: TagClass): number => (c === 'unknown' ? 0 : TAG_CLASSES.indexOf(c) + 1);

type Case = [
  rule: string,
  src: TagClass,
  dst: TagClass,
  proto: string,
  port: number | 'any',
  category: Category,
];

const CASES: readonly Case[] = [
  ['untrusted-to-sensitive', 'guests', 'server.database', 'tcp', 1433, 'harmful'],
  ['untrusted-ise', 'byod', 'shared.nac', 'tcp', 8443, 'business_relevant'],
  ['untrusted-onboarding', 'guests', 'remediation', 'tcp', 443, 'business_relevant'],
  ['untrusted-internal', 'guests', 'server.web', 'tcp', 443, 'business_irrelevant'],
  ['quarantine-remediation', 'quarantine', 'shared.patching', 'tcp', 443, 'business_relevant'],
  ['quarantine-spread', 'quarantine', 'server.file', 'tcp', 445, 'harmful'],
  ['quarantine-only-remediation', 'quarantine', 'server.app', 'tcp', 443, 'business_irrelevant'],
  ['into-quarantine', 'users', 'quarantine', 'tcp', 22, 'business_irrelevant'],
  ['dev-to-prod-data', 'dev', 'server.database', 'tcp', 5432, 'harmful'],
  ['dev-to-prod', 'dev', 'server.app', 'tcp', 8080, 'business_irrelevant'],
  ['device-vendor-cloud', 'building.bms', 'external.vendor_cloud', 'tcp', 443, 'business_relevant'],
  ['device-to-internet', 'clinical.device', 'unknown', 'tcp', 443, 'harmful'],
  ['pci-processor', 'pci', 'external.vendor_cloud', 'tcp', 443, 'business_relevant'],
  ['pci-to-internet', 'pci', 'external', 'tcp', 443, 'harmful'],
  ['people-to-cde', 'contractors', 'pci', 'tcp', 443, 'harmful'],
  ['cde-to-people', 'pci', 'users', 'tcp', 8080, 'harmful'],
  ['industrial-from-outside-ot', 'server.app', 'ot.plc', 'tcp', 502, 'harmful'],
  ['building-from-outside', 'users', 'building.bms', 'udp', 47808, 'harmful'],
  ['people-to-control', 'users', 'ot.hmi', 'tcp', 443, 'harmful'],
  ['network-mgmt-only', 'server.app', 'network', 'tcp', 22, 'business_irrelevant'],
  ['voice', 'iot.phone', 'server.call_control', 'udp', 5060, 'business_relevant'],
  ['printer-scan', 'iot.printer', 'server.file', 'tcp', 445, 'business_relevant'],
  ['people-printing', 'contractors', 'iot.printer', 'tcp', 9100, 'business_relevant'],
  ['ot-system', 'ot.historian', 'ot.plc', 'tcp', 4840, 'business_relevant'],
  ['clinical-system', 'clinical.device', 'clinical.imaging', 'tcp', 104, 'business_relevant'],
  ['building-system', 'building.camera', 'building.nvr', 'tcp', 554, 'business_relevant'],
  ['medical-device-system', 'clinical.device', 'clinical.device', 'udp', 24105, 'business_relevant'],
  ['ot-internal', 'ot', 'ot.historian', 'tcp', 1433, 'business_relevant'],
  ['device-out-of-system', 'building.camera', 'server.file', 'tcp', 445, 'business_irrelevant'],
  ['people-to-devices', 'users', 'building.camera', 'tcp', 554, 'business_irrelevant'],
  ['it-to-ot', 'server.app', 'ot.historian', 'tcp', 1433, 'business_irrelevant'],
  ['ot-to-it', 'ot.hmi', 'server.database', 'tcp', 1433, 'business_irrelevant'],
  ['management-admin', 'management', 'server.database', 'tcp', 22, 'business_relevant'],
  ['security-scanning', 'security', 'server.web', 'tcp', 443, 'business_relevant'],
  ['log-shipping', 'server.app', 'security.logs', 'udp', 514, 'business_relevant'],
  ['people-to-jump', 'users', 'management', 'tcp', 3389, 'business_relevant'],
  ['to-shared-services', 'server.app', 'shared.directory', 'tcp', 389, 'business_relevant'],
  ['people-to-database', 'users', 'server.database', 'tcp', 1433, 'business_irrelevant'],
  ['contractors-files', 'contractors', 'server.file', 'tcp', 445, 'default'],
  ['people-to-business', 'users', 'server.web', 'tcp', 443, 'business_relevant'],
  ['people-to-ot-data', 'users', 'ot.historian', 'tcp', 443, 'default'],
  ['people-to-dev', 'users', 'dev', 'tcp', 22, 'default'],
  ['people-browsing', 'users', 'unknown', 'tcp', 443, 'default'],
  ['people-outside', 'users', 'unknown', 'tcp', 22, 'default'],
  ['people-lateral', 'users', 'users', 'icmp', 'any', 'default'],
  ['people-as-servers', 'users', 'users', 'tcp', 8080, 'business_irrelevant'],
  ['web-skips-app', 'server.web', 'server.database', 'tcp', 1433, 'business_irrelevant'],
  ['relay-delivers', 'server.mail_relay', 'unknown', 'tcp', 25, 'business_relevant'],
  ['data-to-internet', 'server.database', 'unknown', 'tcp', 443, 'business_irrelevant'],
  ['servers-outside-web', 'server.app', 'unknown', 'tcp', 443, 'default'],
  ['prod-to-dev', 'server.app', 'dev', 'tcp', 22, 'business_irrelevant'],
  ['dev-internal', 'dev', 'dev', 'tcp', 5432, 'business_relevant'],
  ['backup', 'server.backup', 'server.database', 'tcp', 10000, 'business_relevant'],
  ['server-to-server', 'server.app', 'server.database', 'tcp', 1433, 'business_relevant'],
  ['devices-to-shared', 'iot.display', 'shared', 'tcp', 8081, 'business_relevant'],
];

const decide = ([, src, dst, protocol, port]: Case) =>
  decideHeuristic({
    key: { sgt: tagOf(src), dgt: tagOf(dst), protocol, srcPort: 'any', dstPort: port },
    classes: CLASSES,
    network: networkShape(new Map(), CLASSES),
  });

describe('zone and traffic rules, one case each', () => {
  for (const c of CASES) {
    test(`${c[0]}: ${c[1]} → ${c[2]} ${c[3]}/${c[4]} is ${c[5]}`, () => {
      const d = decide(c);
      expect({ rule: d.rule, category: d.category }).toEqual({ rule: c[0], category: c[5] });
      expect(d.rationale).toContain(c[0]);
      expect(d.needsReview).toBeUndefined();
    });
  }

  test('every floor is also a guardrail, so no model answer can permit it', () => {
    for (const c of CASES.filter(([id]) => ZONE_RULES.find((z) => z.id === id)?.floor === true)) {
      const g = guardrail(
        {
          key: { sgt: tagOf(c[1]), dgt: tagOf(c[2]), protocol: c[3], srcPort: 'any', dstPort: c[4] },
          classes: CLASSES,
        },
        0,
      );
      expect(g?.rule).toBe(`guardrail:zone:${c[0]}`);
      expect(g?.category).toBe(c[5]);
    }
  });

  test('a floor never denies infrastructure: quarantine and devices keep DNS, DHCP and NTP', () => {
    for (const [src, dst, proto, port] of [
      ['quarantine', 'shared', 'udp', 53],
      ['building.camera', 'unknown', 'udp', 123],
      ['guests', 'shared', 'udp', 67],
    ] as const) {
      expect(
        guardrail(
          {
            key: { sgt: tagOf(src), dgt: tagOf(dst), protocol: proto, srcPort: 'any', dstPort: port },
            classes: CLASSES,
          },
          0,
        ),
      ).toBeNull();
    }
  });

  test('without an application tier, web servers reaching their database is ordinary server traffic', () => {
    const key = {
      sgt: tagOf('server.web'),
      dgt: tagOf('server.database'),
      protocol: 'tcp',
      srcPort: 'any' as const,
      dstPort: 5432,
    };
    const twoTier = new Map<number, TagClass>([
      [key.sgt, 'server.web'],
      [key.dgt, 'server.database'],
    ]);
    expect(
      decideHeuristic({ key, classes: twoTier, network: networkShape(new Map(), twoTier) }),
    ).toMatchObject({
      category: 'business_relevant',
      rule: 'server-to-server',
    });
  });

  test('every rule has a case, and every rule says why', () => {
    const ids = new Set(CASES.map(([id]) => id));
    for (const z of [...ZONE_RULES, ...TRAFFIC_RULES]) {
      expect(ids.has(z.id)).toBe(true);
      expect(z.why.length).toBeGreaterThan(10);
    }
  });
});
