/**
 * Whether the store takes writes, for /readyz: a small put every few seconds.
 * A full disk or a JetStream out of storage shows here, where a connection
 * check alone would still say all is well. The probe never throws; it keeps
 * the last failure until a write succeeds again.
 */
import type { KvBucket } from './types.ts';

const DEFAULT_INTERVAL_MS = 5_000;

export class StoreProbe {
  readonly #bucket: KvBucket;
  readonly #key: string;
  readonly #intervalMs: number;
  #failure: string | null = null;
  #timer: ReturnType<typeof setInterval> | null = null;
  #writing: Promise<void> | null = null;

  constructor(bucket: KvBucket, key: string, intervalMs = DEFAULT_INTERVAL_MS) {
    this.#bucket = bucket;
    this.#key = key;
    this.#intervalMs = intervalMs;
  }

  /** Probe now, then every interval. */
  start(): Promise<void> {
    this.#timer ??= setInterval(() => void this.probe(), this.#intervalMs);
    this.#timer.unref?.();
    return this.probe();
  }

  stop(): void {
    if (this.#timer !== null) clearInterval(this.#timer);
    this.#timer = null;
  }

  /** Null while writes succeed; otherwise the last write's error. */
  status(): string | null {
    return this.#failure === null ? null : `store does not take writes: ${this.#failure}`;
  }

  probe(): Promise<void> {
    this.#writing ??= this.#write().finally(() => {
      this.#writing = null;
    });
    return this.#writing;
  }

  async #write(): Promise<void> {
    try {
      await this.#bucket.put(this.#key, new TextEncoder().encode(JSON.stringify({ atMs: Date.now() })));
      this.#failure = null;
    } catch (error) {
      this.#failure = error instanceof Error ? error.message : String(error);
    }
  }
}
