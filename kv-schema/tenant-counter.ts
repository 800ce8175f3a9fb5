/**
 * A running count of something a tenant holds (its distinct flows), kept in one key of
 * `scopilot_state` (`count.<t>.<what>`) and added to with compare-and-set, so every replica
 * holds the tenant to one quota: an add is granted only while the stored count is below the
 * limit, and the grant and the new count are one write.
 *
 * Adds of one tenant that arrive while a write is in flight in this process are folded into
 * the next write (one read and one CAS for the lot), so a burst of new flows costs a few round
 * trips, not one each. A tenant found at its limit is refused from memory for `cacheMs`
 * without asking the store again.
 *
 * A count the store does not hold yet (a deployment from before the count existed) starts
 * from `seed`, e.g. the tenant's keys in the inventory.
 *
 * The count is conservative: a caller that is granted an add and then fails before using it
 * (an actor transition retried after losing a CAS race on its own state) is counted again when
 * it retries. It may run above the true figure, never below.
 */
import * as v from 'valibot';
import { KvConflictError } from '../engine/errors.ts';
import type { KvBucket } from '../engine/types.ts';
import { keys } from './keys.ts';
import { TenantCountRecord } from './records.ts';

export interface TenantCounterOptions {
  /** The count's name, a word (`flows`). */
  what: string;
  /** The count of a tenant the store has no record of yet. */
  seed: (tenant: string) => Promise<number>;
  now?: () => number;
  /** How long a count found at its limit is trusted without reading it again (default 1 s). */
  cacheMs?: number;
}

interface Waiting {
  limit: number;
  resolve: (granted: boolean) => void;
  reject: (error: unknown) => void;
}

const MAX_RACES = 32;
const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class TenantCounter {
  readonly #bucket: KvBucket;
  readonly #o: Required<TenantCounterOptions>;
  readonly #waiting = new Map<string, Waiting[]>();
  readonly #busy = new Set<string>();
  /** The last count read or written per tenant, and when. */
  readonly #cache = new Map<string, { count: number; atMs: number }>();

  constructor(stateBucket: KvBucket, options: TenantCounterOptions) {
    this.#bucket = stateBucket;
    this.#o = { now: Date.now, cacheMs: 1_000, ...options };
  }

  /** Adds one unless the tenant's count has reached `limit` (0: no limit); true when added. */
  tryAdd(tenant: string, limit: number): Promise<boolean> {
    const cached = this.#cache.get(tenant);
    if (limit > 0 && cached !== undefined && cached.count >= limit) {
      if (this.#o.now() - cached.atMs < this.#o.cacheMs) return Promise.resolve(false);
    }
    return new Promise((resolve, reject) => {
      const list = this.#waiting.get(tenant) ?? [];
      list.push({ limit, resolve, reject });
      this.#waiting.set(tenant, list);
      if (!this.#busy.has(tenant)) void this.#drain(tenant);
    });
  }

  /** The stored count (the seed when there is none yet). */
  async read(tenant: string): Promise<number> {
    const entry = await this.#bucket.get(keys.tenantCount(tenant, this.#o.what));
    return entry === null ? this.#o.seed(tenant) : decode(entry.value);
  }

  async #drain(tenant: string): Promise<void> {
    this.#busy.add(tenant);
    try {
      for (;;) {
        const batch = this.#waiting.get(tenant)?.splice(0) ?? [];
        if (batch.length === 0) break;
        try {
          const granted = await this.#add(tenant, batch);
          for (const [i, w] of batch.entries()) w.resolve(granted[i]!);
        } catch (error) {
          for (const w of batch) w.reject(error);
        }
      }
    } finally {
      this.#waiting.delete(tenant);
      this.#busy.delete(tenant);
    }
  }

  /** One read and one CAS for every add waiting; each is granted while the count stays below its limit. */
  async #add(tenant: string, batch: readonly Waiting[]): Promise<boolean[]> {
    const key = keys.tenantCount(tenant, this.#o.what);
    for (let race = 0; race < MAX_RACES; race++) {
      const entry = await this.#bucket.get(key);
      const count = entry === null ? await this.#o.seed(tenant) : decode(entry.value);
      let next = count;
      const granted = batch.map((w) => {
        if (w.limit > 0 && next >= w.limit) return false;
        next++;
        return true;
      });
      const atMs = this.#o.now();
      if (next === count && entry !== null) {
        this.#cache.set(tenant, { count, atMs });
        return granted;
      }
      const bytes = encoder.encode(
        JSON.stringify({ count: next, updatedAtMs: atMs } satisfies TenantCountRecord),
      );
      try {
        if (entry === null) await this.#bucket.create(key, bytes);
        else await this.#bucket.update(key, bytes, entry.revision);
        this.#cache.set(tenant, { count: next, atMs });
        return granted;
      } catch (error) {
        if (!(error instanceof KvConflictError)) throw error;
      }
    }
    throw new KvConflictError(this.#bucket.name, key);
  }
}

/** A record that does not parse counts as 0: the count only protects, it is not an account. */
function decode(bytes: Uint8Array): number {
  try {
    const parsed = v.safeParse(TenantCountRecord, JSON.parse(decoder.decode(bytes)));
    return parsed.success ? parsed.output.count : 0;
  } catch {
    return 0;
  }
}
