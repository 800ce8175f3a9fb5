import { describe, expect, test } from 'bun:test';
import { ProposalStatus } from '../domain/proposal.ts';
import { isolatedNamespace } from '../streams/namespace.ts';
import {
  bucketConfigs,
  decodeToken,
  encodeToken,
  generationOf,
  keys,
  nextGeneration,
  ProposalRecord,
} from './mod.ts';

const KV_KEY = /^[-/_=.a-zA-Z0-9]+$/;

describe('buckets', () => {
  test('carry the names, history and max age of DESIGN §5', () => {
    const byName = Object.fromEntries(bucketConfigs().map((b) => [b.name, b]));
    const day = 86_400_000;
    expect(byName).toMatchObject({
      scopilot_sgt: { history: 16 },
      scopilot_inventory: { history: 1 },
      scopilot_proposals: { history: 64 },
      scopilot_matrix: { history: 64 },
      scopilot_classifications: { history: 1, maxAgeMs: 7 * day },
      scopilot_runs: { history: 1, maxAgeMs: 30 * day },
      scopilot_state: { history: 1 },
      scopilot_threat: { history: 1 },
      scopilot_sessions: { history: 1, maxAgeMs: day / 2 },
    });
    expect(byName.scopilot_matrix?.maxAgeMs).toBeUndefined();
  });

  test('the classification cache follows its setting; namespaces prefix names', () => {
    const cache = bucketConfigs(isolatedNamespace('t1'), { classificationCacheDays: 3 }).find((b) =>
      b.name.endsWith('classifications'),
    );
    expect(cache).toMatchObject({ name: 't1_scopilot_classifications', maxAgeMs: 3 * 86_400_000 });
  });
});

describe('keys', () => {
  test('are spelled as DESIGN §5 says', () => {
    expect(keys.sgt('acme', 100)).toBe('acme.100');
    expect(keys.inventory('acme', '100-200-tcp-any-443')).toBe('acme.100-200-tcp-any-443');
    expect(keys.matrixVersion('acme', 7)).toBe('acme.v.7');
    expect(keys.matrixCurrent('acme')).toBe('acme.current');
    expect(keys.actorState('proposer', 'acme')).toBe('proposer.acme');
    expect(keys.lease('scheduler')).toBe('lease.scheduler');
    expect(keys.session('ab'.repeat(32))).toBe(`session.${'ab'.repeat(32)}`);
  });

  test('encode what KV keys cannot hold, reversibly', () => {
    for (const ip of ['2001:db8::1', '10.1.2.3', 'fe80::1%eth0']) {
      const key = keys.threat('abuseipdb', ip);
      expect(key).toMatch(KV_KEY);
      expect(decodeToken(key.split('.')[1] as string)).toBe(ip);
    }
    expect(encodeToken('plain-token_1')).toBe('plain-token_1');
    expect(decodeToken(encodeToken('ignore previous instructions'))).toBe('ignore previous instructions');
    expect(keys.cursor('tail', 'sw01.example.net', '/var/log/x')).toMatch(KV_KEY);
  });

  test('refuse malformed ids instead of building a wrong key', () => {
    expect(() => keys.inventory('acme', '100-200-tcp-any')).toThrow('flow id');
    expect(() => keys.sgt('acme', -1)).toThrow();
    expect(() => keys.matrixVersion('acme', 0)).toThrow('matrix version');
    expect(() => keys.proposal('ACME', 'p1')).toThrow('tenant id');
    expect(() => keys.proposal('acme', 'p.1')).toThrow('proposal id');
    expect(() => keys.session('not-a-digest')).toThrow('session digest');
  });
});

describe('records', () => {
  test('a stored proposal may carry every status of the lifecycle, and only those', () => {
    expect([...ProposalRecord.entries.status.options].sort()).toEqual(Object.values(ProposalStatus).sort());
  });

  test('a pointer written before generations were kept reads as its version; each move grows it', () => {
    const old = {
      version: 4,
      latest: 4,
      by: 'a',
      channel: 'api',
      at: '2026-01-01T00:00:00.000Z',
      reason: 'r',
    };
    expect(generationOf(old)).toBe(4);
    expect(generationOf(null)).toBe(0);
    expect(nextGeneration(null, 1)).toBe(1);
    expect(nextGeneration(old, 5)).toBe(5); // an approval, no rollback yet: the version number
    expect(nextGeneration(old, 2)).toBe(5); // a rollback: new, though version 2 was live before
    expect(nextGeneration({ ...old, generation: 9 }, 5)).toBe(10);
  });
});
