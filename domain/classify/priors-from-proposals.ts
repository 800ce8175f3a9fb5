/**
 * Decided proposals → DecidedExample (priors.ts): each ACE of an approved or
 * rejected proposal, reduced to the classes of its two tags, its service and
 * the category it was proposed with. Pure, so the classifier actor and tests
 * feed it whatever proposals they hold.
 */
import { ANY } from '../flow.ts';
import type { Category, SgtDictionary } from '../types.ts';
import { profileOf, type SgtClasses } from './classes.ts';
import { serviceLabel } from './heuristics.ts';
import { serviceFor } from './knowledge.ts';
import type { DecidedExample } from './priors.ts';

/** What this needs of a stored proposal. */
export interface DecidedProposal {
  sgt: number;
  dgt: number;
  status: string;
  aces: readonly { protocol: string; dstPort?: number; decision: { category: Category } }[];
}

const APPROVED = new Set(['approved', 'applied']);
const REJECTED = new Set(['rejected']);

export function examplesFromProposals(
  proposals: readonly DecidedProposal[],
  names: SgtDictionary,
  classes?: SgtClasses,
): DecidedExample[] {
  const out: DecidedExample[] = [];
  for (const p of proposals) {
    const approved = APPROVED.has(p.status);
    if (!approved && !REJECTED.has(p.status)) continue;
    const src = profileOf(p.sgt, names.get(p.sgt), classes?.get(p.sgt)).cls;
    const dst = profileOf(p.dgt, names.get(p.dgt), classes?.get(p.dgt)).cls;
    for (const ace of p.aces) {
      const key = {
        sgt: p.sgt,
        dgt: p.dgt,
        protocol: ace.protocol,
        srcPort: ANY,
        dstPort: ace.dstPort ?? ANY,
      } as const;
      out.push({
        srcClass: src,
        dstClass: dst,
        service: serviceLabel(key, serviceFor(key)),
        category: ace.decision.category,
        approved,
      });
    }
  }
  return out;
}
