/**
 * Rate limits shared by every replica: token buckets kept in one KV key per
 * limit (`limit.<name>` in `scopilot_state`) and taken with compare-and-set,
 * so three threat-role replicas together stay within a provider's free tier
 * instead of each spending it in full. All of a limit's windows (per minute,
 * per day) and a 429's cooldown live in the one record, so a take is atomic
 * across them. A take that keeps losing the CAS race is refused (a request
 * held back is safe; one over a provider's quota may get the key blocked).
 */
import * as v from 'valibot';
import { KvConflictError } from '../engine/errors.ts';
import type { KvBucket } from '../engine/types.ts';
import { keys } from './keys.ts';

/** At most `count` per `perMs`, refilled continuously (the same shape as a provider's limits). */
export interface SharedLimit {
  count: number;
  perMs: number;
}

const LimitRecord = v.object({
  /** Tokens per window at `atMs`. */
  tokens: v.array(v.number()),
  atMs: v.number(),
  cooldownUntilMs: v.number(),
});
type LimitRecord = v.InferOutput<typeof LimitRecord>;

/** The name of one tenant's share of a quota (`lines.acme`): each tenant has its own buckets. */
export const tenantLimitName = (quota: string, tenant: string): string => `${quota}.${tenant}`;

export type TakeResult = { ok: true } | { ok: false; retryInMs: number };

const MAX_RACES = 16;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

function refill(r: LimitRecord | null, limits: readonly SharedLimit[], nowMs: number): LimitRecord {
  if (r === null || r.tokens.length !== limits.length) {
    return { tokens: limits.map((l) => l.count), atMs: nowMs, cooldownUntilMs: r?.cooldownUntilMs ?? 0 };
  }
  const elapsed = Math.max(0, nowMs - r.atMs);
  return {
    tokens: limits.map((l, i) => Math.min(l.count, (r.tokens[i] ?? 0) + (elapsed * l.count) / l.perMs)),
    atMs: Math.max(r.atMs, nowMs),
    cooldownUntilMs: r.cooldownUntilMs,
  };
}

function decode(bytes: Uint8Array): LimitRecord | null {
  try {
    const parsed = v.safeParse(LimitRecord, JSON.parse(decoder.decode(bytes)));
    return parsed.success ? parsed.output : null;
  } catch {
    return null;
  }
}

export class SharedRateLimiter {
  readonly #bucket: KvBucket;

  constructor(stateBucket: KvBucket) {
    this.#bucket = stateBucket;
  }

  /**
   * Takes `cost` tokens (default 1: one request; a batch of lines takes one per line) from every
   * window of `name`, or none when any window lacks them or a cooldown runs. A cost above a
   * window's size could never be met: it is refused with the wait for a full window.
   */
  async tryAcquire(
    name: string,
    limits: readonly SharedLimit[],
    nowMs: number,
    cost = 1,
  ): Promise<TakeResult> {
    if (limits.length === 0 || cost <= 0) return { ok: true };
    return this.#change(name, limits, nowMs, (r) => {
      if (nowMs < r.cooldownUntilMs) return { retryInMs: r.cooldownUntilMs - nowMs };
      const waits = limits.map((l, i) => {
        const missing = Math.min(cost, l.count) - (r.tokens[i] ?? 0);
        return missing <= 0 ? 0 : Math.ceil((missing * l.perMs) / l.count);
      });
      const wait = Math.max(...waits);
      if (wait > 0) return { retryInMs: wait };
      if (limits.some((l) => cost > l.count)) return { retryInMs: Math.max(...limits.map((l) => l.perMs)) };
      return { next: { ...r, tokens: r.tokens.map((t) => t - cost) } };
    });
  }

  /** After a provider's 429: nobody asks before `untilMs` (a later cooldown never shortens one running). */
  async coolDown(
    name: string,
    limits: readonly SharedLimit[],
    untilMs: number,
    nowMs: number,
  ): Promise<void> {
    await this.#change(name, limits, nowMs, (r) =>
      r.cooldownUntilMs >= untilMs ? { retryInMs: 0 } : { next: { ...r, cooldownUntilMs: untilMs } },
    );
  }

  async #change(
    name: string,
    limits: readonly SharedLimit[],
    nowMs: number,
    decide: (r: LimitRecord) => { next: LimitRecord } | { retryInMs: number },
  ): Promise<TakeResult> {
    const key = keys.rateLimit(name);
    for (let race = 0; race < MAX_RACES; race++) {
      const entry = await this.#bucket.get(key);
      const current = refill(entry === null ? null : decode(entry.value), limits, nowMs);
      const outcome = decide(current);
      if (!('next' in outcome)) return { ok: false, retryInMs: outcome.retryInMs };
      try {
        const bytes = encoder.encode(JSON.stringify(outcome.next));
        if (entry === null) await this.#bucket.create(key, bytes);
        else await this.#bucket.update(key, bytes, entry.revision);
        return { ok: true };
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
      }
    }
    return { ok: false, retryInMs: 50 };
  }
}
