/**
 * The per-tenant quota of distinct flows in the inventory. The aggregator is partitioned by tag
 * pair, so no one actor sees a tenant's whole inventory: the tenant's flows are counted in
 * one key of the state bucket (kv-schema/tenant-counter.ts), added to with compare-and-set
 * whenever a partition is about to record a flow it has never held. At the quota the new flow
 * is refused: its delta is dead-lettered with a reason naming the quota (replayable once the
 * quota is raised, see redrive.ts) and counted in `scopilot_quota_throttled_total`; flows
 * already held keep being updated.
 *
 * The count errs high, never low: a transition retried after losing a race on its partition's
 * state counts its new flow again. A tenant may so be refused a little before it really holds
 * `flows` distinct flows, never allowed past it.
 */
import type { QuotaMetrics, QuotaSettings } from '../../config/quotas.ts';
import { QuotaName, quotasOf } from '../../config/quotas.ts';
import { TerminalError } from '../../engine/errors.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';
import { TenantCounter } from '../../kv-schema/tenant-counter.ts';

export interface FlowQuotaOptions {
  quotas: QuotaSettings;
  metrics?: QuotaMetrics;
}

/** What a dead letter of a refused flow says first: `redrive` finds them by it. */
export const FLOW_QUOTA_REASON = 'over the flows quota';

/** A new flow refused because its tenant holds its quota of distinct flows: dead-lettered at once. */
export class FlowQuotaError extends TerminalError {
  constructor(tenant: string, quota: number, flowId: string) {
    super(
      `${FLOW_QUOTA_REASON}: tenant ${tenant} holds ${quota} distinct flows, its quota (SCOPILOT_QUOTAS__FLOWS); ` +
        `the new flow ${flowId} was not added. Raise the quota, then replay these dead letters.`,
    );
  }
}

export class FlowQuota {
  readonly #o: FlowQuotaOptions;
  readonly #counter: TenantCounter;

  constructor(stores: Stores, options: FlowQuotaOptions) {
    this.#o = options;
    // A tenant without a count yet (flows recorded before the count existed) starts from its inventory.
    this.#counter = new TenantCounter(stores.watch.raw, {
      what: QuotaName.Flows,
      seed: async (tenant) => (await stores.inventory.keys(keys.tenantAll(tenant))).length,
    });
  }

  /** Before recording a flow the partition does not hold: counts it, or throws FlowQuotaError. */
  async admitNew(tenant: string, flowId: string): Promise<void> {
    const limit = quotasOf(this.#o.quotas, tenant).flows;
    if (await this.#counter.tryAdd(tenant, limit)) return;
    this.#o.metrics?.throttled(tenant, QuotaName.Flows, 1);
    throw new FlowQuotaError(tenant, limit, flowId);
  }

  /** The tenant's counted flows. */
  count(tenant: string): Promise<number> {
    return this.#counter.read(tenant);
  }
}
