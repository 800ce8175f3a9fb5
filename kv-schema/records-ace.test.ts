import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { aceText, type Ace as DomainAce, MAX_EQ_PORTS, PROTOCOL_NUMBERS } from '../domain/ace.ts';
import { parseAceLine } from '../domain/sgacl-text.ts';
import { Ace, ContractAce, MatrixVersionRecord } from './records.ts';

const decision = {
  flowId: '10-20-tcp-any-443',
  category: 'business_relevant',
  source: 'heuristic',
  risk: 'low',
  rationale: 'r',
} as const;
const evidence = { hits: 3, events: 1, flowIds: ['10-20-tcp-any-443'], conflict: false, decision };

/** A matrix version as the first releases wrote it: single-eq ports only. */
const OLD_VERSION = {
  version: 3,
  parent: 2,
  author: 'ana',
  channel: 'ui',
  reason: 'approved',
  atMs: 1_700_000_000_000,
  proposals: ['p-1'],
  matrix: {
    defaultRule: 'permit ip',
    cells: [
      {
        name: 'Employees_to_Servers',
        sgt: 10,
        dgt: 20,
        sourceName: 'Employees',
        destinationName: 'Servers',
        aces: [
          { action: 'deny', protocol: 'tcp', dstPort: 23, log: true, ...evidence },
          { action: 'permit', protocol: 'udp', srcPort: 123, dstPort: 123, ...evidence },
          { action: 'permit', protocol: '47', ...evidence },
        ],
        hits: 9,
        events: 3,
        classification: Object.fromEntries(
          ['business_relevant', 'default', 'business_irrelevant', 'harmful', 'unclassified'].map((k) => [
            k,
            { flows: 1, hits: 3 },
          ]),
        ),
      },
    ],
  },
};

describe('stored ACEs', () => {
  test('a matrix version written before richer ACEs reads back unchanged, and its ACEs read the same', () => {
    const read = v.parse(MatrixVersionRecord, OLD_VERSION);
    expect(read).toEqual(OLD_VERSION as unknown as typeof read);
    expect(read.matrix.cells[0]?.aces.map((a) => aceText(a as DomainAce))).toEqual([
      'deny tcp dst eq 23 log',
      'permit udp src eq 123 dst eq 123',
      'permit 47',
    ]);
  });

  test('every ACE the SGACL parser makes is stored whole: nothing is stripped', () => {
    const lines = [
      'permit tcp dst range 8000 8080 log',
      'deny udp src eq 53 dst gt 1023',
      `permit tcp dst eq ${Array.from({ length: MAX_EQ_PORTS }, (_, i) => 8000 + i).join(' ')}`,
      'deny tcp src neq 80 dst lt 1024',
      'permit icmp echo',
      'permit icmp 3 4 log',
      'deny ip log',
      ...Object.keys(PROTOCOL_NUMBERS).map((p) => `permit ${p}`),
      'permit 255',
      'permit tcp dst eq www',
      '10 deny tcp established',
    ];
    for (const line of lines) {
      const ace = parseAceLine(line);
      expect(v.parse(Ace, ace)).toEqual(ace as never);
      const stored = v.parse(ContractAce, { ...ace, ...evidence });
      expect(aceText(stored as DomainAce)).toBe(line);
    }
  });

  test('malformed clauses, ICMP matches and verbatim lines are refused', () => {
    const bad: object[] = [
      { action: 'permit', protocol: 'tcp', dst: { op: 'range', ports: [8080, 8000] } },
      { action: 'permit', protocol: 'tcp', dst: { op: 'range', ports: [8000] } },
      { action: 'permit', protocol: 'tcp', dst: { op: 'eq', ports: [] } },
      {
        action: 'permit',
        protocol: 'tcp',
        dst: { op: 'eq', ports: Array.from({ length: 11 }, (_, i) => i + 1) },
      },
      { action: 'permit', protocol: 'tcp', dst: { op: 'lt', ports: [80, 443] } },
      { action: 'permit', protocol: 'tcp', src: { op: 'ge', ports: [80] } },
      { action: 'permit', protocol: 'tcp', src: { op: 'gt', ports: [65536] } },
      { action: 'permit', protocol: 'icmp', icmp: { type: 256 } },
      { action: 'permit', protocol: 'icmp', icmp: { message: 'Echo Reply' } },
      { action: 'permit', protocol: 'ip', raw: '' },
      { action: 'permit', protocol: 'ip', raw: 'permit tcp\ndeny ip' },
      { action: 'permit', protocol: 'sctp' },
    ];
    for (const ace of bad) expect([ace, v.safeParse(Ace, ace).success]).toEqual([ace, false]);
  });
});
