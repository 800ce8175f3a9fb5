import { describe, expect, test } from 'bun:test';
import type { FlowKey } from '../flow.ts';
import { guardrail, matchPortRule, PORT_RULES } from './guardrails.ts';

const NOW = Date.UTC(2026, 5, 20);
const key = (sgt: number, dgt: number, dstPort: number | 'any', protocol = 'tcp'): FlowKey => ({
  sgt,
  dgt,
  protocol,
  srcPort: 'any',
  dstPort,
});

describe('guardrail', () => {
  test('a malicious threat verdict makes the flow harmful and critical, naming the provider', () => {
    const c = guardrail(
      {
        key: key(4, 11, 443),
        srcName: 'Employees',
        dstName: 'Production_Servers',
        threat: [
          { provider: 'otx', malicious: false },
          { provider: 'abuseipdb', malicious: true, score: 97, reason: 'C2 beacon\nseen at 203.0.113.9' },
        ],
      },
      NOW,
    );
    expect(c).toMatchObject({
      flowId: '4-11-tcp-any-443',
      category: 'harmful',
      risk: 'critical',
      source: 'guardrail',
      atMs: NOW,
    });
    expect(c?.rationale).toContain('abuseipdb (score 97): C2 beacon seen at [ip]');
    expect(c?.rationale).not.toContain('otx');
  });

  test('non-malicious verdicts alone do not trigger', () => {
    expect(
      guardrail({ key: key(4, 11, 443), threat: [{ provider: 'vt', malicious: false, score: 3 }] }, NOW),
    ).toBeNull();
  });

  test('mining, IRC and Tor ports are harmful anywhere', () => {
    for (const port of [14444, 45700, 6667, 9050, 9150, 9030, 23, 2323, 6881, 7547]) {
      expect(
        guardrail({ key: key(4, 11, port), srcName: 'Employees', dstName: 'Production_Servers' }, NOW)
          ?.category,
      ).toBe('harmful');
    }
  });

  test('ports with legitimate internal uses are harmful only towards the outside', () => {
    for (const port of [3333, 4444, 5555, 7777, 9001]) {
      expect(
        guardrail({ key: key(4, 11, port), srcName: 'Employees', dstName: 'Production_Servers' }, NOW),
      ).toBeNull();
      expect(guardrail({ key: key(4, 0, port), srcName: 'Employees' }, NOW)?.category).toBe('harmful');
      expect(
        guardrail({ key: key(4, 30, port), srcName: 'Employees', dstName: 'Internet' }, NOW)?.category,
      ).toBe('harmful');
    }
  });

  test('SMB/RDP between user groups is lateral movement; to servers it is not a guardrail matter', () => {
    const lateral = guardrail({ key: key(4, 5, 445), srcName: 'Employees', dstName: 'Contractors' }, NOW);
    expect(lateral?.category).toBe('harmful');
    expect(lateral?.rationale).toContain('lateral movement');
    expect(
      guardrail({ key: key(4, 4, 3389), srcName: 'Employees', dstName: 'Employees' }, NOW)?.category,
    ).toBe('harmful');
    expect(
      guardrail({ key: key(4, 11, 445), srcName: 'Employees', dstName: 'Production_Servers' }, NOW),
    ).toBeNull();
  });

  test('SMB to the outside is critical', () => {
    expect(guardrail({ key: key(11, 0, 445), srcName: 'Production_Servers' }, NOW)?.risk).toBe('critical');
  });

  test('protocol must match and ICMP (no port) never matches a port rule', () => {
    expect(guardrail({ key: key(4, 0, 6667, 'udp'), srcName: 'Employees' }, NOW)).toBeNull();
    expect(guardrail({ key: key(4, 0, 'any', 'icmp'), srcName: 'Employees' }, NOW)).toBeNull();
  });

  test('the rule list is documented: every rule has ports and a reason', () => {
    for (const r of PORT_RULES) {
      expect(r.ports.length).toBeGreaterThan(0);
      expect(r.reason.length).toBeGreaterThan(20);
    }
    expect(matchPortRule(key(6, 0, 25), 'Guests')?.reason).toContain('spam');
  });
});
