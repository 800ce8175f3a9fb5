/**
 * A bucket of one record kind: JSON values validated with the record's valibot
 * schema on the way in and on the way out, with revisions for CAS.
 */
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
    return encoder.encode(JSON.stringify(checked.output));
  }

  decode(key: string, bytes: Uint8Array): v.InferOutput<S> {
    let raw: unknown;
    try {
      raw = JSON.parse(decoder.decode(bytes));
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
