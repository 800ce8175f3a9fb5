/**
 * VirusTotal v3: `GET /api/v3/ip_addresses/{ip}` with the key in `x-apikey`.
 *
 * Score mapping, from `last_analysis_stats`: each engine flagging the address
 * `malicious` counts 1, each `suspicious` counts ½, and every counted engine
 * is worth 20 points, capped at 100 — one engine 20, three 60, four 80, five
 * or more 100. A count, not a share of the ~90 engines: they cover very
 * different ground, a single engine is often a false positive, and a handful
 * agreeing is already strong evidence, whereas a share would need dozens.
 * When no engine gave an opinion (harmless + malicious + suspicious +
 * undetected = 0) there is no verdict. Categories: from `tags` and the result
 * labels of the engines that flagged it (`phishing`, `malware`, …).
 * Free tier: 4 lookups a minute and 500 a day.
 */
import * as v from 'valibot';
import type { IpAddress } from '../../domain/net/ip.ts';
import { formatIp } from '../../domain/net/ip.ts';
import { normaliseCategories } from '../../domain/threat/categories.ts';
import { NoAnswerReason } from '../../domain/threat/types.ts';
import { getJson } from './http.ts';
import { DAY_MS, MINUTE_MS, type RateLimit } from './rate-limit.ts';
import { answer, baseUrlOf, noAnswer, type ProviderAnswer, type ThreatProvider } from './types.ts';

export const VIRUSTOTAL_DEFAULT_BASE_URL = 'https://www.virustotal.com';
export const VIRUSTOTAL_LIMITS: readonly RateLimit[] = [
  { count: 4, perMs: MINUTE_MS },
  { count: 500, perMs: DAY_MS },
];

const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

export const VirusTotalAnswer = v.object({
  data: v.object({
    attributes: v.object({
      last_analysis_stats: v.object({
        harmless: Count,
        malicious: Count,
        suspicious: Count,
        undetected: Count,
        timeout: v.nullish(Count),
      }),
      last_analysis_results: v.nullish(
        v.record(
          v.string(),
          v.object({
            category: v.nullish(v.string()),
            result: v.nullish(v.string()),
            engine_name: v.nullish(v.string()),
          }),
        ),
      ),
      reputation: v.nullish(v.number()),
      tags: v.nullish(v.array(v.string())),
      as_owner: v.nullish(v.string()),
      country: v.nullish(v.string()),
    }),
  }),
});
export type VirusTotalAnswer = v.InferOutput<typeof VirusTotalAnswer>;

export const virusTotalScore = (malicious: number, suspicious: number): number =>
  Math.min(100, Math.round(20 * (malicious + suspicious / 2)));

const FLAGGING = new Set(['malicious', 'suspicious']);

export function fromVirusTotal(body: VirusTotalAnswer): ProviderAnswer {
  const a = body.data.attributes;
  const s = a.last_analysis_stats;
  const engines = s.harmless + s.malicious + s.suspicious + s.undetected;
  if (engines === 0) return noAnswer(NoAnswerReason.NotFound, 'no engine has analysed this address');
  const results = Object.values(a.last_analysis_results ?? {})
    .filter((r) => FLAGGING.has(r.category ?? ''))
    .map((r) => r.result ?? '');
  const detail = [
    `${s.malicious} malicious, ${s.suspicious} suspicious of ${engines} engines`,
    a.as_owner ?? undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return answer(
    virusTotalScore(s.malicious, s.suspicious),
    normaliseCategories([...(a.tags ?? []), ...results]),
    detail,
  );
}

export interface VirusTotalOptions {
  apiKey: string;
  baseUrl?: string;
  limits?: readonly RateLimit[];
  nowMs?: () => number;
}

export function createVirusTotalProvider(o: VirusTotalOptions): ThreatProvider {
  const base = baseUrlOf(o.baseUrl, VIRUSTOTAL_DEFAULT_BASE_URL);
  return {
    name: 'virustotal',
    limits: o.limits ?? VIRUSTOTAL_LIMITS,
    cacheable: true,
    async lookup(ip: IpAddress, signal: AbortSignal): Promise<ProviderAnswer> {
      const got = await getJson(
        `${base}/api/v3/ip_addresses/${formatIp(ip)}`,
        { 'x-apikey': o.apiKey, Accept: 'application/json' },
        VirusTotalAnswer,
        signal,
        o.nowMs,
      );
      return got.ok ? fromVirusTotal(got.body) : got.answer;
    },
  };
}
