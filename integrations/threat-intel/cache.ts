/**
 * The verdict cache port and its two adapters: KV bucket `scopilot_threat`
 * (key `<provider>.<ip>`) for the running system, a Map for unit tests. Each
 * record carries its own expiry (nats-server 2.9 has no per-key TTL), so the
 * lifetime can differ by outcome; an expired record reads as a miss.
 */
import { keys } from '../../kv-schema/keys.ts';
import type { ThreatVerdictRecord } from '../../kv-schema/records.ts';
import type { Stores } from '../../kv-schema/stores.ts';

export type CachedVerdict = ThreatVerdictRecord;

export interface VerdictCache {
  /** The live record for a provider and canonical address, or null (absent or expired at `nowMs`). */
  get(provider: string, ip: string, nowMs: number): Promise<CachedVerdict | null>;
  put(record: CachedVerdict): Promise<void>;
}

export function memoryVerdictCache(): VerdictCache & { readonly size: number } {
  const records = new Map<string, CachedVerdict>();
  return {
    get size() {
      return records.size;
    },
    async get(provider, ip, nowMs) {
      const key = keys.threat(provider, ip);
      const record = records.get(key);
      if (record === undefined) return null;
      if (record.expiresAtMs > nowMs) return record;
      records.delete(key);
      return null;
    },
    async put(record) {
      records.set(keys.threat(record.provider, record.ip), record);
    },
  };
}

/** Verdicts in KV, validated with the record schema both ways. */
export function kvVerdictCache(stores: Pick<Stores, 'threat'>): VerdictCache {
  return {
    async get(provider, ip, nowMs) {
      const entry = await stores.threat.get(keys.threat(provider, ip));
      if (entry === null || entry.value.expiresAtMs <= nowMs) return null;
      return entry.value;
    },
    async put(record) {
      await stores.threat.put(keys.threat(record.provider, record.ip), record);
    },
  };
}
