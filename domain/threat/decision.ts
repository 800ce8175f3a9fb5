/**
 * The decision rule. A destination is malicious when
 *   1. any one provider's score (normalised 0–100) is at or above the
 *      threshold — an offline blocklist hit scores 100 — or
 *   2. two different providers name the same threat category: neither may be
 *      sure enough alone, but independent sources agreeing on *what* the
 *      address does is strong evidence.
 * Providers without an answer take no part. The result keeps the reasons and
 * which providers made a rule fire, so a reviewer can see why a flow was
 * denied.
 */
import type { ThreatVerdict } from '../classify/types.ts';
import { ProviderOutcome, type ProviderVerdict, type ThreatAssessment } from './types.ts';

export interface Decision {
  malicious: boolean;
  reasons: string[];
  flaggedBy: string[];
}

type Evidence = Pick<ProviderVerdict, 'provider' | 'outcome' | 'score' | 'categories'>;

/** A provider's own outcome for a score: does it convict alone? */
export const outcomeForScore = (score: number, threshold: number): ProviderOutcome =>
  score >= threshold ? ProviderOutcome.Malicious : ProviderOutcome.Clean;

export function decide(verdicts: readonly Evidence[], threshold: number): Decision {
  const answered = verdicts.filter((v) => v.outcome !== ProviderOutcome.NoAnswer);
  const reasons: string[] = [];
  const flagged = new Set<string>();

  for (const v of answered) {
    if (v.score !== undefined && v.score >= threshold) {
      reasons.push(`${v.provider} score ${v.score} >= ${threshold}`);
      flagged.add(v.provider);
    }
  }

  const namedBy = new Map<string, Set<string>>();
  for (const v of answered) {
    for (const category of v.categories) {
      const providers = namedBy.get(category) ?? new Set<string>();
      providers.add(v.provider);
      namedBy.set(category, providers);
    }
  }
  for (const [category, providers] of [...namedBy].sort(([a], [b]) => a.localeCompare(b))) {
    if (providers.size < 2) continue;
    const names = [...providers].sort();
    reasons.push(`${category} named by ${names.join(' and ')}`);
    for (const p of names) flagged.add(p);
  }

  return { malicious: reasons.length > 0, reasons, flaggedBy: [...flagged].sort() };
}

/**
 * The assessment as the classification guardrail reads it: one entry per
 * answering provider, `malicious` only for the providers that made the
 * decision fire, so a lone low-confidence opinion never becomes a deny.
 */
export function toThreatVerdicts(a: ThreatAssessment): ThreatVerdict[] {
  const flagged = new Set(a.malicious ? a.flaggedBy : []);
  return a.verdicts
    .filter((v) => v.outcome !== ProviderOutcome.NoAnswer)
    .map((v) => {
      const malicious = flagged.has(v.provider);
      const why = malicious ? a.reasons.join('; ') : undefined;
      const text = [why, v.categories.length > 0 ? v.categories.join(', ') : undefined, v.detail]
        .filter((s): s is string => s !== undefined && s !== '')
        .join(' — ');
      return {
        provider: v.provider,
        malicious,
        ...(v.score === undefined ? {} : { score: v.score }),
        ...(text === '' ? {} : { reason: text }),
      };
    });
}
