/**
 * The per-tenant lines-per-second quota where lines enter (file and SSH tails, the syslog
 * listeners, REST ingest): one shared token bucket per tenant (`limit.lines.<t>` in
 * `scopilot_state`, kv-schema/shared-limit.ts), so every replica together admits at most the
 * tenant's `linesPerSecond`, and one tenant's bucket never holds another's lines back.
 *
 * Taking one token per line from the store would cost a round trip per line. Instead a process
 * leases a block (a tenth of a second's quota, or what the take needs if more) from the shared
 * bucket and spends it locally; an unspent lease lapses after `leaseMs`. Leased tokens are
 * already gone from the shared bucket, so replicas together never exceed the quota over time;
 * in any one second they may go past it by at most the block each holds (plus the bucket's
 * one second of burst).
 *
 * Two ways to take:
 * - `tryTake`: all or nothing, now (REST ingest answers 429 and ingests nothing);
 * - `take`: waits until every line is admitted (tails and syslog hold their lines meanwhile).
 *   A take larger than one second's quota could never be met by the bucket in one piece, so
 *   it is taken in pieces of at most a block, waiting between them: an interval of 10,000
 *   lines at 1,000 lines/s is published after about ten seconds, and no faster than the quota.
 */
import type { QuotaMetrics, QuotaSettings } from '../../config/quotas.ts';
import { QuotaName, quotasOf } from '../../config/quotas.ts';
import {
  type SharedLimit,
  type SharedRateLimiter,
  type TakeResult,
  tenantLimitName,
} from '../../kv-schema/shared-limit.ts';

export interface LinesQuotaOptions {
  limiter: SharedRateLimiter;
  quotas: QuotaSettings;
  metrics?: QuotaMetrics;
  now?: () => number;
  /** The share of a second's quota leased at a time (default 0.1). */
  leaseShare?: number;
  /** How long leased tokens may wait to be spent (default 1 s). */
  leaseMs?: number;
}

/** What a waiting take came to: `done` false when it stopped first; `waited` when it was held back. */
export interface Taken {
  done: boolean;
  waited: boolean;
}

interface Local {
  tokens: number;
  expiresAtMs: number;
  /** Takes of one tenant go to the store one at a time, so two do not both lease. */
  turn: Promise<unknown>;
}

const SECOND = 1_000;
/** Longest sleep between attempts of a waiting take: stop() is noticed within it. */
const MAX_NAP_MS = 250;

export class LinesQuota {
  readonly #o: Required<Omit<LinesQuotaOptions, 'metrics'>> & Pick<LinesQuotaOptions, 'metrics'>;
  readonly #local = new Map<string, Local>();

  constructor(options: LinesQuotaOptions) {
    this.#o = { now: Date.now, leaseShare: 0.1, leaseMs: SECOND, ...options };
  }

  /** The tenant's lines per second; 0 is no limit. */
  perSecond(tenant: string): number {
    return quotasOf(this.#o.quotas, tenant).linesPerSecond;
  }

  /**
   * All `lines` now, or none: `retryInMs` says when to ask again. A take above one second's
   * quota is refused for good (retryInMs is Infinity): split it.
   */
  async tryTake(tenant: string, lines: number): Promise<TakeResult> {
    const quota = this.perSecond(tenant);
    if (quota === 0 || lines <= 0) return { ok: true };
    if (lines > quota) return { ok: false, retryInMs: Number.POSITIVE_INFINITY };
    const taken = await this.#step(tenant, quota, lines, lines);
    if (!taken.ok) this.#o.metrics?.throttled(tenant, QuotaName.Lines, lines);
    return taken;
  }

  /**
   * Waits until all `lines` are admitted (`done`), or until `stopping` turns true while waiting
   * (not done: the caller keeps its lines; a file re-reads them, a stopping syslog queue
   * publishes what it holds). Lines that had to wait are counted as throttled.
   */
  async take(tenant: string, lines: number, stopping: () => boolean = () => false): Promise<Taken> {
    const quota = this.perSecond(tenant);
    if (quota === 0 || lines <= 0) return { done: true, waited: false };
    const piece = this.#block(quota);
    let left = lines;
    let waited = false;
    while (left > 0) {
      const want = Math.min(left, piece);
      const taken = await this.#step(tenant, quota, want, piece);
      if (taken.ok) {
        left -= want;
        continue;
      }
      if (!waited) this.#o.metrics?.throttled(tenant, QuotaName.Lines, lines);
      waited = true;
      if (stopping()) return { done: false, waited };
      await Bun.sleep(Math.max(1, Math.min(taken.retryInMs, MAX_NAP_MS)));
      if (stopping()) return { done: false, waited };
    }
    return { done: true, waited };
  }

  /** Lines lost for good because the tenant was over quota and nothing could hold them (UDP). */
  shed(tenant: string, lines: number): void {
    this.#o.metrics?.shed(tenant, QuotaName.Lines, lines);
  }

  #block(quota: number): number {
    return Math.max(1, Math.ceil(quota * this.#o.leaseShare));
  }

  /** Spend `want` from the local lease, leasing `lease` (at least what is missing) when short. */
  #step(tenant: string, quota: number, want: number, lease: number): Promise<TakeResult> {
    const local = this.#localOf(tenant);
    const run = local.turn.then(async (): Promise<TakeResult> => {
      const now = this.#o.now();
      if (now >= local.expiresAtMs) local.tokens = 0;
      if (local.tokens >= want) {
        local.tokens -= want;
        return { ok: true };
      }
      const missing = want - local.tokens;
      const limits: SharedLimit[] = [{ count: quota, perMs: SECOND }];
      const name = tenantLimitName(QuotaName.Lines, tenant);
      const block = Math.min(quota, Math.max(missing, lease, this.#block(quota)));
      let taken = await this.#o.limiter.tryAcquire(name, limits, now, block);
      let got = block;
      if (!taken.ok && block > missing) {
        taken = await this.#o.limiter.tryAcquire(name, limits, now, missing);
        got = missing;
      }
      if (!taken.ok) return taken;
      local.tokens += got - want;
      local.expiresAtMs = now + this.#o.leaseMs;
      return { ok: true };
    });
    local.turn = run.catch(() => undefined);
    return run;
  }

  #localOf(tenant: string): Local {
    let local = this.#local.get(tenant);
    if (local === undefined) {
      local = { tokens: 0, expiresAtMs: 0, turn: Promise.resolve() };
      this.#local.set(tenant, local);
    }
    return local;
  }
}
