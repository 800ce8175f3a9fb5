import { describe, expect, test } from 'bun:test';
import type { ThreatAssessment } from '../../domain/threat/mod.ts';
import { decodeMessage, type FlowObserved, FlowUnknown, subjectsFor } from '../../streams/mod.ts';
import { DEFAULT_NAMESPACE } from '../../streams/namespace.ts';
import { destinationsOf, threatFlows, trailOf } from './logic.ts';
import { Recent } from './recent.ts';

const subjects = subjectsFor(DEFAULT_NAMESPACE);
const encoder = new TextEncoder();

const delta = (dstPort: number, dstSamples: string[]): FlowObserved => ({
  sgt: 10,
  dgt: 0,
  protocol: 'tcp',
  srcPort: 'any',
  dstPort,
  hits: 3,
  events: 3,
  firstSeen: '2026-11-26T10:00:00.000Z',
  lastSeen: '2026-11-26T10:00:01.000Z',
  srcSamples: ['10.0.0.5'],
  dstSamples,
  actions: ['permit'],
  permitHits: 3,
  denyHits: 0,
  switches: ['sw01'],
  interfaces: ['Gi1/0/1'],
  source: 'test',
});

const bad: ThreatAssessment = {
  ip: '203.0.113.66',
  malicious: true,
  reasons: ['abuseipdb score 100 ≥ 75'],
  flaggedBy: ['abuseipdb'],
  checkedAtMs: 1,
  verdicts: [
    {
      provider: 'abuseipdb',
      outcome: 'malicious',
      score: 100,
      categories: ['c2'],
      cached: false,
      checkedAtMs: 1,
    },
    {
      provider: 'otx',
      outcome: 'no_answer',
      categories: [],
      reason: 'timeout',
      cached: false,
      checkedAtMs: 1,
    },
    { provider: 'virustotal', outcome: 'clean', score: 0, categories: [], cached: true, checkedAtMs: 1 },
  ],
};

describe('threat watch logic', () => {
  test('destinations are each asked about once per batch', () => {
    expect(destinationsOf([delta(443, ['1.1.1.1', '2.2.2.2']), delta(80, ['2.2.2.2', '3.3.3.3'])])).toEqual([
      '1.1.1.1',
      '2.2.2.2',
      '3.3.3.3',
    ]);
  });

  test('the trail keeps providers that answered, and names agreement when no single one was malicious', () => {
    expect(trailOf(bad).map((v) => [v.provider, v.malicious])).toEqual([
      ['abuseipdb', true],
      ['virustotal', false],
    ]);
    const agreed: ThreatAssessment = {
      ip: '198.51.100.9',
      malicious: true,
      reasons: ['otx and virustotal both name botnet'],
      flaggedBy: ['otx', 'virustotal'],
      checkedAtMs: 1,
      verdicts: [
        {
          provider: 'otx',
          outcome: 'clean',
          score: 40,
          categories: ['botnet'],
          cached: false,
          checkedAtMs: 1,
        },
        {
          provider: 'virustotal',
          outcome: 'clean',
          score: 30,
          categories: ['botnet'],
          cached: false,
          checkedAtMs: 1,
        },
      ],
    };
    const trail = trailOf(agreed);
    expect(trail.at(-1)).toEqual({
      ip: '198.51.100.9',
      provider: 'consensus',
      malicious: true,
      reason: 'otx and virustotal both name botnet',
    });
  });

  test('one threat flow per (flow, malicious destination), valid, keyed by the destination', () => {
    const { effects, reported } = threatFlows({
      subjects,
      tenant: 'acme',
      deltas: [
        delta(443, ['203.0.113.66', '8.8.8.8']),
        delta(443, ['203.0.113.66']),
        delta(80, ['203.0.113.66']),
      ],
      malicious: new Map([[bad.ip, bad]]),
      reported: () => false,
      nowMs: Date.UTC(2026, 10, 26),
    });
    expect(reported).toEqual([
      ['10-0-tcp-any-443', '203.0.113.66'],
      ['10-0-tcp-any-80', '203.0.113.66'],
    ]);
    expect(effects.map((e) => e.subject)).toEqual([
      subjects.flowsUnknown('acme'),
      subjects.flowsUnknown('acme'),
    ]);
    const first = decodeMessage(encoder.encode(JSON.stringify(effects[0]!.message)), FlowUnknown).data;
    expect(first.trigger).toBe('threat');
    expect(first.triggerRef).toBe('threat:203.0.113.66');
    expect(first.verdicts?.[0]).toMatchObject({ ip: '203.0.113.66', provider: 'abuseipdb', malicious: true });
    expect(effects[0]!.msgId).toBe('threat:acme:10-0-tcp-any-443:203.0.113.66');
  });

  test('a pair reported before is not reported again', () => {
    const { effects } = threatFlows({
      subjects,
      tenant: 'acme',
      deltas: [delta(443, ['203.0.113.66'])],
      malicious: new Map([[bad.ip, bad]]),
      reported: (flowId, ip) => flowId === '10-0-tcp-any-443' && ip === bad.ip,
      nowMs: 0,
    });
    expect(effects).toEqual([]);
  });
});

describe('Recent', () => {
  test('entries expire, and the oldest goes when full', () => {
    const r = new Recent(2);
    r.add('a', 100);
    r.add('b', 100);
    expect(r.has('a', 50)).toBe(true);
    expect(r.has('a', 100)).toBe(false);
    r.add('a', 200);
    r.add('c', 200);
    expect(r.size).toBe(2);
    expect(r.has('b', 0)).toBe(false);
    expect(r.has('a', 0) && r.has('c', 0)).toBe(true);
  });
});
