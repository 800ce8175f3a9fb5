/**
 * The shapes of a threat-intel lookup, shared by the pure decision rule, the
 * provider clients, the cache and whoever reads an assessment (the
 * threat-watch actor, REST, the CLI). No I/O here.
 */

/** What one provider said about one address. */
export const ProviderOutcome = {
  /** Its score alone reaches the threshold. */
  Malicious: 'malicious',
  /** It answered and its score is below the threshold (its categories still count, see decision.ts). */
  Clean: 'clean',
  /** Nothing usable: the reason says why. */
  NoAnswer: 'no_answer',
} as const;
export type ProviderOutcome = (typeof ProviderOutcome)[keyof typeof ProviderOutcome];

/** Why a provider gave no answer. */
export const NoAnswerReason = {
  /** 404: the provider does not know the address. */
  NotFound: 'not_found',
  /** Our own token bucket is empty, or the provider answered 429 and we are cooling down. */
  RateLimited: 'rate_limited',
  Timeout: 'timeout',
  /** 5xx. */
  Unavailable: 'unavailable',
  /** Any other 4xx, e.g. a wrong API key. */
  Rejected: 'rejected',
  /** Not JSON, too large, or not the documented shape. */
  BadBody: 'bad_body',
  NetworkError: 'network_error',
  /** The client itself failed (a bug or an unreadable local file). */
  Error: 'error',
} as const;
export type NoAnswerReason = (typeof NoAnswerReason)[keyof typeof NoAnswerReason];

/** One provider's verdict in an assessment's trail. */
export interface ProviderVerdict {
  provider: string;
  outcome: ProviderOutcome;
  /** Normalised 0–100; absent without an answer. */
  score?: number;
  /** Normalised threat categories (categories.ts). */
  categories: string[];
  /** Set when outcome is no_answer. */
  reason?: NoAnswerReason;
  /** Short provider-derived text (untrusted: shorten and clean before showing it to a model). */
  detail?: string;
  /** Read from the verdict cache rather than asked now. */
  cached: boolean;
  checkedAtMs: number;
}

export const SkipReason = {
  /** Private, loopback, documentation, …: never sent to a provider. */
  NotPublic: 'not_public',
  Invalid: 'invalid',
} as const;
export type SkipReason = (typeof SkipReason)[keyof typeof SkipReason];

/** Everything known about one destination address. */
export interface ThreatAssessment {
  /** Canonical form (the input as given when invalid). */
  ip: string;
  skipped?: SkipReason;
  malicious: boolean;
  /** Which rules fired, readable; empty when not malicious. */
  reasons: string[];
  /** Providers whose verdict made a rule fire. */
  flaggedBy: string[];
  verdicts: ProviderVerdict[];
  checkedAtMs: number;
}
