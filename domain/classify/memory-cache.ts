/**
 * An in-process ClassificationCache: for one-shot runs (`scopilot analyze`)
 * and tests. The engine's durable cache lives in a KV bucket elsewhere; both
 * honour the same port, and the pipeline applies the age limit itself.
 */
import type { Classification } from '../types.ts';
import type { ClassificationCache } from './types.ts';

export class MemoryClassificationCache implements ClassificationCache {
  readonly #entries = new Map<string, Classification>();

  async get(flowId: string): Promise<Classification | null> {
    return this.#entries.get(flowId) ?? null;
  }

  async set(c: Classification): Promise<void> {
    this.#entries.set(c.flowId, { ...c });
  }

  get size(): number {
    return this.#entries.size;
  }
}
