/**
 * Executing effects. Publishes carry their msgId so executing an outbox twice
 * stores each message once (within the stream's dedupe window); KV writes are
 * plain puts of values derived from state, so repeating them is harmless.
 */
import type { Engine, KvBucket } from '../types.ts';
import { type Effect, EffectType } from './types.ts';

const encoder = new TextEncoder();

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
        case EffectType.KvPut:
          await (await this.#bucket(effect.bucket)).put(
            effect.key,
            encoder.encode(JSON.stringify(effect.value)),
          );
          break;
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
