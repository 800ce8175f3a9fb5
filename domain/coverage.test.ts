import { describe, expect, test } from 'bun:test';
import { SERVICES } from './classify/knowledge.ts';
import { buildContracts } from './contracts.ts';
import { coverage, infrastructureService, readiness } from './coverage.ts';
import { parseFlowId } from './flow.ts';
import type { Matrix } from './matrix.ts';
import { parseAceLine } from './sgacl-text.ts';
import { testClassification as cls, testFlow as flow } from './testing.ts';

const NAMES = new Map([
  [10, 'Employees'],
  [20, 'Servers'],
]);

const contracted = buildContracts(
  [flow('10-20-tcp-any-443'), flow('10-20-tcp-any-23'), flow('10-20-udp-123-123')],
  [
    cls('10-20-tcp-any-443', 'business_relevant'),
    cls('10-20-tcp-any-23', 'harmful'),
    cls('10-20-udp-123-123', 'default'),
  ],
  NAMES,
);
const M: Matrix = { cells: contracted, defaultRule: 'permit ip' };

describe('coverage', () => {
  test('a permit ACE matching protocol and ports covers; a first-matching deny denies; else uncovered', () => {
    const flows = [
      flow('10-20-tcp-any-443', 100),
      flow('10-20-tcp-any-23', 5),
      flow('10-20-udp-123-123', 7),
      // The ACE says src eq 123: an ephemeral source does not match it.
      flow('10-20-udp-any-123', 3),
      flow('10-20-tcp-any-8443', 9),
      // No cell at all; the matrix's current permit default is ignored.
      flow('20-10-udp-any-53', 40),
    ];
    expect(coverage(M, flows).map((c) => [c.flowId, c.status, c.ace])).toEqual([
      ['10-20-tcp-any-443', 'permitted', 'permit tcp dst eq 443'],
      ['10-20-tcp-any-23', 'denied', 'deny tcp dst eq 23 log'],
      ['10-20-udp-123-123', 'permitted', 'permit udp src eq 123 dst eq 123'],
      ['10-20-udp-any-123', 'uncovered', null],
      ['10-20-tcp-any-8443', 'uncovered', null],
      ['20-10-udp-any-53', 'uncovered', null],
    ]);
  });

  test('a permit ip ACE covers everything in its cell, unless a deny comes first', () => {
    const cell = { ...(contracted[0] as Matrix['cells'][number]) };
    cell.aces = [
      { ...(cell.aces[0] as (typeof cell.aces)[number]) }, // deny tcp dst eq 23 log
      {
        ...(cell.aces[1] as (typeof cell.aces)[number]),
        protocol: 'ip',
        dstPort: undefined,
        srcPort: undefined,
      },
    ];
    const m: Matrix = { cells: [cell], defaultRule: 'deny ip' };
    const out = coverage(m, [flow('10-20-47-any-any'), flow('10-20-icmp-any-any'), flow('10-20-tcp-any-23')]);
    expect(out.map((c) => c.status)).toEqual(['permitted', 'permitted', 'denied']);
    expect(out[0]?.contract).toBe('EMPLOYEES_to_SERVERS');
  });
});

describe('readiness', () => {
  test('covered hits over the hits meant to flow; blockers by hits with critical services flagged', () => {
    const flows = [
      flow('10-20-tcp-any-443', 100),
      flow('10-20-tcp-any-23', 50),
      flow('10-20-tcp-any-9063', 9),
      flow('20-10-udp-53-50000', 40),
      flow('10-20-tcp-any-3389', 11),
    ];
    const r = readiness(M, flows);
    expect(r).toMatchObject({
      totalHits: 210,
      coveredHits: 100,
      deniedHits: 50,
      uncoveredHits: 60,
      flows: { total: 5, covered: 1, denied: 1, uncovered: 3 },
      criticalBlockers: 2,
    });
    expect(r.ratio).toBeCloseTo(100 / 160);
    expect(r.blockers.map((b) => [b.flowId, b.service, b.critical])).toEqual([
      ['20-10-udp-53-50000', 'DNS', true],
      ['10-20-tcp-any-3389', null, false],
      ['10-20-tcp-any-9063', 'ISE TrustSec REST', true],
    ]);
  });

  test('nothing left to permit is ready', () => {
    expect(readiness(M, []).ratio).toBe(1);
    expect(readiness(M, [flow('10-20-tcp-any-23', 5)]).ratio).toBe(1);
  });
});

describe('infrastructure services', () => {
  test('every documented service is recognised on its destination port', () => {
    for (const s of SERVICES.filter((x) => x.infrastructure)) {
      for (const protocol of s.protocols) {
        for (const port of s.ports) {
          const key = parseFlowId(`1-2-${protocol}-any-${port}`);
          expect(key && infrastructureService(key)).toBe(s.name);
        }
      }
    }
    expect(infrastructureService(flow('1-2-tcp-any-443'))).toBeNull();
    // ISE's portal and posture ports serve endpoints, not policy download.
    expect(infrastructureService(flow('1-2-tcp-any-8443'))).toBeNull();
    expect(infrastructureService(flow('1-2-17-any-1812'))).toBe('RADIUS');
    expect(infrastructureService(flow('1-2-tcp-any-123'))).toBeNull();
    expect(infrastructureService(flow('1-2-udp-67-68'))).toBe('DHCP');
  });
});

describe('coverage of cells read from ISE', () => {
  const cell = (lines: string[]): Matrix => ({
    defaultRule: 'deny ip',
    cells: [
      {
        ...(contracted[0] as Matrix['cells'][number]),
        aces: lines.map((l) => ({ ...parseAceLine(l), ...EVIDENCE })),
      },
    ],
  });
  const EVIDENCE = {
    hits: 0,
    events: 0,
    flowIds: [],
    conflict: false,
    decision: { flowId: 'x', category: 'default', source: 'manual', risk: 'low', rationale: '' },
  } satisfies Omit<Matrix['cells'][number]['aces'][number], 'action' | 'protocol'>;

  test('ranges and several ports cover the flows they hold', () => {
    const m = cell(['permit tcp dst range 8000 8080', 'permit udp dst eq 53 123']);
    const out = coverage(m, [
      flow('10-20-tcp-any-8443'),
      flow('10-20-tcp-any-8080'),
      flow('10-20-udp-any-123'),
    ]);
    expect(out.map((c) => [c.status, c.ace])).toEqual([
      ['uncovered', null],
      ['permitted', 'permit tcp dst range 8000 8080'],
      ['permitted', 'permit udp dst eq 53 123'],
    ]);
  });

  test('a verbatim permit never covers; a verbatim deny before a permit leaves the flow uncovered', () => {
    const f = flow('10-20-tcp-any-80', 4);
    expect(coverage(cell(['permit tcp dst eq www']), [f])[0]?.status).toBe('uncovered');
    const doubtful = coverage(cell(['deny tcp dst eq telnet', 'permit tcp dst eq 80']), [f])[0];
    expect([doubtful?.status, doubtful?.ace]).toEqual(['uncovered', 'deny tcp dst eq telnet']);
    expect(readiness(cell(['deny tcp dst eq telnet', 'permit tcp dst eq 80']), [f]).blockers).toHaveLength(1);
    // A deny of another protocol, or one after the permit, does not stand in the way.
    expect(coverage(cell(['deny udp dst eq domain', 'permit tcp dst eq 80']), [f])[0]?.status).toBe(
      'permitted',
    );
    expect(coverage(cell(['permit tcp dst eq 80', 'deny tcp dst eq telnet']), [f])[0]?.status).toBe(
      'permitted',
    );
    // Denied either way: by the line nobody can read, or by the plain deny after it.
    expect(coverage(cell(['deny tcp dst eq telnet', 'deny tcp']), [f])[0]?.status).toBe('denied');
  });
});
