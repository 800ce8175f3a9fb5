import { describe, expect, test } from 'bun:test';
import { Analysis } from './analysis.ts';

const line = (o: {
  t?: string;
  sgt?: number;
  dgt?: number;
  proto?: string;
  sp?: number;
  dp?: number;
  hits?: number;
  src?: string;
  dst?: string;
  action?: string;
  host?: string;
}) =>
  `${o.t ?? '2026-06-18T10:17:22.205Z'} ${o.host ?? 'sw01'} 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='acl' action='${o.action ?? 'Permit'}' ` +
  `protocol='${o.proto ?? 'tcp'}' src-ip='${o.src ?? '10.0.0.1'}' src-port='${o.sp ?? 50000}' dest-ip='${o.dst ?? '10.0.1.1'}' ` +
  `dest-port='${o.dp ?? 443}' sgt='${o.sgt ?? 10}' dgt='${o.dgt ?? 20}' logging_interval_hits='${o.hits ?? 1}'`;

const REF = Date.UTC(2026, 6, 1);

describe('Analysis', () => {
  test('aggregates by flow key with port buckets', () => {
    const a = new Analysis({ referenceMs: REF });
    a.addLines([
      line({ sp: 50000, hits: 3 }),
      line({ sp: 60000, hits: 4, src: '10.0.0.2' }),
      line({ sp: 123, dp: 123, proto: 'udp' }),
      line({ proto: 'icmp', sp: 8, dp: 0, action: 'Deny', hits: 2 }),
      line({ sp: 0, dp: 0, proto: '47' }),
    ]);
    const { flows, stats } = a.result();
    expect(flows.map((f) => f.id)).toEqual([
      '10-20-tcp-any-443',
      '10-20-icmp-any-any',
      '10-20-47-any-any',
      '10-20-udp-123-123',
    ]);
    expect(flows[0]).toMatchObject({
      hits: 7,
      events: 2,
      srcSamples: ['10.0.0.1', '10.0.0.2'],
      dstSamples: ['10.0.1.1'],
      permitHits: 7,
      denyHits: 0,
    });
    expect(flows[1]).toMatchObject({ denyHits: 2, permitHits: 0 });
    expect(stats).toMatchObject({ linesRead: 5, events: 5, hits: 11, rejectedTotal: 0, tagsSeen: [10, 20] });
  });

  test('first/last seen, distinct days, capped samples and places', () => {
    const a = new Analysis({ referenceMs: REF });
    const days = [
      '2026-06-16T23:00:00Z',
      '2026-06-17T01:00:00Z',
      '2026-06-17T02:00:00Z',
      '2026-06-18T00:00:00Z',
    ];
    a.addLines(days.map((t, i) => line({ t, src: `10.0.0.${i}`, host: `sw0${i}` })));
    a.addLines(Array.from({ length: 10 }, (_, i) => line({ src: `10.9.0.${i}` })));
    const [flow] = a.result().flows;
    expect(flow?.firstSeenMs).toBe(Date.parse(days[0]!));
    expect(flow?.lastSeenMs).toBe(Date.parse('2026-06-18T10:17:22.205Z'));
    expect(flow?.daysSeen).toBe(3);
    expect(flow?.srcSamples).toHaveLength(5);
    expect(flow?.switches).toEqual(['sw00', 'sw01', 'sw02', 'sw03']);
  });

  test('the time window filters, and every refused line is counted with its reason and first line', () => {
    const a = new Analysis({
      referenceMs: REF,
      sinceMs: Date.parse('2026-06-18T00:00:00Z'),
      untilMs: Date.parse('2026-06-19T00:00:00Z'),
    });
    a.addLines([
      line({ t: '2026-06-17T10:00:00Z' }),
      line({}),
      'hello world',
      '',
      line({ sgt: 70000 }),
      line({ dp: 99999 }),
      line({ sgt: 70001 }),
    ]);
    const { stats, flows } = a.result();
    expect(flows).toHaveLength(1);
    expect(stats).toMatchObject({
      linesRead: 7,
      events: 1,
      outsideWindow: 1,
      notSgaclHit: 1,
      rejectedTotal: 3,
      rejected: {
        tag_out_of_range: { count: 2, firstLine: 5 },
        port_out_of_range: { count: 1, firstLine: 6 },
      },
    });
  });
});
