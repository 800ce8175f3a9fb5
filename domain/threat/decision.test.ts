import { describe, expect, test } from 'bun:test';
import { decide, outcomeForScore, toThreatVerdicts } from './decision.ts';
import type { ProviderVerdict, ThreatAssessment } from './types.ts';

const verdict = (
  provider: string,
  score: number | undefined,
  categories: string[] = [],
): ProviderVerdict => ({
  provider,
  outcome: score === undefined ? 'no_answer' : score >= 75 ? 'malicious' : 'clean',
  ...(score === undefined ? { reason: 'timeout' as const } : { score }),
  categories,
  cached: false,
  checkedAtMs: 0,
});

describe('decide', () => {
  test('a score at the threshold is malicious, one below is not', () => {
    expect(decide([verdict('abuseipdb', 75)], 75)).toEqual({
      malicious: true,
      reasons: ['abuseipdb score 75 >= 75'],
      flaggedBy: ['abuseipdb'],
    });
    expect(decide([verdict('abuseipdb', 74)], 75).malicious).toBe(false);
  });

  test('any one provider over the threshold is enough, whatever the others say', () => {
    const d = decide([verdict('abuseipdb', 0), verdict('virustotal', 90), verdict('otx', 10)], 75);
    expect(d.malicious).toBe(true);
    expect(d.flaggedBy).toEqual(['virustotal']);
  });

  test('two providers naming the same category is malicious, even with low scores', () => {
    const d = decide([verdict('otx', 45, ['botnet', 'scanner']), verdict('virustotal', 20, ['botnet'])], 75);
    expect(d).toEqual({
      malicious: true,
      reasons: ['botnet named by otx and virustotal'],
      flaggedBy: ['otx', 'virustotal'],
    });
  });

  test('one provider naming a category alone is not enough', () => {
    expect(
      decide([verdict('otx', 45, ['botnet', 'c2']), verdict('virustotal', 20, ['scanner'])], 75).malicious,
    ).toBe(false);
  });

  test('different categories from two providers do not add up', () => {
    expect(decide([verdict('abuseipdb', 10, ['tor']), verdict('otx', 30, ['scanner'])], 75).malicious).toBe(
      false,
    );
  });

  test('a provider without an answer takes no part', () => {
    const silent: ProviderVerdict = { ...verdict('virustotal', undefined), categories: ['botnet'] };
    expect(decide([verdict('otx', 45, ['botnet']), silent], 75).malicious).toBe(false);
    expect(decide([], 75)).toEqual({ malicious: false, reasons: [], flaggedBy: [] });
  });

  test('both rules can fire together; each is reported', () => {
    const d = decide([verdict('blocklist', 100, ['botnet', 'c2']), verdict('otx', 60, ['c2'])], 75);
    expect(d.reasons).toEqual(['blocklist score 100 >= 75', 'c2 named by blocklist and otx']);
    expect(d.flaggedBy).toEqual(['blocklist', 'otx']);
  });

  test('outcomeForScore follows the threshold', () => {
    expect(outcomeForScore(75, 75)).toBe('malicious');
    expect(outcomeForScore(74.9, 75)).toBe('clean');
  });
});

describe('toThreatVerdicts', () => {
  const assessment = (verdicts: ProviderVerdict[]): ThreatAssessment => {
    const d = decide(verdicts, 75);
    return { ip: '203.0.113.1', ...d, verdicts, checkedAtMs: 0 };
  };

  test('marks only the providers that made the decision fire', () => {
    const out = toThreatVerdicts(
      assessment([
        verdict('abuseipdb', 90),
        verdict('otx', 10, ['scanner']),
        verdict('virustotal', undefined),
      ]),
    );
    expect(out).toEqual([
      { provider: 'abuseipdb', malicious: true, score: 90, reason: 'abuseipdb score 90 >= 75' },
      { provider: 'otx', malicious: false, score: 10, reason: 'scanner' },
    ]);
  });

  test('a clean assessment yields no malicious verdict', () => {
    expect(toThreatVerdicts(assessment([verdict('otx', 60, ['botnet'])])).some((v) => v.malicious)).toBe(
      false,
    );
  });
});
