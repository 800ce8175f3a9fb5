/**
 * How many proposals a tenant has open, for the history's gauge. The
 * `open.<t>.<pair>` index outlives its proposals (a decided or expired
 * proposal leaves its entry for the next one of the pair to replace), so the
 * index names candidates and each one's status decides. A proposal never
 * reopens: one seen closed is not read again, and one seen open is trusted
 * for a few seconds, so a busy tenant's rollups cost no read per proposal.
 */
import { isOpen } from '../../domain/proposal.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';

const OPEN_TRUSTED_MS = 10_000;

export class OpenProposalCount {
  readonly #stores: Stores;
  /** proposal key → when it was last seen open, or null once seen closed (or gone). */
  readonly #seen = new Map<string, number | null>();

  constructor(stores: Stores) {
    this.#stores = stores;
  }

  async count(tenant: string, nowMs: number): Promise<number> {
    const index = await this.#stores.openProposals.keys(keys.openProposalsAll(tenant));
    const entries = await Promise.all(index.map((k) => this.#stores.openProposals.get(k)));
    const candidates = new Set<string>();
    for (const e of entries) if (e !== null) candidates.add(keys.proposal(tenant, e.value.proposalId));
    const stale = [...candidates].filter((k) => {
      const seen = this.#seen.get(k);
      return seen === undefined || (seen !== null && nowMs - seen >= OPEN_TRUSTED_MS);
    });
    const records = await Promise.all(stale.map((k) => this.#stores.proposals.get(k)));
    stale.forEach((k, i) => {
      const r = records[i];
      this.#seen.set(k, r !== null && r !== undefined && isOpen(r.value.status) ? nowMs : null);
    });
    // Forget proposals the index no longer names (of this tenant): the map stays the index's size.
    const prefix = keys.proposal(tenant, 'x').slice(0, -1);
    for (const k of this.#seen.keys()) if (k.startsWith(prefix) && !candidates.has(k)) this.#seen.delete(k);
    let open = 0;
    for (const k of candidates) if (this.#seen.get(k) !== null) open++;
    return open;
  }
}
