import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import { AbuseIpDbAnswer, fromAbuseIpDb } from './abuseipdb.ts';
import { fromOtx, OtxAnswer, otxPulseScore } from './otx.ts';
import { fromTalos, TalosAnswer } from './talos.ts';
import { fromVirusTotal, VirusTotalAnswer, virusTotalScore } from './virustotal.ts';

describe('AbuseIPDB', () => {
  const body = (data: Record<string, unknown>) =>
    v.parse(AbuseIpDbAnswer, { data: { ipAddress: '203.0.113.1', abuseConfidenceScore: 0, ...data } });

  test('score is abuseConfidenceScore; Tor exits get the tor category', () => {
    expect(
      fromAbuseIpDb(body({ abuseConfidenceScore: 87, isTor: true, totalReports: 12, numDistinctUsers: 5 })),
    ).toEqual({
      kind: 'answer',
      score: 87,
      categories: ['tor'],
      detail: '12 reports by 5 users',
    });
  });

  test('usage type goes to the trail, never to the categories', () => {
    const a = fromAbuseIpDb(body({ usageType: 'Data Center/Web Hosting/Transit', isTor: false }));
    expect(a).toMatchObject({
      score: 0,
      categories: [],
      detail: 'no reports; Data Center/Web Hosting/Transit',
    });
  });

  test('a score outside 0–100 is not the documented shape', () => {
    expect(
      v.safeParse(AbuseIpDbAnswer, { data: { ipAddress: 'x', abuseConfidenceScore: 101 } }).success,
    ).toBe(false);
  });
});

describe('OTX', () => {
  const body = (pulses: unknown[], extra: Record<string, unknown> = {}) =>
    v.parse(OtxAnswer, { reputation: 0, pulse_info: { count: pulses.length, pulses }, ...extra });

  test('pulse count maps to 0, 45, 60, 75, 90', () => {
    expect([0, 1, 2, 3, 4, 10].map(otxPulseScore)).toEqual([0, 45, 60, 75, 90, 90]);
  });

  test('categories from tags, names and malware families', () => {
    const a = fromOtx(
      body([
        { name: 'Mirai botnet wave', tags: ['telnet', 'Scanner'], malware_families: [] },
        { name: 'misc', tags: [], malware_families: [{ id: 'x', display_name: 'Emotet', target: null }] },
      ]),
    );
    expect(a).toEqual({
      kind: 'answer',
      score: 60,
      categories: ['botnet', 'malware', 'scanner'],
      detail: '2 pulses',
    });
  });

  test('reputation adds 10 a point, capped at 100', () => {
    expect(fromOtx(body([{ tags: [] }], { reputation: 2 }))).toMatchObject({ score: 65 });
    expect(fromOtx(body([{}, {}, {}, {}], { reputation: 5 }))).toMatchObject({ score: 100 });
  });

  test('allow-listed by OTX scores 0 whatever the pulses', () => {
    const a = fromOtx(
      body([{ tags: ['c2'] }, { tags: ['c2'] }, { tags: ['c2'] }, { tags: ['c2'] }], {
        validation: [{ source: 'whitelist', name: 'Whitelisted IP', message: '' }],
      }),
    );
    expect(a).toEqual({
      kind: 'answer',
      score: 0,
      categories: [],
      detail: 'allow-listed by OTX: Whitelisted IP',
    });
  });

  test('the count reported is trusted even when only some pulses are listed', () => {
    const b = v.parse(OtxAnswer, { pulse_info: { count: 7, pulses: [{ tags: [] }] } });
    expect(fromOtx(b)).toMatchObject({ score: 90, detail: '7 pulses' });
  });
});

describe('VirusTotal', () => {
  const body = (stats: Partial<Record<string, number>>, extra: Record<string, unknown> = {}) =>
    v.parse(VirusTotalAnswer, {
      data: {
        attributes: {
          last_analysis_stats: {
            harmless: 60,
            malicious: 0,
            suspicious: 0,
            undetected: 25,
            timeout: 0,
            ...stats,
          },
          ...extra,
        },
      },
    });

  test('20 points per flagging engine, suspicious counting half, capped', () => {
    expect(virusTotalScore(1, 0)).toBe(20);
    expect(virusTotalScore(3, 1)).toBe(70);
    expect(virusTotalScore(4, 0)).toBe(80);
    expect(virusTotalScore(30, 5)).toBe(100);
  });

  test('categories from tags and the labels of flagging engines only', () => {
    const a = fromVirusTotal(
      body(
        { malicious: 2, suspicious: 1 },
        {
          tags: ['tor'],
          as_owner: 'Example AS',
          last_analysis_results: {
            A: { category: 'malicious', result: 'phishing', engine_name: 'A' },
            B: { category: 'suspicious', result: 'malware', engine_name: 'B' },
            C: { category: 'harmless', result: 'spam', engine_name: 'C' },
            D: { category: 'malicious', result: 'malicious', engine_name: 'D' },
          },
        },
      ),
    );
    expect(a).toEqual({
      kind: 'answer',
      score: 50,
      categories: ['malware', 'phishing', 'tor'],
      detail: '2 malicious, 1 suspicious of 88 engines; Example AS',
    });
  });

  test('no engine opinion at all is no answer', () => {
    expect(fromVirusTotal(body({ harmless: 0, undetected: 0 }))).toMatchObject({
      kind: 'no_answer',
      reason: 'not_found',
    });
  });
});

describe('Talos', () => {
  test('reputation names map to scores; the worse of web and email counts', () => {
    expect(
      fromTalos(v.parse(TalosAnswer, { web_score_name: 'Neutral', email_score_name: 'Good' })),
    ).toMatchObject({
      score: 10,
      categories: [],
    });
    expect(fromTalos(v.parse(TalosAnswer, { web_score_name: 'Untrusted' }))).toMatchObject({ score: 100 });
    expect(
      fromTalos(v.parse(TalosAnswer, { web_score_name: 'Neutral', email_score_name: 'Poor' })),
    ).toMatchObject({
      score: 60,
      categories: ['spam'],
    });
  });

  test('unknown names are no answer, not a guess', () => {
    expect(fromTalos(v.parse(TalosAnswer, { web_score_name: 'Sparkly' }))).toMatchObject({
      kind: 'no_answer',
      reason: 'bad_body',
    });
  });
});
