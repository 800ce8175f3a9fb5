/**
 * Shared plumbing of the conformance suite: the factory contract each adapter
 * provides, a per-suite scope that names and later deletes every stream and
 * bucket a test creates, and small async helpers (a pull reader with timeouts,
 * polling) so tests can assert "arrives within" and "does not arrive within".
 */
import type { Engine, KvBucket, StreamConfig, StreamInfo } from '../types.ts';

export interface ConformanceTarget {
  engine: Engine;
  /** Unique, lower-case alphanumeric: every stream, bucket and subject of the suite starts with it. */
  prefix: string;
}

export interface ConformanceFactory {
  open(): Promise<ConformanceTarget>;
  /** Called after the suite deleted what it created and closed the engine (remove temp dirs, …). */
  cleanup?(target: ConformanceTarget): Promise<void>;
}

/** Names and tracks every resource of one suite so afterAll can delete them all. */
export class Scope {
  readonly target: ConformanceTarget;
  readonly #streams = new Set<string>();
  readonly #buckets = new Set<string>();

  constructor(target: ConformanceTarget) {
    this.target = target;
  }

  get engine(): Engine {
    return this.target.engine;
  }

  /** A stream name unique to this suite (no dots: stream names may not contain them). */
  streamName(label: string): string {
    return `${this.target.prefix}_${label}`;
  }

  /** A subject root unique to this suite: `<prefix>.<label>`. */
  subject(label: string): string {
    return `${this.target.prefix}.${label}`;
  }

  /** A stream capturing `<prefix>.<label>.>` (plus any overrides), deleted after the suite. */
  async stream(
    label: string,
    overrides: Partial<StreamConfig> = {},
  ): Promise<{ name: string; root: string; info: StreamInfo }> {
    const name = this.streamName(label);
    const root = this.subject(label);
    this.#streams.add(name);
    const info = await this.engine.log.ensureStream({ name, subjects: [`${root}.>`], ...overrides });
    return { name, root, info };
  }

  async bucket(label: string, history?: number, maxAgeMs?: number): Promise<KvBucket> {
    const name = this.streamName(label);
    this.#buckets.add(name);
    return this.engine.kv.ensureBucket({
      name,
      ...(history ? { history } : {}),
      ...(maxAgeMs ? { maxAgeMs } : {}),
    });
  }

  /** Register a name created by the test itself. */
  trackStream(name: string): void {
    this.#streams.add(name);
  }

  trackBucket(name: string): void {
    this.#buckets.add(name);
  }

  async dispose(): Promise<void> {
    const { log, kv } = this.engine;
    await Promise.allSettled([
      ...[...this.#streams].map((s) => log.deleteStream(s)),
      ...[...this.#buckets].map((b) => kv.deleteBucket(b)),
    ]);
  }
}

export const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

const encoder = new TextEncoder();
const decoder = new TextDecoder();
export const enc = (s: string): Uint8Array => encoder.encode(s);
export const dec = (b: Uint8Array): string => decoder.decode(b);

/**
 * Reads one async iterator over time. `next(ms)` answers null on timeout but keeps
 * the pending read, so a later call gets the item that arrives after the timeout.
 */
export class Reader<T> {
  readonly #it: AsyncIterator<T>;
  #pending: Promise<IteratorResult<T>> | null = null;
  #done = false;

  constructor(iterable: AsyncIterable<T>) {
    this.#it = iterable[Symbol.asyncIterator]();
  }

  get done(): boolean {
    return this.#done;
  }

  async next(timeoutMs: number): Promise<T | null> {
    if (this.#done) return null;
    this.#pending ??= this.#it.next();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    const result = await Promise.race([this.#pending, timeout]);
    clearTimeout(timer);
    if (result === 'timeout') return null;
    this.#pending = null;
    if (result.done) {
      this.#done = true;
      return null;
    }
    return result.value;
  }

  /** Exactly `n` items, each within `timeoutMs` of the previous; throws with what arrived otherwise. */
  async take(n: number, timeoutMs = 5_000): Promise<T[]> {
    const out: T[] = [];
    while (out.length < n) {
      const item = await this.next(timeoutMs);
      if (item === null) throw new Error(`expected ${n} items, got ${out.length} (timeout ${timeoutMs} ms)`);
      out.push(item);
    }
    return out;
  }
}

export async function collect<T>(iterable: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const item of iterable) out.push(item);
  return out;
}

/** Poll `check` until it returns true or `timeoutMs` passes; returns the last answer. */
export async function eventually(
  check: () => Promise<boolean> | boolean,
  timeoutMs: number,
  everyMs = 100,
): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (true) {
    if (await check()) return true;
    if (Date.now() >= deadline) return false;
    await sleep(everyMs);
  }
}

/** Resolves with the rejection of `promise`, or fails when it resolves. */
export async function rejection(promise: Promise<unknown>): Promise<unknown> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection, but the promise resolved');
}
