/**
 * Replay protection for webhook deliveries. A signature proves who sent a
 * body, not that it is new: a captured "approve" delivery would verify again.
 * So each action or message id is claimed once in KV (`scopilot_state`,
 * `cursor.webex.seen.<resource>.<id>`, shared by every edge replica) with
 * `create`, and a second claim fails. Claims are kept for `ttlMs` and swept
 * afterwards; the handler refuses content older than the window on its own
 * (by the `created` time the API reports), so a sweep never reopens a replay.
 */
import * as v from 'valibot';
import { KvConflictError } from '../../engine/errors.ts';
import type { Logger } from '../../engine/log.ts';
import type { KvBucket } from '../../engine/types.ts';
import { keys, TypedBucket } from '../../kv-schema/mod.ts';

const Seen = v.object({ atMs: v.pipe(v.number(), v.integer()) });

export interface DeliveryLogOptions {
  ttlMs: number;
  /** Sweep expired claims at most this often (per process). */
  sweepEveryMs?: number;
  logger: Logger;
  now?: () => number;
}

export class DeliveryLog {
  readonly #bucket: TypedBucket<typeof Seen>;
  readonly #o: Required<DeliveryLogOptions>;
  #lastSweepMs = 0;

  constructor(bucket: KvBucket, o: DeliveryLogOptions) {
    this.#bucket = new TypedBucket(bucket, Seen);
    this.#o = { ...o, sweepEveryMs: o.sweepEveryMs ?? 10 * 60_000, now: o.now ?? Date.now };
  }

  /** True the first time an id is seen (within the window); false for a replay. */
  async claim(resource: string, id: string): Promise<boolean> {
    const key = keys.cursor('webex', 'seen', resource, id);
    const atMs = this.#o.now();
    try {
      await this.#bucket.create(key, { atMs });
      return true;
    } catch (error) {
      if (!(error instanceof KvConflictError)) throw error;
    }
    // Claimed before: still a replay unless that claim has expired and was not swept yet.
    const found = await this.#bucket.get(key);
    if (found === null || atMs - found.value.atMs < this.#o.ttlMs) return false;
    try {
      await this.#bucket.update(key, { atMs }, found.revision);
      return true;
    } catch (error) {
      if (error instanceof KvConflictError) return false;
      throw error;
    }
  }

  /** Delete expired claims; runs at most once per `sweepEveryMs`, never throws. */
  async sweep(): Promise<void> {
    const now = this.#o.now();
    if (now - this.#lastSweepMs < this.#o.sweepEveryMs) return;
    this.#lastSweepMs = now;
    try {
      for (const key of await this.#bucket.keys(`${keys.cursor('webex', 'seen')}.>`)) {
        const found = await this.#bucket.get(key);
        if (found !== null && now - found.value.atMs >= this.#o.ttlMs) await this.#bucket.raw.delete(key);
      }
    } catch (error) {
      this.#o.logger.warn({ err: error }, 'sweeping old webex delivery ids failed; will try again later');
    }
  }
}
