/**
 * The answer of `GET /threat-intel/{ip}` as a schema: what the route sends,
 * what the OpenAPI document shows and what the route's dependencies promise
 * (deps.ts), in a module below all three.
 */
import * as v from 'valibot';

export const ProviderVerdictOut = v.object({
  provider: v.string(),
  outcome: v.picklist(['malicious', 'clean', 'no_answer']),
  score: v.optional(v.number()),
  categories: v.array(v.string()),
  /** Why there is no answer: not_found, rate_limited, timeout, unavailable, rejected, bad_body, … */
  reason: v.optional(v.string()),
  /** What the provider said, shortened. */
  detail: v.optional(v.string()),
  cached: v.boolean(),
  checkedAtMs: v.number(),
});

/** The answer of `GET /threat-intel/{ip}`. */
export const ThreatAssessmentOut = v.object({
  ip: v.string(),
  /** Not asked: the address is not publicly routable, or not an address. */
  skipped: v.optional(v.picklist(['not_public', 'invalid'])),
  malicious: v.boolean(),
  /** The decision rules that fired. */
  reasons: v.array(v.string()),
  /** Providers whose verdict made a rule fire. */
  flaggedBy: v.array(v.string()),
  verdicts: v.array(ProviderVerdictOut),
  checkedAtMs: v.number(),
});
export type ThreatAssessmentOut = v.InferOutput<typeof ThreatAssessmentOut>;
