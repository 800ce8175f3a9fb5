import { describe, expect, test } from 'bun:test';
import type * as v from 'valibot';
import { TerminalError } from '../engine/errors.ts';
import { subjectMatches } from '../engine/subjects.ts';
import {
  checked,
  DEFAULT_NAMESPACE,
  decodeMessage,
  encodeMessage,
  FlowUnknown,
  isolatedNamespace,
  ProposalEventMessage,
  streamConfigs,
  subjects,
  subjectsFor,
} from './mod.ts';

describe('subjects', () => {
  test('are spelled as DESIGN §4 says', () => {
    expect(subjects.flowsObserved('acme', 100, 200)).toBe('scopilot.acme.flows.observed.100.200');
    expect(subjects.flowsUnknown('acme')).toBe('scopilot.acme.flows.unknown');
    expect(subjects.flowsClassified('acme')).toBe('scopilot.acme.flows.classified');
    expect(subjects.proposal('acme', 'created')).toBe('scopilot.acme.proposals.created');
    expect(subjects.matrixChanged('acme')).toBe('scopilot.acme.matrix.changed');
    expect(subjects.audit('acme')).toBe('scopilot.acme.audit');
    expect(subjects.iseDrift('acme')).toBe('scopilot.acme.ise.drift');
    expect(subjects.dead('acme', 'matrix-keeper')).toBe('scopilot.acme.dead.matrix-keeper');
    expect(subjects.command('acme', 'decide')).toBe('scopilot.acme.cmd.decide');
    expect(subjects.flowsObservedAll('acme')).toBe('scopilot.acme.flows.observed.>');
  });

  test('refuse tokens that would break the grammar', () => {
    expect(() => subjects.flowsUnknown('Acme')).toThrow('tenant id');
    expect(() => subjects.flowsUnknown('a.b')).toThrow('tenant id');
    expect(() => subjects.flowsUnknown('*')).toThrow('tenant id');
    expect(() => subjects.flowsObserved('acme', 70000, 1)).toThrow('0–65535');
    expect(() => subjects.flowsObserved('acme', 1.5, 1)).toThrow('0–65535');
    expect(() => subjects.dead('acme', 'x.y')).toThrow('actor kind');
  });

  test('tenantOf reads the tenant back, only in its own namespace', () => {
    expect(subjects.tenantOf('scopilot.acme.flows.unknown')).toBe('acme');
    expect(subjects.tenantOf('other.acme.flows.unknown')).toBeNull();
    expect(subjectsFor(isolatedNamespace('t1')).tenantOf('t1.acme.audit')).toBe('acme');
  });

  test('every subject is captured by exactly one stream', () => {
    const all = [
      subjects.flowsObserved('a', 1, 2),
      subjects.flowsUnknown('a'),
      subjects.flowsClassified('a'),
      subjects.proposal('a', 'applied'),
      subjects.matrixChanged('a'),
      subjects.audit('a'),
      subjects.dead('a', 'proposer'),
      subjects.iseDrift('a'),
    ];
    const configs = streamConfigs();
    for (const subject of all) {
      const owners = configs.filter((c) => c.subjects.some((p) => subjectMatches(p, subject)));
      expect(owners.map((o) => o.name)).toHaveLength(1);
    }
    expect(
      configs.some((c) => c.subjects.some((p) => subjectMatches(p, subjects.command('a', 'decide')))),
    ).toBe(false);
  });
});

describe('streams', () => {
  test('carry the names and limits of DESIGN §4', () => {
    const byName = Object.fromEntries(streamConfigs(DEFAULT_NAMESPACE).map((c) => [c.name, c]));
    expect(Object.keys(byName).sort()).toEqual(['AUDIT', 'DEAD', 'EVENTS', 'FLOWS', 'WORK']);
    expect(byName.FLOWS?.maxAgeMs).toBe(30 * 86_400_000);
    expect(byName.AUDIT?.denyDelete).toBe(true);
    expect(byName.AUDIT?.denyPurge).toBe(true);
    expect(byName.AUDIT?.maxAgeMs).toBeUndefined();
  });

  test('an isolated namespace prefixes every name', () => {
    const ns = isolatedNamespace('t9');
    for (const c of streamConfigs(ns)) {
      expect(c.name.startsWith('T9_')).toBe(true);
      for (const s of c.subjects) expect(s.startsWith('t9.')).toBe(true);
    }
  });
});

describe('messages', () => {
  const unknown: v.InferInput<typeof FlowUnknown> = {
    flowId: '100-200-tcp-any-443',
    sgt: 100,
    dgt: 200,
    protocol: 'tcp',
    srcPort: 'any',
    dstPort: 443,
    hits: 12,
    trigger: 'scan',
    triggerRef: 'scan-1',
  };

  test('round-trip through the envelope', () => {
    const bytes = encodeMessage({ id: 'm1', tenant: 'acme', at: '2026-06-18T10:17:22.205Z', data: unknown });
    const decoded = decodeMessage(bytes, FlowUnknown);
    expect(decoded.data).toEqual(unknown);
    expect(decoded.tenant).toBe('acme');
  });

  test('an outgoing payload that breaks its schema is refused before it is published', () => {
    expect(checked(ProposalEventMessage, { proposalId: 'p-1', status: 'applied', revision: 3 })).toEqual({
      proposalId: 'p-1',
      status: 'applied',
      revision: 3,
    });
    expect(() =>
      checked(ProposalEventMessage, { proposalId: 'p-1', status: 'applied', revision: -1 }),
    ).toThrow('refusing to publish');
  });

  test('bad bytes, JSON, envelopes and payloads are terminal, with a reason', () => {
    const at = '2026-06-18T10:17:22.205Z';
    const cases: [Uint8Array, string][] = [
      [new Uint8Array([0xff, 0xfe]), 'UTF-8'],
      [new TextEncoder().encode('{'), 'JSON'],
      [new TextEncoder().encode('{"v":2}'), 'bad envelope'],
      [encodeMessage({ id: 'm', tenant: 'acme', at, data: { ...unknown, dstPort: 70000 } }), 'dstPort'],
    ];
    for (const [bytes, reason] of cases) {
      let caught: unknown;
      try {
        decodeMessage(bytes, FlowUnknown);
      } catch (error) {
        caught = error;
      }
      expect(caught).toBeInstanceOf(TerminalError);
      expect((caught as Error).message).toContain(reason);
    }
  });
});
