/**
 * A bucket of one record kind: JSON values validated with the record's valibot
 * schema on the way in and on the way out, with revisions for CAS.
 *
 * A large value (a matrix version of thousands of cells) is stored gzipped:
 * NATS refuses messages over its max_payload (1 MiB by default), and such JSON
 * shrinks tenfold or more. JSON never starts with gzip's magic bytes, so a
 * reader tells the two apart without a flag, and small values stay plain JSON
 * that `nats kv get` shows as they are.
 */
import { gunzipSync, gzipSync } from 'node:zlib';
import * as v from 'valibot';
import { TerminalError } from '../engine/errors.ts';
import type { KvBucket } from '../engine/types.ts';
import { summarize } from '../streams/messages.ts';

export interface Versioned<T> {
  value: T;
  revision: number;
}

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** Values above this are gzipped. */
export const COMPRESS_ABOVE_BYTES = 64 * 1024;
/** A stored value never inflates beyond this (a corrupt or hostile entry cannot exhaust memory). */
const MAX_INFLATED_BYTES = 256 * 1024 * 1024;
const isGzip = (bytes: Uint8Array): boolean => bytes.length > 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;

export class TypedBucket<S extends v.GenericSchema> {
  readonly #bucket: KvBucket;
  readonly #schema: S;

  constructor(bucket: KvBucket, schema: S) {
    this.#bucket = bucket;
    this.#schema = schema;
  }

  get raw(): KvBucket {
    return this.#bucket;
  }

  #encode(value: v.InferOutput<S>): Uint8Array {
    const checked = v.safeParse(this.#schema, value);
    if (!checked.success)
      throw new TerminalError(
        `refusing to store a bad ${this.#bucket.name} record: ${summarize(checked.issues)}`,
      );
    const bytes = encoder.encode(JSON.stringify(checked.output));
    return bytes.length > COMPRESS_ABOVE_BYTES ? gzipSync(bytes) : bytes;
  }

  decode(key: string, bytes: Uint8Array): v.InferOutput<S> {
    let raw: unknown;
    try {
      const text = isGzip(bytes) ? gunzipSync(bytes, { maxOutputLength: MAX_INFLATED_BYTES }) : bytes;
      raw = JSON.parse(decoder.decode(text));
    } catch {
      throw new TerminalError(`${this.#bucket.name} ${key} is not JSON`);
    }
    const parsed = v.safeParse(this.#schema, raw);
    if (!parsed.success)
      throw new TerminalError(
        `${this.#bucket.name} ${key} is not a valid record: ${summarize(parsed.issues)}`,
      );
    return parsed.output;
  }

  async get(key: string): Promise<Versioned<v.InferOutput<S>> | null> {
    const entry = await this.#bucket.get(key);
    return entry === null ? null : { value: this.decode(key, entry.value), revision: entry.revision };
  }

  put(key: string, value: v.InferOutput<S>): Promise<number> {
    return this.#bucket.put(key, this.#encode(value));
  }

  /** Throws KvConflictError when the key holds a value. */
  create(key: string, value: v.InferOutput<S>): Promise<number> {
    return this.#bucket.create(key, this.#encode(value));
  }

  /** Throws KvConflictError when the key moved past `revision`. */
  update(key: string, value: v.InferOutput<S>, revision: number): Promise<number> {
    return this.#bucket.update(key, this.#encode(value), revision);
  }

  keys(filter?: string): Promise<string[]> {
    return this.#bucket.keys(filter);
  }

  /** Stored revisions, oldest first, without delete markers. */
  async history(key: string): Promise<Versioned<v.InferOutput<S>>[]> {
    const entries = await this.#bucket.history(key);
    return entries
      .filter((e) => e.operation === 'PUT')
      .map((e) => ({ value: this.decode(key, e.value), revision: e.revision }));
  }
}
