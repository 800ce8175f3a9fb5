/**
 * The classifier's side of the LLM call limits (a tenant's calls per hour,
 * the account's calls per minute). The limits themselves are an outside
 * budget shared by every replica (integrations/anthropic/call-limits.ts); the
 * classifier only asks before each call. A refused call throws, so the
 * classification pipeline classifies that batch by the heuristics and each
 * rationale says why, exactly as for a failed call: the flows are never held
 * up, and one tenant's spent quota never delays another tenant's batches.
 */
import type { LlmBatch, LlmBatchResult, LlmClassifier } from '../../domain/classify/types.ts';

export interface LlmCallLimits {
  /** Takes one call of `tenant`'s budget; null when the call may go, otherwise why not (one line). */
  take(tenant: string, nowMs: number): Promise<string | null>;
}

export const LlmLimitErrorCode = { QuotaReached: 'LLM_QUOTA_REACHED' } as const;
export type LlmLimitErrorCode = (typeof LlmLimitErrorCode)[keyof typeof LlmLimitErrorCode];

/** A call not made because a limit was reached; its message ends up in each rationale of the batch. */
export class LlmQuotaError extends Error {
  readonly code: LlmLimitErrorCode = LlmLimitErrorCode.QuotaReached;
  constructor(why: string) {
    super(`LLM quota reached: ${why}`);
    this.name = 'LlmQuotaError';
  }
}

/**
 * `llm` for one tenant's batch: each call first takes a token of the tenant's and the
 * account's budget. Tokens are taken only for calls actually about to be made (a batch
 * answered from the cache takes none).
 */
export function limitedLlm(
  llm: LlmClassifier,
  limits: LlmCallLimits,
  tenant: string,
  now: () => number,
): LlmClassifier {
  return {
    async classify(batch: LlmBatch): Promise<LlmBatchResult> {
      const refused = await limits.take(tenant, now());
      if (refused !== null) throw new LlmQuotaError(refused);
      return llm.classify(batch);
    },
  };
}
