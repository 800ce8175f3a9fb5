/**
 * The sync state of one tenant in `scopilot_ise`: loaded whole for planning,
 * written one key at a time (CAS) as each ERS write succeeds, so a push that
 * dies midway leaves a record of exactly what reached ISE. The push lock is a
 * key with its expiry inside (nats-server 2.9 has no per-key TTL): one push
 * per tenant at a time, and a crashed holder's lock lapses.
 */

import type * as v from 'valibot';
import type { SyncState } from '../../../domain/ise/types.ts';
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
  revisions: Map<string, number>,
): Promise<v.InferOutput<S>[]> {
  const found = await bucket.keys(pattern);
  const out: v.InferOutput<S>[] = [];
  for (let i = 0; i < found.length; i += READ_BATCH) {
    const keys = found.slice(i, i + READ_BATCH);
    const batch = await Promise.all(keys.map((k) => bucket.get(k)));
    batch.forEach((e, j) => {
      if (e === null) return;
      out.push(e.value);
      revisions.set(`${bucket.raw.name}/${keys[j]}`, e.revision);
    });
  }
  return out;
}

/**
 * Write `value` (or delete with null) with CAS. The revision last seen of the
 * key is tried first, so a push's many writes need no read before each; a
 * stale one (another writer) falls back to reading the key and trying again.
 */
async function casWrite<S extends v.GenericSchema>(
  bucket: TypedBucket<S>,
  key: string,
  value: v.InferOutput<S> | null,
  revisions: Map<string, number>,
): Promise<void> {
  const id = `${bucket.raw.name}/${key}`;
  if (value === null) {
    revisions.delete(id);
    await bucket.raw.delete(key);
    return;
  }
  let known = revisions.get(id);
  for (let race = 0; ; race++) {
    try {
      const rev =
        known === undefined || known === 0
          ? await bucket.create(key, value)
          : await bucket.update(key, value, known);
      revisions.set(id, rev);
      return;
    } catch (error) {
      if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      known = (await bucket.get(key))?.revision ?? 0;
    }
  }
}

export class SyncStateStore {
  readonly #s: IseSyncStores;
  /** Revision last read or written, per bucket/key: bounded by the tenants' cells and SGACLs. */
  readonly #revisions = new Map<string, number>();

  constructor(stores: IseSyncStores) {
    this.#s = stores;
  }

  async load(tenant: string): Promise<LoadedState> {
    const [cells, sgacls, summary] = await Promise.all([
      readAll(this.#s.cells, keys.iseCellsAll(tenant), this.#revisions),
      readAll(this.#s.sgacls, keys.iseSgaclsAll(tenant), this.#revisions),
      this.#s.summary.get(keys.iseSummary(tenant)),
    ]);
    return {
      cells: new Map(cells.map((c) => [`${c.sgt}-${c.dgt}`, c])),
      sgacls: new Map(sgacls.map((s) => [s.iseId, s])),
      summary: summary?.value ?? {},
    };
  }

  putCell(tenant: string, rec: IseCellRecord): Promise<void> {
    return casWrite(this.#s.cells, keys.iseCell(tenant, rec.sgt, rec.dgt), rec, this.#revisions);
  }

  dropCell(tenant: string, sgt: number, dgt: number): Promise<void> {
    return casWrite(this.#s.cells, keys.iseCell(tenant, sgt, dgt), null, this.#revisions);
  }

  putSgacl(tenant: string, rec: IseSgaclRecord): Promise<void> {
    return casWrite(this.#s.sgacls, keys.iseSgacl(tenant, rec.iseId), rec, this.#revisions);
  }

  dropSgacl(tenant: string, iseId: string): Promise<void> {
    return casWrite(this.#s.sgacls, keys.iseSgacl(tenant, iseId), null, this.#revisions);
  }

  /** Merge into the summary (read, then CAS: it is one small key); a function patches what it read. */
  async updateSummary(
    tenant: string,
    patch: Partial<IseSummaryRecord> | ((found: IseSummaryRecord) => Partial<IseSummaryRecord>),
  ): Promise<void> {
    const key = keys.iseSummary(tenant);
    for (let race = 0; ; race++) {
      const found = await this.#s.summary.get(key);
      const prev = found?.value ?? {};
      const next = { ...prev, ...(typeof patch === 'function' ? patch(prev) : patch) };
      try {
        if (found === null) await this.#s.summary.create(key, next);
        else await this.#s.summary.update(key, next, found.revision);
        return;
      } catch (error) {
        if (!(error instanceof KvConflictError) || race >= MAX_RACES) throw error;
      }
    }
  }

  /** The summary alone, without the cells and SGACLs load() reads. */
  async summary(tenant: string): Promise<IseSummaryRecord> {
    return (await this.#s.summary.get(keys.iseSummary(tenant)))?.value ?? {};
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
          `an ISE push or import by ${found.value.by} is running since ${new Date(found.value.atMs).toISOString()}`,
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
