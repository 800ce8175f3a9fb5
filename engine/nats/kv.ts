/**
 * KvStore on JetStream KV (@nats-io/kv). A bucket is the stream `KV_<name>`;
 * revisions are that stream's sequence numbers. Kvm.create leaves an existing
 * bucket untouched, so ensureBucket updates the backing stream itself when the
 * history or max age changed.
 *
 * Direct gets are off on replicated buckets. With them, any replica answers a
 * get, and a follower that lags answers an older value (nats-server issue
 * 4710): a replica would build on stale actor state or a stale inventory
 * record, and a reader could miss a write it just saw acknowledged. Without
 * them a get goes to the stream leader, which holds every acknowledged write.
 */
import type { KV, KvEntry as NatsKvEntry } from '@nats-io/kv';
import { InvalidNameError, KvBucketNotFoundError, KvConflictError } from '../errors.ts';
import type { BucketConfig, KvBucket, KvEntry, KvStore, KvWatch, WatchOptions } from '../types.ts';
import { NS_PER_MS } from './config.ts';
import type { NatsContext } from './connection.ts';
import { listKeys } from './kv-keys.ts';
import { ApiCode, apiCode, isTimeout, mapCommon } from './nats-errors.ts';

const BUCKET_NAME = /^[-\w]+$/;
const KEY = /^[-/=.\w]+$/;
const DEFAULT_DUPLICATE_WINDOW_MS = 120_000;

const streamOf = (bucket: string): string => `KV_${bucket}`;

/** Direct gets (answered by any replica) only where there is one replica: see the header. */
const directGets = (replicas: number): boolean => replicas === 1;

function checkBucketName(name: string): void {
  if (!BUCKET_NAME.test(name)) throw new InvalidNameError('kv bucket', name, 'use letters, digits, - and _');
}

function checkKey(key: string): void {
  if (!KEY.test(key) || key.startsWith('.') || key.endsWith('.')) {
    throw new InvalidNameError('kv key', key, 'use letters, digits, - / _ = and inner dots');
  }
}

function toEntry(e: NatsKvEntry): KvEntry {
  return {
    bucket: e.bucket,
    key: e.key,
    value: e.value,
    revision: e.revision,
    createdMs: e.created.getTime(),
    operation: e.operation,
  };
}

const isConflict = (error: unknown): boolean => {
  const code = apiCode(error);
  return code === ApiCode.StreamWrongLastSequence || code === ApiCode.StreamWrongLastSequenceUnknown;
};

export class NatsKvStore implements KvStore {
  readonly #ctx: NatsContext;

  constructor(ctx: NatsContext) {
    this.#ctx = ctx;
  }

  async ensureBucket(config: BucketConfig): Promise<KvBucket> {
    checkBucketName(config.name);
    const history = config.history ?? 1;
    if (!Number.isInteger(history) || history < 1 || history > 64) {
      throw new RangeError(`kv bucket ${config.name}: history must be 1-64, got ${history}`);
    }
    const maxAgeMs = config.maxAgeMs ?? 0;
    const replicas = config.replicas ?? 1;
    try {
      // The bucket uses direct gets only where both this and its stream allow them.
      const kv = await this.#ctx.kvm.create(config.name, {
        history,
        ttl: maxAgeMs,
        replicas,
        allow_direct: directGets(replicas),
        storage: 'file',
        ...(config.description ? { description: config.description } : {}),
      });
      const si = await this.#ctx.jsm.streams.info(streamOf(config.name));
      const c = si.config;
      const description = config.description ?? '';
      if (
        c.max_msgs_per_subject !== history ||
        c.max_age !== maxAgeMs * NS_PER_MS ||
        (c.description ?? '') !== description ||
        c.num_replicas !== replicas ||
        c.allow_direct !== directGets(replicas)
      ) {
        // The dedupe window may not exceed max_age, so shrink it along.
        const window =
          maxAgeMs > 0 ? Math.min(DEFAULT_DUPLICATE_WINDOW_MS, maxAgeMs) : DEFAULT_DUPLICATE_WINDOW_MS;
        await this.#ctx.jsm.streams.update(streamOf(config.name), {
          max_msgs_per_subject: history,
          max_age: maxAgeMs * NS_PER_MS,
          duplicate_window: window * NS_PER_MS,
          description,
          // A cluster (nats-server ≥ 2.9) adds or removes peers of the stream in place.
          num_replicas: replicas,
          allow_direct: directGets(replicas),
        });
      }
      return new NatsKvBucket(config.name, kv, this.#ctx);
    } catch (error) {
      throw mapCommon(error);
    }
  }

  async bucket(name: string): Promise<KvBucket> {
    checkBucketName(name);
    try {
      const si = await this.#ctx.jsm.streams.info(streamOf(name));
      // Binding skips Kvm's own stream lookup; pass what the stream allows, and never direct
      // gets on a replicated bucket (a stream made before they were turned off there).
      const direct = si.config.allow_direct === true && directGets(si.config.num_replicas);
      const kv = await this.#ctx.kvm.open(name, { allow_direct: direct });
      return new NatsKvBucket(name, kv, this.#ctx);
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) throw new KvBucketNotFoundError(name);
      throw mapCommon(error);
    }
  }

  async bucketConfig(name: string): Promise<BucketConfig | null> {
    checkBucketName(name);
    try {
      const c = (await this.#ctx.jsm.streams.info(streamOf(name))).config;
      const config: BucketConfig = {
        name,
        history: c.max_msgs_per_subject,
        maxAgeMs: Math.round(c.max_age / NS_PER_MS),
        replicas: c.num_replicas,
      };
      if (c.description) config.description = c.description;
      return config;
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) return null;
      throw mapCommon(error);
    }
  }

  async deleteBucket(name: string): Promise<boolean> {
    checkBucketName(name);
    try {
      return await this.#ctx.jsm.streams.delete(streamOf(name));
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) return false;
      throw mapCommon(error);
    }
  }
}

class NatsKvBucket implements KvBucket {
  readonly name: string;
  readonly #kv: KV;
  readonly #ctx: NatsContext;

  constructor(name: string, kv: KV, ctx: NatsContext) {
    this.name = name;
    this.#kv = kv;
    this.#ctx = ctx;
  }

  /** Run a KV call, translating the bucket vanishing underneath and closed connections. */
  async #call<T>(fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (apiCode(error) === ApiCode.StreamNotFound) throw new KvBucketNotFoundError(this.name);
      throw mapCommon(error);
    }
  }

  async get(key: string): Promise<KvEntry | null> {
    checkKey(key);
    // A read is safe to repeat: the leader's first answer after a replica change can go missing.
    const e = await this.#call(() =>
      this.#kv.get(key).catch((error) => {
        if (isTimeout(error)) return this.#kv.get(key);
        throw error;
      }),
    );
    return e === null || e.operation !== 'PUT' ? null : toEntry(e);
  }

  put(key: string, value: Uint8Array): Promise<number> {
    checkKey(key);
    return this.#call(() => this.#kv.put(key, value));
  }

  async create(key: string, value: Uint8Array): Promise<number> {
    checkKey(key);
    try {
      return await this.#call(() => this.#kv.create(key, value));
    } catch (error) {
      if (isConflict(error)) throw new KvConflictError(this.name, key, { cause: error });
      throw error;
    }
  }

  /**
   * Compare-and-set. On a clustered stream nats-server 2.9 checks the expected
   * revision only before proposing the write, so two writes built on the same
   * revision and in flight together can both be stored, the second silently
   * discarding the first (nats-server issue 4320, fixed in 2.9.21): two
   * replicas folding deltas into one actor state would lose one's deltas after
   * acknowledging them. The write's message id names the revision it builds on;
   * duplicates are detected when the write is applied, in log order on every
   * replica, so of two such writes only the first is stored and the second is
   * answered `duplicate`: a conflict, like a wrong revision.
   */
  async update(key: string, value: Uint8Array, expectedRevision: number): Promise<number> {
    checkKey(key);
    // Revision 0 means "no value yet": that is a create.
    if (expectedRevision <= 0) return this.create(key, value);
    try {
      const ack = await this.#call(() =>
        this.#ctx.js.publish(`$KV.${this.name}.${key}`, value, {
          expect: { lastSubjectSequence: expectedRevision },
          msgID: `cas:${key}:${expectedRevision}`,
        }),
      );
      // Another write built on the same revision was stored first.
      if (ack.duplicate) throw new KvConflictError(this.name, key);
      return ack.seq;
    } catch (error) {
      if (isConflict(error)) throw new KvConflictError(this.name, key, { cause: error });
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    checkKey(key);
    await this.#call(() => this.#kv.delete(key));
  }

  async history(key: string): Promise<KvEntry[]> {
    checkKey(key);
    return this.#call(async () => {
      const out: KvEntry[] = [];
      for await (const e of await this.#kv.history({ key })) out.push(toEntry(e));
      return out;
    });
  }

  async watch(options?: WatchOptions): Promise<KvWatch> {
    const iter = await this.#call(() =>
      this.#kv.watch({
        key: options?.key ?? '>',
        // '' is KvWatchInclude.LastValue: current value of each key first, then updates.
        include: options?.initialValues === false ? 'updates' : '',
      }),
    );
    return {
      async *[Symbol.asyncIterator]() {
        for await (const e of iter) yield toEntry(e);
      },
      stop: () => iter.stop(),
    };
  }

  keys(filter?: string): Promise<string[]> {
    return this.#call(() => listKeys(this.#ctx, this.name, filter ?? '>'));
  }
}
