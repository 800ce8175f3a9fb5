/**
 * Executing effects. Publishes carry their msgId so executing an outbox twice
 * stores each message once (within the stream's dedupe window). KV writes are
 * puts of values derived from state, so repeating one is harmless — unless
 * another replica has meanwhile written a value derived from a newer state:
 * a put with `ifNewer` is a compare-and-set that never goes backwards.
 */
import { KvConflictError } from '../errors.ts';
import type { Engine, KvBucket } from '../types.ts';
import { type Effect, EffectType, type KvPutEffect } from './types.ts';

const encoder = new TextEncoder();
const decoder = new TextDecoder();

/** The stored value's ordering field, or -Infinity when absent or unreadable (then any write wins). */
function storedOrder(bytes: Uint8Array, field: string): number {
  try {
    const value = (JSON.parse(decoder.decode(bytes)) as Record<string, unknown>)[field];
    return typeof value === 'number' ? value : Number.NEGATIVE_INFINITY;
  } catch {
    return Number.NEGATIVE_INFINITY;
  }
}

async function putIfNewer(bucket: KvBucket, effect: KvPutEffect, guard: { field: string; value: number }) {
  const bytes = encoder.encode(JSON.stringify(effect.value));
  for (;;) {
    const entry = await bucket.get(effect.key);
    if (entry !== null && storedOrder(entry.value, guard.field) >= guard.value) return;
    try {
      if (entry === null) await bucket.create(effect.key, bytes);
      else await bucket.update(effect.key, bytes, entry.revision);
      return;
    } catch (error) {
      // Someone wrote in between: look again, theirs may be newer.
      if (!(error instanceof KvConflictError)) throw error;
    }
  }
}

/** Give every publish a msgId derived from where it came from, unless the logic chose one. */
export function withMsgIds(effects: readonly Effect[], origin: string): Effect[] {
  return effects.map((effect, i) =>
    effect.type === EffectType.Publish && effect.msgId === undefined
      ? { ...effect, msgId: `${origin}:${i}` }
      : effect,
  );
}

export class EffectRunner {
  readonly #engine: Engine;
  readonly #buckets = new Map<string, Promise<KvBucket>>();

  constructor(engine: Engine) {
    this.#engine = engine;
  }

  async run(effects: readonly Effect[]): Promise<void> {
    // Publishes go out concurrently (ordering between them is not promised by the
    // logic contract); KV writes to one key keep their order.
    const publishes: Promise<unknown>[] = [];
    for (const effect of effects) {
      switch (effect.type) {
        case EffectType.Publish:
          publishes.push(
            this.#engine.log.publish(
              effect.subject,
              encoder.encode(JSON.stringify(effect.message)),
              effect.msgId === undefined ? {} : { msgId: effect.msgId },
            ),
          );
          break;
        case EffectType.KvPut: {
          const bucket = await this.#bucket(effect.bucket);
          if (effect.ifNewer !== undefined) await putIfNewer(bucket, effect, effect.ifNewer);
          else await bucket.put(effect.key, encoder.encode(JSON.stringify(effect.value)));
          break;
        }
        case EffectType.KvDelete:
          await (await this.#bucket(effect.bucket)).delete(effect.key);
          break;
      }
    }
    await Promise.all(publishes);
  }

  #bucket(name: string): Promise<KvBucket> {
    let bucket = this.#buckets.get(name);
    if (bucket === undefined) {
      bucket = this.#engine.kv.bucket(name);
      bucket.catch(() => this.#buckets.delete(name));
      this.#buckets.set(name, bucket);
    }
    return bucket;
  }
}
