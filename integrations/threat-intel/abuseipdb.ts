/**
 * AbuseIPDB v2 `check`: `GET /api/v2/check?ipAddress=…&maxAgeInDays=90` with
 * the key in `Key`. Score: `abuseConfidenceScore` as is (already 0–100; an
 * allow-listed address scores 0 there). Categories: `tor` when `isTor`;
 * `usageType` (hosting, ISP, university…) says who holds the address, not
 * what it does, so it goes to the trail only. Free plan: 1,000 checks a day.
 */
import * as v from 'valibot';
import type { IpAddress } from '../../domain/net/ip.ts';
import { formatIp } from '../../domain/net/ip.ts';
import { ThreatCategory } from '../../domain/threat/categories.ts';
import { getJson } from './http.ts';
import { DAY_MS, MINUTE_MS, type RateLimit } from './rate-limit.ts';
import { answer, baseUrlOf, type ProviderAnswer, type ThreatProvider } from './types.ts';

export const ABUSEIPDB_DEFAULT_BASE_URL = 'https://api.abuseipdb.com';
/** 1,000 a day (free plan); at most 60 a minute so a burst cannot spend the day at once. */
export const ABUSEIPDB_LIMITS: readonly RateLimit[] = [
  { count: 1_000, perMs: DAY_MS },
  { count: 60, perMs: MINUTE_MS },
];

const optional = <S extends v.GenericSchema>(s: S) => v.nullish(s);

export const AbuseIpDbAnswer = v.object({
  data: v.object({
    ipAddress: v.string(),
    abuseConfidenceScore: v.pipe(v.number(), v.minValue(0), v.maxValue(100)),
    isPublic: optional(v.boolean()),
    isWhitelisted: optional(v.boolean()),
    isTor: optional(v.boolean()),
    usageType: optional(v.string()),
    countryCode: optional(v.string()),
    totalReports: optional(v.number()),
    numDistinctUsers: optional(v.number()),
    lastReportedAt: optional(v.string()),
  }),
});
export type AbuseIpDbAnswer = v.InferOutput<typeof AbuseIpDbAnswer>;

/** The verdict an AbuseIPDB answer gives. */
export function fromAbuseIpDb(body: AbuseIpDbAnswer): ProviderAnswer {
  const d = body.data;
  const detail = [
    d.totalReports ? `${d.totalReports} reports by ${d.numDistinctUsers ?? '?'} users` : 'no reports',
    d.usageType,
    d.isWhitelisted ? 'allow-listed' : undefined,
  ]
    .filter(Boolean)
    .join('; ');
  return answer(d.abuseConfidenceScore, d.isTor ? [ThreatCategory.Tor] : [], detail);
}

export interface AbuseIpDbOptions {
  apiKey: string;
  baseUrl?: string;
  limits?: readonly RateLimit[];
  nowMs?: () => number;
}

export function createAbuseIpDbProvider(o: AbuseIpDbOptions): ThreatProvider {
  const base = baseUrlOf(o.baseUrl, ABUSEIPDB_DEFAULT_BASE_URL);
  return {
    name: 'abuseipdb',
    limits: o.limits ?? ABUSEIPDB_LIMITS,
    cacheable: true,
    async lookup(ip: IpAddress, signal: AbortSignal): Promise<ProviderAnswer> {
      const query = new URLSearchParams({ ipAddress: formatIp(ip), maxAgeInDays: '90' });
      const got = await getJson(
        `${base}/api/v2/check?${query}`,
        { Key: o.apiKey, Accept: 'application/json' },
        AbuseIpDbAnswer,
        signal,
        o.nowMs,
      );
      return got.ok ? fromAbuseIpDb(got.body) : got.answer;
    },
  };
}
