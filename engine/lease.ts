/**
 * Leader election with a KV lease, for singletons such as the scheduler.
 * nats-server 2.9 has no per-key TTL, so the expiry lives inside the value:
 * the holder renews with CAS every third of the lease; anyone may take a
 * lease whose expiry has passed, again with CAS, so exactly one wins.
 * A holder that cannot renew steps down a little before its expiry, so two
 * leaders never overlap (given clocks that agree within that margin).
 */
import * as v from 'valibot';
import { KvConflictError } from './errors.ts';
import type { Logger } from './log.ts';
import type { KvBucket } from './types.ts';

export const LeaseRecord = v.object({
  holder: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  acquiredAtMs: v.number(),
  expiresAtMs: v.number(),
});
export type LeaseRecord = v.InferOutput<typeof LeaseRecord>;

export interface LeaseOptions {
  bucket: KvBucket;
  key: string;
  /** Unique per process, e.g. `host:pid:random`. */
  holder: string;
  ttlMs: number;
  logger: Logger;
  onAcquired?: () => void;
  onLost?: () => void;
  now?: () => number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

export class LeaderLease {
  readonly #o: LeaseOptions;
  readonly #now: () => number;
  #leader = false;
  /** Local deadline after which this holder stops acting as leader unless renewed. */
  #validUntil = 0;
  #timer: ReturnType<typeof setTimeout> | null = null;
  #stopped = false;
  /** When a follower should look again: right after the holder's lease runs out. */
  #nextCheckMs = 0;

  constructor(options: LeaseOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  isLeader(): boolean {
    if (this.#leader && this.#now() >= this.#validUntil) this.#setLeader(false);
    return this.#leader;
  }

  start(): void {
    this.#stopped = false;
    const loop = async () => {
      await this.tick();
      if (!this.#stopped) this.#timer = setTimeout(loop, this.#nextCheckMs);
    };
    void loop();
  }

  /** Stop campaigning; a leader hands the lease back so a successor need not wait for expiry. */
  async stop(): Promise<void> {
    this.#stopped = true;
    if (this.#timer !== null) clearTimeout(this.#timer);
    if (!this.#leader) return;
    this.#setLeader(false);
    try {
      const entry = await this.#o.bucket.get(this.#o.key);
      const current = entry && this.#parse(entry.value);
      if (entry && current?.holder === this.#o.holder) {
        await this.#o.bucket.update(
          this.#o.key,
          this.#encode({ ...current, expiresAtMs: 0 }),
          entry.revision,
        );
      }
    } catch (error) {
      this.#o.logger.warn({ err: error, lease: this.#o.key }, 'lease not released; it will expire');
    }
  }

  /** One round of acquire-or-renew; returns whether this holder leads afterwards. */
  async tick(): Promise<boolean> {
    const now = this.#now();
    const { bucket, key, holder, ttlMs } = this.#o;
    this.#nextCheckMs = Math.floor(ttlMs / 3);
    try {
      const entry = await bucket.get(key);
      const current = entry && this.#parse(entry.value);
      const next: LeaseRecord = { holder, acquiredAtMs: now, expiresAtMs: now + ttlMs };
      if (entry === null) {
        await bucket.create(key, this.#encode(next));
      } else if (current === null || current.holder === holder || current.expiresAtMs <= now) {
        if (current?.holder === holder) next.acquiredAtMs = current.acquiredAtMs;
        await bucket.update(key, this.#encode(next), entry.revision);
      } else {
        this.#nextCheckMs = Math.min(Math.floor(ttlMs / 3), Math.max(10, current.expiresAtMs - now + 10));
        this.#setLeader(false);
        return false;
      }
      // Step down a tenth of the lease early, to absorb clock skew between hosts.
      this.#validUntil = now + ttlMs - Math.floor(ttlMs / 10);
      this.#setLeader(true);
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) this.#setLeader(false);
      else this.#o.logger.warn({ err: error, lease: key }, 'lease round failed');
      return this.isLeader();
    }
  }

  #setLeader(leader: boolean): void {
    if (leader === this.#leader) return;
    this.#leader = leader;
    this.#o.logger.info(
      { lease: this.#o.key, holder: this.#o.holder, leader },
      leader ? 'lease acquired' : 'lease lost',
    );
    (leader ? this.#o.onAcquired : this.#o.onLost)?.();
  }

  #parse(bytes: Uint8Array): LeaseRecord | null {
    try {
      const parsed = v.safeParse(LeaseRecord, JSON.parse(decoder.decode(bytes)));
      return parsed.success ? parsed.output : null;
    } catch {
      return null;
    }
  }

  #encode(record: LeaseRecord): Uint8Array {
    return encoder.encode(JSON.stringify(record));
  }
}
