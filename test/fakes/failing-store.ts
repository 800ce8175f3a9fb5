/**
 * A KvStore in front of a real one whose writes can be made to fail, as a
 * full disk or a store that went away fails them. Reads and everything else go
 * straight through to the real store.
 */
import type { BucketConfig, Engine, KvBucket, KvStore } from '../../engine/types.ts';

export class StoreFault {
  /** While true, every put, create, update and delete throws. */
  failing = false;
  /** Writes refused so far. */
  refused = 0;

  #check(): void {
    if (!this.failing) return;
    this.refused++;
    throw new Error('database or disk is full');
  }

  bucket(inner: KvBucket): KvBucket {
    const guard =
      <A extends unknown[], R>(fn: (...args: A) => Promise<R>) =>
      async (...args: A): Promise<R> => {
        this.#check();
        return fn(...args);
      };
    return {
      name: inner.name,
      get: (key) => inner.get(key),
      put: guard((key: string, value: Uint8Array) => inner.put(key, value)),
      create: guard((key: string, value: Uint8Array) => inner.create(key, value)),
      update: guard((key: string, value: Uint8Array, rev: number) => inner.update(key, value, rev)),
      delete: guard((key: string) => inner.delete(key)),
      history: (key) => inner.history(key),
      watch: (options) => inner.watch(options),
      keys: (filter) => inner.keys(filter),
    };
  }

  store(inner: KvStore): KvStore {
    return {
      ensureBucket: async (config: BucketConfig) => this.bucket(await inner.ensureBucket(config)),
      bucket: async (name: string) => this.bucket(await inner.bucket(name)),
      bucketConfig: (name) => inner.bucketConfig(name),
      deleteBucket: (name) => inner.deleteBucket(name),
    };
  }

  /** The same engine, its KV writes behind this fault. */
  engine(inner: Engine): Engine {
    const kv = this.store(inner.kv);
    return {
      kind: inner.kind,
      log: inner.log,
      kv,
      rpc: inner.rpc,
      isConnected: () => inner.isConnected(),
      drain: () => inner.drain(),
      close: () => inner.close(),
    };
  }
}
