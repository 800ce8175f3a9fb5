/**
 * The open-proposals quota (`SCOPILOT_QUOTAS__OPEN_PROPOSALS`): a tenant with
 * that many proposals open gets no new one until people decide or one
 * expires; flows for pairs with an open proposal still merge into it.
 *
 * Counting. The proposer's own state (CAS-saved per tenant, so every replica
 * agrees) holds the pairs it made a proposal for and that proposal's id. The
 * set only over-counts: decisions are made elsewhere (keeper, scheduler), so
 * a proposal in it may have closed since. Below the quota that does not
 * matter; at the quota the set is pruned by reading its proposals (at most
 * the quota's number of reads), and the verdict "still full" is trusted
 * until the tenant's `closed.<t>` mark changes (release.ts rewrites it for
 * every closed proposal), so a tenant sitting at its quota costs one read per
 * flow held back, not a prune. The `open.<t>.<pair>` index is not counted:
 * its entries outlive their proposals. A state from before the quota (or a
 * quota that was 0) is seeded once from that index, each entry checked.
 *
 * Holding back. A flow that would open a proposal past the quota is written
 * to `held.<t>.<flow>` and counted (`scopilot_quota_throttled_total`,
 * quota="open-proposals", once per flow). The record is written before the
 * `closed` mark is read, and the release actor rewrites the mark before it
 * lists held flows: so either the release sees the record, or the proposer
 * sees the mark changed and looks again. A flow is never left held while
 * its tenant has room.
 */
import * as v from 'valibot';
import { type QuotaMetrics, QuotaName, type QuotaSettings, quotasOf } from '../../config/quotas.ts';
import { isOpen, type ProposalStatus } from '../../domain/proposal.ts';
import { KvConflictError } from '../../engine/errors.ts';
import { keys, type Stores, TypedBucket } from '../../kv-schema/mod.ts';
import { FlowClassified } from '../../streams/mod.ts';

/** A flow held back, as it came: re-published as is once there is room. */
export const HeldFlow = v.object({ flow: FlowClassified, heldAtMs: v.number() });
export type HeldFlow = v.InferOutput<typeof HeldFlow>;

/** The proposer's open set: `<sgt>-<dgt>` → the id of the proposal it opened for the pair. */
export const OpenSet = v.record(v.string(), v.string());
export type OpenSet = v.InferOutput<typeof OpenSet>;

export const pairOf = (sgt: number, dgt: number): string => `${sgt}-${dgt}`;

export function heldFlows(stores: Stores): TypedBucket<typeof HeldFlow> {
  return new TypedBucket(stores.openProposals.raw, HeldFlow);
}

export interface OpenQuotaOptions {
  quotas?: QuotaSettings;
  quotaMetrics?: QuotaMetrics;
}

export class OpenProposalQuota {
  readonly #stores: Stores;
  readonly #held: TypedBucket<typeof HeldFlow>;
  readonly #o: OpenQuotaOptions;
  /** Per tenant: the `closed` mark's revision when the tenant was last found full. */
  readonly #fullAt = new Map<string, number>();

  constructor(stores: Stores, o: OpenQuotaOptions) {
    this.#stores = stores;
    this.#held = heldFlows(stores);
    this.#o = o;
  }

  /** The tenant's quota; 0 is no limit. */
  limitOf(tenant: string): number {
    return this.#o.quotas === undefined ? 0 : quotasOf(this.#o.quotas, tenant).openProposals;
  }

  /** The set to count with: the state's, or seeded from the index when the state has none. */
  async openSet(tenant: string, current: OpenSet | undefined): Promise<OpenSet> {
    if (current !== undefined) return current;
    const seeded: OpenSet = {};
    for (const key of await this.#stores.openProposals.keys(keys.openProposalsAll(tenant))) {
      const index = await this.#stores.openProposals.get(key);
      if (index === null) continue;
      const p = await this.#stores.proposals.get(keys.proposal(tenant, index.value.proposalId));
      if (p !== null && isOpen(p.value.status as ProposalStatus)) {
        seeded[pairOf(p.value.sgt, p.value.dgt)] = p.value.id;
      }
    }
    return seeded;
  }

  /**
   * Whether `flow` may open a new proposal; `open` is pruned in place when the
   * tenant is at its quota. When it may not, the flow is held (and stays held).
   */
  async mayOpen(tenant: string, open: OpenSet, flow: FlowClassified, nowMs: number): Promise<boolean> {
    const limit = this.limitOf(tenant);
    if (limit === 0 || Object.keys(open).length < limit) return true;
    const first = await this.#hold(tenant, flow, nowMs);
    // Read after the hold is written (see the module's comment on why that order).
    const mark = (await this.#stores.openProposals.raw.get(keys.proposalClosed(tenant)))?.revision ?? 0;
    if (this.#fullAt.get(tenant) !== mark) {
      await this.#prune(tenant, open);
      if (Object.keys(open).length < limit) {
        this.#fullAt.delete(tenant);
        await this.release(tenant, flow.flowId);
        return true;
      }
      this.#fullAt.set(tenant, mark);
    }
    if (first) this.#o.quotaMetrics?.throttled(tenant, QuotaName.OpenProposals, 1);
    return false;
  }

  /** Forget a held flow: it was proposed, merged, or needs no proposal any more. */
  async release(tenant: string, flowId: string): Promise<void> {
    await this.#held.raw.delete(keys.heldFlow(tenant, flowId));
  }

  /** True when the flow was not held before. */
  async #hold(tenant: string, flow: FlowClassified, nowMs: number): Promise<boolean> {
    const key = keys.heldFlow(tenant, flow.flowId);
    const record = { flow, heldAtMs: nowMs };
    try {
      await this.#held.create(key, record);
      return true;
    } catch (error) {
      if (!(error instanceof KvConflictError)) throw error;
      // Held before and released into a tenant still full: a new revision, so the next release
      // publishes it under a new message id.
      await this.#held.put(key, record);
      return false;
    }
  }

  async #prune(tenant: string, open: OpenSet): Promise<void> {
    const entries = Object.entries(open);
    const found = await Promise.all(
      entries.map(([, id]) => this.#stores.proposals.get(keys.proposal(tenant, id))),
    );
    entries.forEach(([pair], i) => {
      const p = found[i];
      if (p === null || p === undefined || !isOpen(p.value.status as ProposalStatus)) delete open[pair];
    });
  }
}
