/**
 * The sync state of one tenant in `scopilot_ise`: loaded whole for planning,
 * written one key at a time (CAS) as each ERS write succeeds, so a push that
 * dies midway leaves a record of exactly what reached ISE. The push lock is a
 * key with its expiry inside (nats-server 2.9 has no per-key TTL): one push
 * per tenant at a time, and a crashed holder's lock lapses.
 */

import type * as v from 'valibot';
import type { SyncCell, SyncSgacl, SyncState } from '../../../domain/ise/types.ts';
import { KvConflictError } from '../../../engine/errors.ts';
import {
  type IseCellRecord,
  type IseSgaclRecord,
  type IseSummaryRecord,
  type IseSyncStores,
  keys,
  type TypedBucket,
} from '../../../kv-schema/mod.ts';
import { IseSyncError, IseSyncErrorCode } from './errors.ts';

const MAX_RACES = 50;
const READ_BATCH = 64;
const LOCK_TTL_MS = 15 * 60 * 1000;

export interface LoadedState extends SyncState {
  cells: Map<string, IseCellRecord>;
  sgacls: Map<string, IseSgaclRecord>;
  summary: IseSummaryRecord;
}

async function readAll<S extends v.GenericSchema>(
  bucket: TypedBucket<S>,
  pattern: string,
): Promise<v.InferOutput<S>[]> {
  const found = await bucket.keys(pattern);
  const out: v.InferOutput<S>[] = [];
  for (let i = 0; i < found.length; i += READ_BATCH) {
    const batch = await Promise.all(found.slice(i, i + READ_BATCH).map((k) => bucket.get(k)));
    for (const e of batch) if (e !== null) out.push(e.value);
  }
  return out;
}

/** Write `next(current)` with CAS, retrying on a concurrent write; `null` from next deletes. */
async function casWrite<S extends v.GenericSchema>(
  bucket: TypedBucket<S>,
  key: string,
  next: (current: v.InferOutput<S> | null) => v.InferOutput<S> | null,
): Promise<void> {
  for (let race = 0; ; race++) {
    const found = await bucket.get(key);
    const value = next(found?.value ?? null);
    try {
      if (value === null) {
        if (found !== null) await bucket.raw.delete(key);
        return;
      }
      if (found === null) await bucket.create(key, value);
      else await bucket.update(key, value, found.revision);
      return;
    } catch (error) {
      if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
    }
  }
}

export class SyncStateStore {
  readonly #s: IseSyncStores;

  constructor(stores: IseSyncStores) {
    this.#s = stores;
  }

  async load(tenant: string): Promise<LoadedState> {
    const [cells, sgacls, summary] = await Promise.all([
      readAll(this.#s.cells, keys.iseCellsAll(tenant)),
      readAll(this.#s.sgacls, keys.iseSgaclsAll(tenant)),
      this.#s.summary.get(keys.iseSummary(tenant)),
    ]);
    return {
      cells: new Map(cells.map((c) => [`${c.sgt}-${c.dgt}`, c])),
      sgacls: new Map(sgacls.map((s) => [s.iseId, s])),
      summary: summary?.value ?? {},
    };
  }

  putCell(tenant: string, rec: IseCellRecord): Promise<void> {
    return casWrite(this.#s.cells, keys.iseCell(tenant, rec.sgt, rec.dgt), () => rec);
  }

  dropCell(tenant: string, sgt: number, dgt: number): Promise<void> {
    return casWrite(this.#s.cells, keys.iseCell(tenant, sgt, dgt), () => null);
  }

  putSgacl(tenant: string, rec: IseSgaclRecord): Promise<void> {
    return casWrite(this.#s.sgacls, keys.iseSgacl(tenant, rec.iseId), () => rec);
  }

  dropSgacl(tenant: string, iseId: string): Promise<void> {
    return casWrite(this.#s.sgacls, keys.iseSgacl(tenant, iseId), () => null);
  }

  updateSummary(tenant: string, patch: Partial<IseSummaryRecord>): Promise<void> {
    return casWrite(this.#s.summary, keys.iseSummary(tenant), (current) => ({
      ...(current ?? {}),
      ...patch,
    }));
  }

  /** Take the tenant's push lock, or BUSY while another push holds it. */
  async lock(tenant: string, holder: string, by: string, nowMs: number): Promise<() => Promise<void>> {
    const key = keys.isePushLock(tenant);
    const value = { holder, by, atMs: nowMs, expiresAtMs: nowMs + LOCK_TTL_MS };
    for (let race = 0; ; race++) {
      const found = await this.#s.lock.get(key);
      if (found !== null && found.value.expiresAtMs > nowMs && found.value.holder !== holder) {
        throw new IseSyncError(
          IseSyncErrorCode.Busy,
          `a push to ISE by ${found.value.by} is running since ${new Date(found.value.atMs).toISOString()}`,
          { by: found.value.by, sinceMs: found.value.atMs },
        );
      }
      try {
        if (found === null) await this.#s.lock.create(key, value);
        else await this.#s.lock.update(key, value, found.revision);
        break;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
    return async () => {
      const found = await this.#s.lock.get(key);
      if (found?.value.holder === holder) await this.#s.lock.raw.delete(key);
    };
  }
}

/** A sync record of a cell as the domain reads it. */
export const asSyncCell = (r: IseCellRecord): SyncCell => r;
export const asSyncSgacl = (r: IseSgaclRecord): SyncSgacl => r;
