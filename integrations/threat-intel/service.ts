/**
 * The threat-intel service: one `lookup(ip)` that asks every configured
 * provider in parallel and decides. Around each provider call, in order:
 * the verdict cache (per provider, TTL by outcome), our rate limiter and any
 * 429 cooldown (a limited provider answers `rate_limited` at once, without a
 * request), and the per-call timeout. One provider failing — or hanging —
 * never fails or stalls the lookup. Non-public addresses are answered
 * `skipped` and never leave the process; concurrent lookups of one address
 * share one set of provider calls. A no-answer (404, timeout, 5xx) is cached
 * for the short no-answer TTL so a failing provider is not hammered for the
 * same address; a 429 is not cached, its cooldown decides when to ask again.
 * Limiter state lives in this process: after a restart the buckets start
 * full, and the provider's own 429 + Retry-After covers the difference.
 */

import { formatIp, type IpAddress, parseIp } from '../../domain/net/ip.ts';
import { isPublicRoutable } from '../../domain/net/special.ts';
import { isThreatCategory } from '../../domain/threat/categories.ts';
import { decide, outcomeForScore } from '../../domain/threat/decision.ts';
import {
  NoAnswerReason,
  ProviderOutcome,
  type ProviderVerdict,
  SkipReason,
  type ThreatAssessment,
} from '../../domain/threat/types.ts';
import type { Logger } from '../../engine/log.ts';
import type { CachedVerdict, VerdictCache } from './cache.ts';
import { type LimiterState, ProviderLimiter, type RateLimit } from './rate-limit.ts';
import { noAnswer, type ProviderAnswer, type ThreatProvider } from './types.ts';

export interface CacheTtls {
  maliciousMs: number;
  cleanMs: number;
  noAnswerMs: number;
}

export interface ThreatIntelOptions {
  providers: readonly ThreatProvider[];
  cache: VerdictCache;
  /** A provider score (0–100) at or above this is malicious on its own. */
  scoreThreshold: number;
  ttl: CacheTtls;
  /** Per provider call. */
  timeoutMs: number;
  nowMs?: () => number;
  logger?: Logger;
  /** Cooldown after a 429 without a readable Retry-After (default 60 s). */
  defaultCooldownMs?: number;
  /**
   * The providers' limits shared with every other replica (KV token buckets): a
   * call needs a token from this process's limiter and from the shared one.
   */
  shared?: SharedLimits;
}

/** kv-schema's SharedRateLimiter, seen from here. */
export interface SharedLimits {
  tryAcquire(
    name: string,
    limits: readonly RateLimit[],
    nowMs: number,
  ): Promise<{ ok: true } | { ok: false; retryInMs: number }>;
  coolDown(name: string, limits: readonly RateLimit[], untilMs: number, nowMs: number): Promise<void>;
}

export interface ProviderStatus extends LimiterState {
  name: string;
  cacheable: boolean;
  /** True while the provider would answer `rate_limited` without asking. */
  rateLimited: boolean;
  details?: Record<string, unknown>;
}

/** A Retry-After beyond this is capped: a day is the longest quota window of any provider. */
const MAX_COOLDOWN_MS = 86_400_000;

export class ThreatIntel {
  readonly #o: ThreatIntelOptions;
  readonly #now: () => number;
  readonly #limiters = new Map<string, ProviderLimiter>();
  readonly #inflight = new Map<string, Promise<ThreatAssessment>>();

  constructor(o: ThreatIntelOptions) {
    this.#o = o;
    this.#now = o.nowMs ?? Date.now;
    for (const p of o.providers) this.#limiters.set(p.name, new ProviderLimiter(p.limits, this.#now()));
  }

  get providerNames(): string[] {
    return this.#o.providers.map((p) => p.name);
  }

  /** Everything the configured providers know about `ip`. Never rejects. */
  lookup(input: string): Promise<ThreatAssessment> {
    const nowMs = this.#now();
    const ip = parseIp(input.trim());
    const skipped = (ipText: string, why: SkipReason): Promise<ThreatAssessment> =>
      Promise.resolve({
        ip: ipText,
        skipped: why,
        malicious: false,
        reasons: [],
        flaggedBy: [],
        verdicts: [],
        checkedAtMs: nowMs,
      });
    if (ip === null) return skipped(input.slice(0, 64), SkipReason.Invalid);
    const text = formatIp(ip);
    if (!isPublicRoutable(ip)) return skipped(text, SkipReason.NotPublic);
    const running = this.#inflight.get(text);
    if (running !== undefined) return running;
    const assessment = this.#assess(ip, text).finally(() => this.#inflight.delete(text));
    this.#inflight.set(text, assessment);
    return assessment;
  }

  /** Which providers are on and where each stands against its limits: for health endpoints. */
  describeProviders(): ProviderStatus[] {
    const nowMs = this.#now();
    return this.#o.providers.map((p) => {
      const state = this.#limiters.get(p.name)!.state(nowMs);
      const details = p.describe?.();
      return {
        name: p.name,
        cacheable: p.cacheable,
        rateLimited: state.nextAllowedAtMs > nowMs,
        ...state,
        ...(details === undefined ? {} : { details }),
      };
    });
  }

  async #assess(ip: IpAddress, text: string): Promise<ThreatAssessment> {
    const verdicts = await Promise.all(
      this.#o.providers.map((p) =>
        this.#ask(p, ip, text).catch((e: unknown) =>
          this.#verdict(p.name, noAnswer(NoAnswerReason.Error, errorText(e)), this.#now()),
        ),
      ),
    );
    const decision = decide(verdicts, this.#o.scoreThreshold);
    if (decision.malicious)
      this.#o.logger?.info({ ip: text, reasons: decision.reasons }, 'threat intel: malicious');
    return { ip: text, ...decision, verdicts, checkedAtMs: this.#now() };
  }

  async #ask(p: ThreatProvider, ip: IpAddress, text: string): Promise<ProviderVerdict> {
    const nowMs = this.#now();
    if (p.cacheable) {
      const hit = await this.#o.cache.get(p.name, text, nowMs).catch((e: unknown) => {
        this.#o.logger?.warn({ provider: p.name, err: e }, 'threat cache unreadable; asking the provider');
        return null;
      });
      if (hit !== null) return this.#fromCache(hit);
    }
    const limiter = this.#limiters.get(p.name)!;
    if (!limiter.tryAcquire(nowMs)) {
      const until = new Date(limiter.state(nowMs).nextAllowedAtMs).toISOString();
      return this.#verdict(p.name, noAnswer(NoAnswerReason.RateLimited, `held back until ${until}`), nowMs);
    }
    const shared = this.#o.shared;
    if (shared && p.limits.length > 0) {
      // A store that does not answer holds the call back: over a quota the key may be blocked.
      const taken = await shared
        .tryAcquire(p.name, p.limits, nowMs)
        .catch(() => ({ ok: false, retryInMs: 1_000 }));
      if (!taken.ok) {
        const until = new Date(nowMs + taken.retryInMs).toISOString();
        return this.#verdict(
          p.name,
          noAnswer(NoAnswerReason.RateLimited, `held back across replicas until ${until}`),
          nowMs,
        );
      }
    }
    const got = await this.#call(p, ip);
    const doneMs = this.#now();
    if (got.kind === 'no_answer' && got.reason === NoAnswerReason.RateLimited) {
      // Not cached: the cooldown decides when to ask again, not the no-answer TTL.
      const waitMs = Math.min(
        MAX_COOLDOWN_MS,
        Math.max(1_000, got.retryAfterMs ?? this.#o.defaultCooldownMs ?? 60_000),
      );
      limiter.coolDown(doneMs + waitMs);
      await shared?.coolDown(p.name, p.limits, doneMs + waitMs, doneMs).catch(() => undefined);
      this.#o.logger?.warn({ provider: p.name, waitMs }, 'threat provider rate limit hit; cooling down');
      return this.#verdict(p.name, got, doneMs);
    }
    const verdict = this.#verdict(p.name, got, doneMs);
    if (p.cacheable) {
      await this.#o.cache.put(this.#record(verdict, text)).catch((e: unknown) => {
        this.#o.logger?.warn({ provider: p.name, err: e }, 'threat cache not written');
      });
    }
    return verdict;
  }

  /** The provider's answer, or `timeout` when the deadline passes first, even if the provider ignores its signal. */
  async #call(p: ThreatProvider, ip: IpAddress): Promise<ProviderAnswer> {
    const signal = AbortSignal.timeout(this.#o.timeoutMs);
    let onAbort = (): void => undefined;
    const deadline = new Promise<ProviderAnswer>((resolve) => {
      onAbort = () => resolve(noAnswer(NoAnswerReason.Timeout, `no answer within ${this.#o.timeoutMs} ms`));
      signal.addEventListener('abort', onAbort, { once: true });
    });
    try {
      const asked = p.lookup(ip, signal).catch((e: unknown) => noAnswer(NoAnswerReason.Error, errorText(e)));
      return await Promise.race([asked, deadline]);
    } finally {
      signal.removeEventListener('abort', onAbort);
    }
  }

  #verdict(provider: string, a: ProviderAnswer, nowMs: number): ProviderVerdict {
    const base = {
      provider,
      cached: false,
      checkedAtMs: nowMs,
      ...(a.detail === undefined ? {} : { detail: a.detail }),
    };
    if (a.kind === 'no_answer')
      return { ...base, outcome: ProviderOutcome.NoAnswer, categories: [], reason: a.reason };
    return {
      ...base,
      outcome: outcomeForScore(a.score, this.#o.scoreThreshold),
      score: a.score,
      categories: a.categories,
    };
  }

  #record(v: ProviderVerdict, ip: string): CachedVerdict {
    const ttl =
      v.outcome === ProviderOutcome.Malicious
        ? this.#o.ttl.maliciousMs
        : v.outcome === ProviderOutcome.Clean
          ? this.#o.ttl.cleanMs
          : this.#o.ttl.noAnswerMs;
    const { cached: _, ...stored } = v;
    return { ...stored, ip, expiresAtMs: v.checkedAtMs + ttl };
  }

  /** A cached verdict, judged against today's threshold (it may have changed since). */
  #fromCache(r: CachedVerdict): ProviderVerdict {
    const categories = r.categories.filter(isThreatCategory);
    const base = { provider: r.provider, categories, cached: true, checkedAtMs: r.checkedAtMs };
    const detail = r.detail === undefined ? {} : { detail: r.detail };
    if (r.outcome === ProviderOutcome.NoAnswer || r.score === undefined) {
      const reason = (Object.values(NoAnswerReason) as string[]).includes(r.reason ?? '')
        ? (r.reason as NoAnswerReason)
        : NoAnswerReason.Error;
      return { ...base, ...detail, outcome: ProviderOutcome.NoAnswer, categories: [], reason };
    }
    return { ...base, ...detail, outcome: outcomeForScore(r.score, this.#o.scoreThreshold), score: r.score };
  }
}

const errorText = (e: unknown): string => (e instanceof Error ? e.message : String(e)).slice(0, 200);
