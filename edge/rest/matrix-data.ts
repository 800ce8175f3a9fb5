/**
 * What the flows and matrix routes read: the live matrix (the empty one, as
 * version 0, before the first approval), a version by number, a tenant's
 * inventory, and readiness measured now. Reads only: every change goes through
 * the matrix keeper.
 */
import { InventoryView } from '../../actors/scheduler/inventory-view.ts';
import { readiness } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import {
  currentMatrix,
  type InventoryRecord,
  keys,
  type MatrixPointer,
  type MatrixVersionRecord,
  matrixVersion,
  type ReadinessSnapshot,
  type Stores,
  type Versioned,
} from '../../kv-schema/mod.ts';
import { notFound } from '../problem.ts';

/** KV reads in flight at once when a route loads many keys. */
const PARALLEL_READS = 32;

export interface LiveMatrix {
  /** 0 before the first approval. */
  version: number;
  matrix: Matrix;
  record: MatrixVersionRecord | null;
  pointer: Versioned<MatrixPointer> | null;
}

export async function liveMatrix(stores: Stores, tenant: string): Promise<LiveMatrix> {
  const { pointer, version } = await currentMatrix(stores, tenant);
  return {
    version: version?.version ?? 0,
    matrix: (version?.matrix ?? INITIAL_MATRIX) as Matrix,
    record: version,
    pointer,
  };
}

/** Version `n` (≥ 1), or a 404. */
export async function versionRecord(stores: Stores, tenant: string, n: number): Promise<MatrixVersionRecord> {
  const found = await matrixVersion(stores, tenant, n);
  if (found === null) throw notFound(`no matrix version ${n}`);
  return found;
}

/** The matrix of version `n`; 0 is the empty matrix every tenant starts from. */
export async function matrixAt(stores: Stores, tenant: string, n: number): Promise<Matrix> {
  return n === 0 ? INITIAL_MATRIX : ((await versionRecord(stores, tenant, n)).matrix as Matrix);
}

/** `fn` over `items`, at most PARALLEL_READS at a time, results in input order. */
export async function mapParallel<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL_READS) {
    out.push(...(await Promise.all(items.slice(i, i + PARALLEL_READS).map(fn))));
  }
  return out;
}

/**
 * A tenant's inventory; `keep` filters by flow id before a record is read,
 * since the id (`<sgt>-<dgt>-<proto>-<src>-<dst>`) already names the flow.
 */
export async function inventory(
  stores: Stores,
  tenant: string,
  keep: (flowId: string) => boolean = () => true,
): Promise<InventoryRecord[]> {
  const prefix = `${tenant}.`;
  const wanted = (await stores.inventory.keys(keys.tenantAll(tenant))).filter((k) =>
    keep(k.slice(prefix.length)),
  );
  const found = await mapParallel(wanted, (k) => stores.inventory.get(k));
  return found.flatMap((f) => (f === null ? [] : [f.value]));
}

/** A flow as coverage reads it: its key and hits, no samples, no days. */
export type CoverageFlowRecord = Pick<
  InventoryRecord,
  'flowId' | 'sgt' | 'dgt' | 'protocol' | 'srcPort' | 'dstPort' | 'hits'
>;

/** Above this many flows a tenant's coverage reads come from the process's inventory view. */
export const VIEW_ABOVE_FLOWS = 2_000;
/** Flows written and not yet taken that the view buffers before it gives up and reloads in full. */
const VIEW_MAX_TOUCHED = 200_000;
/** Per store: the view, the large tenants it has loaded, and when each last changed. */
const views = new WeakMap<
  Stores,
  { view: InventoryView; large: Set<string>; changed: Map<string, number>; clock: number }
>();

/** A tenant's slim flows, and a stamp that changes whenever they do (null: read afresh, no stamp). */
export interface StampedFlows {
  flows: CoverageFlowRecord[];
  stamp: number | null;
}

/**
 * Every flow of a tenant, slim, for pages that only measure coverage (the
 * matrix page's heat map). A small tenant is read afresh. A large one is read
 * once into a per-process view that a KV watch keeps current (the
 * scheduler's InventoryView): reading 20,000 records one get at a time costs
 * seconds, and every later page would pay them again. A watch entry may
 * trail its write by a few milliseconds, which a page can live with.
 */
export async function coverageInventory(stores: Stores, tenant: string): Promise<CoverageFlowRecord[]> {
  return (await stampedInventory(stores, tenant)).flows;
}

/**
 * coverageInventory with a stamp for a large tenant: the same stamp means the
 * same flows (any write or delete the view takes, or a reload, gives a new one),
 * so what a page draws from them can be kept until the stamp moves.
 */
export async function stampedInventory(stores: Stores, tenant: string): Promise<StampedFlows> {
  let held = views.get(stores);
  if (held === undefined) {
    held = {
      view: new InventoryView(stores, VIEW_MAX_TOUCHED),
      large: new Set(),
      changed: new Map(),
      clock: 0,
    };
    views.set(stores, held);
  }
  const { view, large } = held;
  if (view.stale && large.size > 0) {
    // The watch broke or overflowed: start it again, then every large tenant loads in full once more.
    await view.start();
    view.resync();
    large.clear();
  }
  if (!large.has(tenant)) {
    if ((await stores.inventory.keys(keys.tenantAll(tenant))).length <= VIEW_ABOVE_FLOWS)
      return { flows: await inventory(stores, tenant), stamp: null };
    // The watch starts before the load, so nothing written meanwhile is missed.
    await view.start();
    if (large.size === 0) view.resync();
    large.add(tenant);
  }
  const taken = await view.take(tenant);
  if (taken.touchedPairs === null || taken.touchedPairs.size > 0 || !held.changed.has(tenant))
    held.changed.set(tenant, ++held.clock);
  return { flows: [...taken.view.flows.values()], stamp: held.changed.get(tenant) ?? null };
}

/** Blockers kept in a readiness answer, as in the scheduler's snapshots. */
export const READINESS_BLOCKERS = 20;

/** Readiness of the live matrix against today's inventory, shaped like the scheduler's snapshot. */
export async function readinessNow(
  stores: Stores,
  tenant: string,
  nowMs: number,
): Promise<ReadinessSnapshot> {
  const live = await liveMatrix(stores, tenant);
  const flows = (await inventory(stores, tenant)).map((f) => ({ ...f, id: f.flowId }));
  const r = readiness(live.matrix, flows);
  return {
    atMs: nowMs,
    version: live.version,
    ratio: r.ratio,
    totalHits: r.totalHits,
    coveredHits: r.coveredHits,
    deniedHits: r.deniedHits,
    uncoveredHits: r.uncoveredHits,
    flows: r.flows,
    criticalBlockers: r.criticalBlockers,
    blockers: r.blockers
      .slice(0, READINESS_BLOCKERS)
      .map((b) => ({ flowId: b.flowId, hits: b.hits, service: b.service, critical: b.critical })),
  };
}
