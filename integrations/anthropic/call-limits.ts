/**
 * How many Claude calls may be made, shared by every classifier replica
 * through token buckets in `scopilot_state` (kv-schema/shared-limit.ts):
 *
 *   - each tenant's `SCOPILOT_QUOTAS__LLM_CALLS_PER_HOUR` (its own bucket,
 *     `limit.llm-calls.<tenant>`), so a noisy tenant spends only its own;
 *   - the account's `SCOPILOT_ANTHROPIC__CALLS_PER_MINUTE` (`limit.anthropic`),
 *     the API's rate limit, which three replicas would otherwise each spend.
 *
 * The tenant's token is taken first: a tenant over its hour never takes a
 * token of the account's minute from the others. A refusal is counted in
 * `scopilot_quota_throttled_total{quota="llm-calls"}` (in calls) and the batch
 * goes to the heuristics. When the store does not answer, the call is refused
 * too (like the threat providers' limits): a batch classified by heuristics is
 * safe, a quota overrun is not.
 */
import type { LlmCallLimits } from '../../actors/classifier/llm-limits.ts';
import { type QuotaMetrics, QuotaName, type QuotaSettings, quotasOf } from '../../config/quotas.ts';
import { type SharedRateLimiter, tenantLimitName } from '../../kv-schema/shared-limit.ts';

const MINUTE_MS = 60_000;
const HOUR_MS = 3_600_000;
/** The account-wide bucket's name. */
export const ACCOUNT_LIMIT = 'anthropic';

export interface SharedLlmCallLimitsOptions {
  shared: SharedRateLimiter;
  quotas: QuotaSettings;
  /** The account's calls per minute (`anthropic.callsPerMinute`). */
  callsPerMinute: number;
  metrics?: QuotaMetrics;
}

const seconds = (ms: number): number => Math.max(1, Math.ceil(ms / 1_000));

export class SharedLlmCallLimits implements LlmCallLimits {
  readonly #o: SharedLlmCallLimitsOptions;

  constructor(o: SharedLlmCallLimitsOptions) {
    this.#o = o;
  }

  async take(tenant: string, nowMs: number): Promise<string | null> {
    const why = await this.#why(tenant, nowMs).catch(
      (error: unknown) =>
        `the shared call limits could not be read (${error instanceof Error ? error.message : String(error)})`,
    );
    if (why !== null) this.#o.metrics?.throttled(tenant, QuotaName.LlmCalls, 1);
    return why;
  }

  async #why(tenant: string, nowMs: number): Promise<string | null> {
    const perHour = quotasOf(this.#o.quotas, tenant).llmCallsPerHour;
    if (perHour > 0) {
      const own = await this.#o.shared.tryAcquire(
        tenantLimitName(QuotaName.LlmCalls, tenant),
        [{ count: perHour, perMs: HOUR_MS }],
        nowMs,
      );
      if (!own.ok) {
        return `tenant ${tenant} used its ${perHour} calls an hour (next in ${seconds(own.retryInMs)} s)`;
      }
    }
    const perMinute = this.#o.callsPerMinute;
    const account = await this.#o.shared.tryAcquire(
      ACCOUNT_LIMIT,
      [{ count: perMinute, perMs: MINUTE_MS }],
      nowMs,
    );
    if (!account.ok) {
      return `the account's ${perMinute} calls a minute are used (next in ${seconds(account.retryInMs)} s)`;
    }
    return null;
  }
}
