/**
 * AlienVault OTX: `GET /api/v1/indicators/IPv4|IPv6/{ip}/general` with the
 * key in `X-OTX-API-KEY`.
 *
 * Score mapping (OTX has no single score). Pulses are community threat
 * reports; one pulse is a hint, several independent ones are a pattern:
 *   pulses 0 → 0, 1 → 45, 2 → 60, 3 → 75, 4 or more → 90,
 * plus 10 per point of OTX's own `reputation` threat level (0 = none),
 * capped at 100. With the default threshold (75), three pulses convict alone.
 * An address OTX itself validates as allow-listed or a known false positive
 * (`validation`, e.g. public DNS resolvers that show up in many pulses as
 * noise) scores 0 whatever the pulses say.
 * Categories: from pulse tags and names, and `malware` when a pulse names a
 * malware family.
 */
import * as v from 'valibot';
import type { IpAddress } from '../../domain/net/ip.ts';
import { formatIp } from '../../domain/net/ip.ts';
import { normaliseCategories, ThreatCategory } from '../../domain/threat/categories.ts';
import { getJson } from './http.ts';
import { MINUTE_MS, type RateLimit } from './rate-limit.ts';
import { answer, baseUrlOf, type ProviderAnswer, type ThreatProvider } from './types.ts';

export const OTX_DEFAULT_BASE_URL = 'https://otx.alienvault.com';
/** OTX publishes no hard figure for indicator lookups; stay well clear of abuse detection. */
export const OTX_LIMITS: readonly RateLimit[] = [{ count: 10, perMs: MINUTE_MS }];

const Family = v.union([
  v.string(),
  v.object({ display_name: v.nullish(v.string()), id: v.nullish(v.union([v.string(), v.number()])) }),
]);

export const OtxAnswer = v.object({
  reputation: v.nullish(v.number()),
  pulse_info: v.object({
    count: v.pipe(v.number(), v.integer(), v.minValue(0)),
    pulses: v.array(
      v.object({
        name: v.nullish(v.string()),
        tags: v.nullish(v.array(v.string())),
        malware_families: v.nullish(v.array(Family)),
        adversary: v.nullish(v.string()),
      }),
    ),
  }),
  validation: v.nullish(
    v.array(
      v.object({
        source: v.nullish(v.string()),
        name: v.nullish(v.string()),
        message: v.nullish(v.string()),
      }),
    ),
  ),
});
export type OtxAnswer = v.InferOutput<typeof OtxAnswer>;

/** Validation sources that mean "known good" rather than a threat. */
const ALLOW_SOURCES = new Set(['whitelist', 'false_positive', 'false-positive']);

export const otxPulseScore = (pulses: number): number => (pulses <= 0 ? 0 : Math.min(90, 30 + 15 * pulses));

export function fromOtx(body: OtxAnswer): ProviderAnswer {
  const allowed = (body.validation ?? []).find((x) => ALLOW_SOURCES.has((x.source ?? '').toLowerCase()));
  if (allowed !== undefined) return answer(0, [], `allow-listed by OTX: ${allowed.name ?? allowed.source}`);
  const pulses = body.pulse_info.pulses.slice(0, 50);
  const labels = pulses.flatMap((p) => [...(p.tags ?? []), p.name ?? '']);
  const categories = normaliseCategories(labels);
  if (
    pulses.some((p) => (p.malware_families ?? []).length > 0) &&
    !categories.includes(ThreatCategory.Malware)
  ) {
    categories.push(ThreatCategory.Malware);
    categories.sort();
  }
  const count = Math.max(body.pulse_info.count, pulses.length);
  const reputation = Math.max(0, body.reputation ?? 0);
  return answer(
    Math.min(100, otxPulseScore(count) + 10 * reputation),
    categories,
    `${count} pulses${reputation > 0 ? `; reputation ${reputation}` : ''}`,
  );
}

export interface OtxOptions {
  apiKey: string;
  baseUrl?: string;
  limits?: readonly RateLimit[];
  nowMs?: () => number;
}

export function createOtxProvider(o: OtxOptions): ThreatProvider {
  const base = baseUrlOf(o.baseUrl, OTX_DEFAULT_BASE_URL);
  return {
    name: 'otx',
    limits: o.limits ?? OTX_LIMITS,
    cacheable: true,
    async lookup(ip: IpAddress, signal: AbortSignal): Promise<ProviderAnswer> {
      const section = ip.version === 4 ? 'IPv4' : 'IPv6';
      const got = await getJson(
        `${base}/api/v1/indicators/${section}/${formatIp(ip)}/general`,
        { 'X-OTX-API-KEY': o.apiKey, Accept: 'application/json' },
        OtxAnswer,
        signal,
        o.nowMs,
      );
      return got.ok ? fromOtx(got.body) : got.answer;
    },
  };
}
