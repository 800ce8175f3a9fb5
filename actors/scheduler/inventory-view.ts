/**
 * The scheduler's view of the inventory, so a tick re-reads only what moved.
 * A KV watch on the inventory bucket (updates only, no initial values) notes
 * every flow written since the last tick; the first tick for a tenant, and
 * any tick after the watch broke or overflowed, loads the tenant's whole
 * inventory instead. Each flow is kept slim (what coverage, readiness and a
 * FlowUnknown report need; no samples, no day list) with its KV revision, so
 * a late watch entry never replaces a newer value read by a full load.
 *
 * The watch runs on the process that ticks; a follower that is not the
 * leader stops buffering past `maxTouched` and marks itself stale, so it
 * loads in full when it takes the lease.
 */
import type { KvWatch } from '../../engine/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import type { InventoryRecord } from '../../kv-schema/records.ts';

/** The part of an InventoryRecord the scan uses. */
export type SlimFlow = Pick<
  InventoryRecord,
  'flowId' | 'sgt' | 'dgt' | 'protocol' | 'srcPort' | 'dstPort' | 'hits' | 'firstSeenMs' | 'unknownAt'
> & { id: string; revision: number };

export interface TenantFlows {
  flows: Map<string, SlimFlow>;
  /** The live matrix the last scan compared against; null before the first scan. */
  scannedAt: { version: number; generation: number } | null;
}

/** What a tick gets for one tenant: every known flow, and the tag pairs written since the last tick. */
export interface TenantDelta {
  view: TenantFlows;
  /** `${sgt}>${dgt}` of every flow written since the last tick; null: the view was (re)loaded in full. */
  touchedPairs: Set<string> | null;
}

/** Inventory reads in flight while a tenant loads in full. */
const LOAD_WINDOW = 128;

const slim = (r: InventoryRecord, revision: number): SlimFlow => ({
  id: r.flowId,
  flowId: r.flowId,
  sgt: r.sgt,
  dgt: r.dgt,
  protocol: r.protocol,
  srcPort: r.srcPort,
  dstPort: r.dstPort,
  hits: r.hits,
  firstSeenMs: r.firstSeenMs,
  unknownAt: r.unknownAt,
  revision,
});

export const pairOf = (f: { sgt: number; dgt: number }): string => `${f.sgt}>${f.dgt}`;

export class InventoryView {
  readonly #stores: Stores;
  readonly #maxTouched: number;
  readonly #tenants = new Map<string, TenantFlows>();
  /** Per tenant: flow id → latest written record (null: deleted) since the last tick. */
  #touched = new Map<string, Map<string, SlimFlow | null>>();
  #touchedCount = 0;
  /** Tenants to load in full at their next tick (their last scan failed). */
  readonly #reload = new Set<string>();
  #watch: KvWatch | null = null;
  /** Updates may have been missed: every tenant loads in full at its next tick. */
  #stale = true;

  constructor(stores: Stores, maxTouched = 500_000) {
    this.#stores = stores;
    this.#maxTouched = maxTouched;
  }

  /** Starts the watch (idempotent); a view started now loads every tenant in full once. */
  async start(): Promise<void> {
    if (this.#watch !== null) return;
    const watch = await this.#stores.inventory.raw.watch({ initialValues: false });
    this.#watch = watch;
    void (async () => {
      for await (const e of watch) this.#note(e.key, e.operation === 'PUT' ? e.value : null, e.revision);
    })()
      .catch(() => undefined)
      .finally(() => {
        // The watch ended (connection closed, bucket gone): whatever follows may be missed.
        if (this.#watch === watch) {
          this.#watch = null;
          this.#stale = true;
        }
      });
  }

  stop(): void {
    this.#watch?.stop();
    this.#watch = null;
  }

  /** Tenants seen by the watch or loaded before. */
  knownTenants(): string[] {
    return [...new Set([...this.#tenants.keys(), ...this.#touched.keys(), ...this.#reload])];
  }

  /** True when the next tick must list tenants from the store (the view may have missed some). */
  get stale(): boolean {
    return this.#stale || this.#watch === null;
  }

  /** After a full listing: the tenants not listed are forgotten, every tenant reloads once. */
  resync(): void {
    this.#tenants.clear();
    this.#reload.clear();
    this.#touched.clear();
    this.#touchedCount = 0;
    this.#stale = false;
  }

  /** A tenant whose scan failed loads in full next time (its reports may not all be out). */
  forget(tenant: string): void {
    this.#tenants.delete(tenant);
    this.#reload.add(tenant);
  }

  /** The tenant's flows, brought up to date with what was written since the last call. */
  async take(tenant: string): Promise<TenantDelta> {
    const touched = this.#touched.get(tenant);
    this.#touched.delete(tenant);
    this.#reload.delete(tenant);
    this.#touchedCount -= touched?.size ?? 0;
    let view = this.#tenants.get(tenant);
    if (view === undefined) {
      view = { flows: await this.#load(tenant), scannedAt: null };
      this.#tenants.set(tenant, view);
      // Written during the load: newer revisions win below.
      for (const [id, f] of touched ?? []) this.#apply(view, id, f);
      return { view, touchedPairs: null };
    }
    const pairs = new Set<string>();
    for (const [id, f] of touched ?? []) {
      const before = view.flows.get(id);
      if (before) pairs.add(pairOf(before));
      if (f) pairs.add(pairOf(f));
      this.#apply(view, id, f);
    }
    return { view, touchedPairs: pairs };
  }

  #apply(view: TenantFlows, id: string, f: SlimFlow | null): void {
    const before = view.flows.get(id);
    if (f === null) {
      view.flows.delete(id);
      return;
    }
    if (before === undefined || before.revision < f.revision) view.flows.set(id, f);
  }

  /** Every flow of the tenant, read with LOAD_WINDOW gets in flight (one at a time cost a round trip each). */
  async #load(tenant: string): Promise<Map<string, SlimFlow>> {
    const out = new Map<string, SlimFlow>();
    const all = await this.#stores.inventory.keys(keys.tenantAll(tenant));
    let next = 0;
    const lane = async () => {
      while (next < all.length) {
        const found = await this.#stores.inventory.get(all[next++]!);
        if (found !== null) out.set(found.value.flowId, slim(found.value, found.revision));
      }
    };
    await Promise.all(Array.from({ length: Math.min(LOAD_WINDOW, all.length) }, lane));
    return out;
  }

  #note(key: string, value: Uint8Array | null, revision: number): void {
    const dot = key.indexOf('.');
    if (dot <= 0) return;
    if (this.#touchedCount >= this.#maxTouched) {
      // Nobody is taking (not the leader, or far behind): stop buffering, load in full later.
      this.#touched.clear();
      this.#touchedCount = 0;
      this.#stale = true;
      return;
    }
    const tenant = key.slice(0, dot);
    let record: SlimFlow | null = null;
    if (value !== null) {
      try {
        record = slim(this.#stores.inventory.decode(key, value), revision);
      } catch {
        return; // a bad record: the full load reports it like before
      }
    }
    let forTenant = this.#touched.get(tenant);
    if (forTenant === undefined) {
      forTenant = new Map();
      this.#touched.set(tenant, forTenant);
    }
    const id = record?.flowId ?? key.slice(dot + 1);
    if (!forTenant.has(id)) this.#touchedCount++;
    forTenant.set(id, record);
  }
}
