/**
 * A tenant's decisions as priors for its classifier (domain/classify/priors.ts):
 * the proposals people approved or rejected, read from the proposals bucket.
 * Only the newest MAX_DECIDED are kept, so a long history costs a bounded
 * read per batch; a proposal that fails to read is skipped, never fatal.
 */
import type { TagClass } from '../../domain/classify/classes.ts';
import { buildPriors, type Priors } from '../../domain/classify/priors.ts';
import { type DecidedProposal, examplesFromProposals } from '../../domain/classify/priors-from-proposals.ts';
import type { SgtDictionary } from '../../domain/types.ts';
import { keys, type Stores } from '../../kv-schema/mod.ts';

const MAX_DECIDED = 500;
const DECIDED = new Set(['approved', 'applied', 'rejected']);

export async function tenantPriors(
  stores: Stores,
  tenant: string,
  names: SgtDictionary,
  classes: ReadonlyMap<number, TagClass>,
): Promise<Priors> {
  const decided: (DecidedProposal & { at: number })[] = [];
  for (const key of await stores.proposals.keys(keys.tenantAll(tenant))) {
    const found = await stores.proposals.get(key).catch(() => null);
    const p = found?.value;
    if (p === undefined || !DECIDED.has(p.status)) continue;
    decided.push({ ...p, at: p.createdAtMs });
  }
  decided.sort((a, b) => b.at - a.at);
  return buildPriors(examplesFromProposals(decided.slice(0, MAX_DECIDED), names, classes));
}
