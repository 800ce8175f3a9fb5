/**
 * Typed access to the product's buckets, one place for every reader and
 * writer (actors, the matrix keeper, the edge). Key spelling stays in keys.ts.
 */
import type { TagClass } from '../domain/classify/classes.ts';
import { KvConflictError } from '../engine/errors.ts';
import type { Engine } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../streams/namespace.ts';
import { Bucket, bucketName } from './buckets.ts';
import { keys } from './keys.ts';
import {
  ClassificationRecord,
  HistoryPoint,
  InventoryRecord,
  MatrixPointer,
  MatrixVersionRecord,
  OpenProposalIndex,
  ProposalRecord,
  ReadinessSnapshot,
  SgtRecord,
  TailCursor,
  ThreatVerdictRecord,
  WatchRecord,
} from './records.ts';
import { TypedBucket, type Versioned } from './typed.ts';

export interface Stores {
  sgt: TypedBucket<typeof SgtRecord>;
  inventory: TypedBucket<typeof InventoryRecord>;
  proposals: TypedBucket<typeof ProposalRecord>;
  /** Holds both version snapshots and pointers: read through the helpers below. */
  matrix: TypedBucket<typeof MatrixVersionRecord>;
  pointer: TypedBucket<typeof MatrixPointer>;
  classifications: TypedBucket<typeof ClassificationRecord>;
  readiness: TypedBucket<typeof ReadinessSnapshot>;
  tailCursors: TypedBucket<typeof TailCursor>;
  openProposals: TypedBucket<typeof OpenProposalIndex>;
  watch: TypedBucket<typeof WatchRecord>;
  threat: TypedBucket<typeof ThreatVerdictRecord>;
  historyMinute: TypedBucket<typeof HistoryPoint>;
  historyHour: TypedBucket<typeof HistoryPoint>;
}

export async function openStores(engine: Engine, ns: Namespace = DEFAULT_NAMESPACE): Promise<Stores> {
  const open = (b: Bucket) => engine.kv.bucket(bucketName(b, ns));
  const matrix = await open(Bucket.Matrix);
  return {
    sgt: new TypedBucket(await open(Bucket.Sgt), SgtRecord),
    inventory: new TypedBucket(await open(Bucket.Inventory), InventoryRecord),
    proposals: new TypedBucket(await open(Bucket.Proposals), ProposalRecord),
    matrix: new TypedBucket(matrix, MatrixVersionRecord),
    pointer: new TypedBucket(matrix, MatrixPointer),
    classifications: new TypedBucket(await open(Bucket.Classifications), ClassificationRecord),
    readiness: new TypedBucket(await open(Bucket.State), ReadinessSnapshot),
    tailCursors: new TypedBucket(await open(Bucket.State), TailCursor),
    openProposals: new TypedBucket(await open(Bucket.State), OpenProposalIndex),
    watch: new TypedBucket(await open(Bucket.State), WatchRecord),
    threat: new TypedBucket(await open(Bucket.Threat), ThreatVerdictRecord),
    historyMinute: new TypedBucket(await open(Bucket.HistoryMinute), HistoryPoint),
    historyHour: new TypedBucket(await open(Bucket.HistoryHour), HistoryPoint),
  };
}

export interface CurrentMatrix {
  pointer: Versioned<MatrixPointer> | null;
  version: MatrixVersionRecord | null;
}

const MAX_WATCH_RACES = 20;

/**
 * Note traffic first seen at `firstSeenMs`: watching the tenant began then at
 * the latest. Returns when it began (the earlier of the stored and the given).
 */
export async function noteWatching(stores: Stores, tenant: string, firstSeenMs: number): Promise<number> {
  const key = keys.watch(tenant);
  for (let race = 0; ; race++) {
    const found = await stores.watch.get(key);
    if (found !== null && found.value.sinceMs <= firstSeenMs) return found.value.sinceMs;
    try {
      if (found === null) await stores.watch.create(key, { sinceMs: firstSeenMs });
      else await stores.watch.update(key, { sinceMs: firstSeenMs }, found.revision);
      return firstSeenMs;
    } catch (error) {
      if (!(error instanceof KvConflictError) || race >= MAX_WATCH_RACES) throw error;
    }
  }
}

/** When watching the tenant began, or null before its first traffic was noted. */
export async function watchingSince(stores: Stores, tenant: string): Promise<number | null> {
  return (await stores.watch.get(keys.watch(tenant)))?.value.sinceMs ?? null;
}

/**
 * The matrix generation a pointer names: it grows with every move, so flows a
 * rollback uncovers are reported again even though their version number was
 * live before. 0 before the first approval.
 */
export function generationOf(pointer: MatrixPointer | null | undefined): number {
  return pointer?.generation ?? pointer?.version ?? 0;
}

/** The generation after a move of `pointer` to `version`: the version number until the first rollback. */
export function nextGeneration(pointer: MatrixPointer | null | undefined, version: number): number {
  return Math.max(pointer === null || pointer === undefined ? 0 : generationOf(pointer) + 1, version);
}

/** The live version of a tenant's matrix (both null before the first approval). */
export async function currentMatrix(stores: Stores, tenant: string): Promise<CurrentMatrix> {
  const pointer = await stores.pointer.get(keys.matrixCurrent(tenant));
  if (pointer === null || pointer.value.version === 0) return { pointer, version: null };
  return { pointer, version: await matrixVersion(stores, tenant, pointer.value.version) };
}

/**
 * Decoded matrix versions, shared by every reader of these stores. A version
 * is written once and never changes, so a decoded copy never goes stale; only
 * the pointer is read fresh each time.
 */
const versionCache = new WeakMap<Stores, Map<string, MatrixVersionRecord>>();
const VERSION_CACHE_SIZE = 64;

/** Version `n` of a tenant's matrix, or null when it was never written. */
export async function matrixVersion(
  stores: Stores,
  tenant: string,
  n: number,
): Promise<MatrixVersionRecord | null> {
  const key = keys.matrixVersion(tenant, n);
  let cache = versionCache.get(stores);
  if (cache === undefined) {
    cache = new Map();
    versionCache.set(stores, cache);
  }
  const hit = cache.get(key);
  if (hit !== undefined) return hit;
  const found = (await stores.matrix.get(key))?.value ?? null;
  if (found !== null) {
    if (cache.size >= VERSION_CACHE_SIZE) cache.delete(cache.keys().next().value as string);
    cache.set(key, found);
  }
  return found;
}

/** Version numbers written for a tenant, ascending. */
export async function matrixVersions(stores: Stores, tenant: string): Promise<number[]> {
  const prefix = `${keys.matrixCurrent(tenant).slice(0, -'current'.length)}v.`;
  const found = await stores.matrix.keys(`${prefix}*`);
  return found
    .map((k) => Number(k.slice(prefix.length)))
    .filter(Number.isInteger)
    .sort((a, b) => a - b);
}

/** Explicit tag classes of a tenant, tag → class (tags without one are classed from their names). */
export async function sgtClasses(stores: Stores, tenant: string): Promise<Map<number, TagClass>> {
  const classes = new Map<number, TagClass>();
  for (const key of await stores.sgt.keys(keys.tenantAll(tenant))) {
    const record = await stores.sgt.get(key);
    const tag = Number(key.slice(key.lastIndexOf('.') + 1));
    if (record?.value.class !== undefined && Number.isInteger(tag)) classes.set(tag, record.value.class);
  }
  return classes;
}

/** SGT names of a tenant, tag → name. */
export async function sgtNames(stores: Stores, tenant: string): Promise<Map<number, string>> {
  const names = new Map<number, string>();
  for (const key of await stores.sgt.keys(keys.tenantAll(tenant))) {
    const record = await stores.sgt.get(key);
    const tag = Number(key.slice(key.lastIndexOf('.') + 1));
    if (record !== null && Number.isInteger(tag)) names.set(tag, record.value.name);
  }
  return names;
}
