/**
 * Cisco Talos, opt-in and best effort. Talos has no supported public API; the
 * reputation center's own page asks `GET /sb_api/query_lookup?query=
 * /api/v2/details/ip/&query_entry={ip}` (with a Referer from that page) and
 * reads `web_score_name` / `email_score_name`. That endpoint can change or
 * sit behind a bot challenge at any time, so any failure is simply no answer
 * (like every provider here: nothing a provider does fails a lookup).
 *
 * Score mapping from the reputation names (Talos' current and older scales):
 *   trusted / favorable / good → 0, neutral → 10, questionable / poor → 60,
 *   untrusted → 100; the worse of web and email counts.
 * Categories: `spam` when the email reputation is poor or untrusted.
 */
import * as v from 'valibot';
import type { IpAddress } from '../../domain/net/ip.ts';
import { formatIp } from '../../domain/net/ip.ts';
import { ThreatCategory } from '../../domain/threat/categories.ts';
import { NoAnswerReason } from '../../domain/threat/types.ts';
import { getJson } from './http.ts';
import { MINUTE_MS, type RateLimit } from './rate-limit.ts';
import { answer, baseUrlOf, noAnswer, type ProviderAnswer, type ThreatProvider } from './types.ts';

export const TALOS_DEFAULT_BASE_URL = 'https://talosintelligence.com';
/** A web page's back end, not an API with a quota: be gentle. */
export const TALOS_LIMITS: readonly RateLimit[] = [{ count: 5, perMs: MINUTE_MS }];

export const TalosAnswer = v.looseObject({
  web_score_name: v.nullish(v.string()),
  email_score_name: v.nullish(v.string()),
});
export type TalosAnswer = v.InferOutput<typeof TalosAnswer>;

const SCORES: Record<string, number> = {
  trusted: 0,
  favorable: 0,
  good: 0,
  neutral: 10,
  questionable: 60,
  poor: 60,
  untrusted: 100,
};

const scoreOf = (name: string | null | undefined): number | undefined =>
  name === null || name === undefined ? undefined : SCORES[name.trim().toLowerCase()];

export function fromTalos(body: TalosAnswer): ProviderAnswer {
  const web = scoreOf(body.web_score_name);
  const email = scoreOf(body.email_score_name);
  if (web === undefined && email === undefined) {
    return noAnswer(NoAnswerReason.BadBody, 'no reputation name Talos is known to use');
  }
  const detail = `web ${body.web_score_name ?? '-'}, email ${body.email_score_name ?? '-'}`;
  return answer(Math.max(web ?? 0, email ?? 0), (email ?? 0) >= 60 ? [ThreatCategory.Spam] : [], detail);
}

export interface TalosOptions {
  baseUrl?: string;
  limits?: readonly RateLimit[];
  nowMs?: () => number;
}

export function createTalosProvider(o: TalosOptions = {}): ThreatProvider {
  const base = baseUrlOf(o.baseUrl, TALOS_DEFAULT_BASE_URL);
  return {
    name: 'talos',
    limits: o.limits ?? TALOS_LIMITS,
    cacheable: true,
    async lookup(ip: IpAddress, signal: AbortSignal): Promise<ProviderAnswer> {
      const text = formatIp(ip);
      const query = new URLSearchParams({ query: '/api/v2/details/ip/', query_entry: text });
      const got = await getJson(
        `${base}/sb_api/query_lookup?${query}`,
        {
          Accept: 'application/json',
          Referer: `${base}/reputation_center/lookup?search=${encodeURIComponent(text)}`,
        },
        TalosAnswer,
        signal,
        o.nowMs,
      );
      return got.ok ? fromTalos(got.body) : got.answer;
    },
  };
}
