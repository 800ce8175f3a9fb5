/**
 * Decisions teach: a tenant's approvals and rejections, reduced to
 * (source class, destination class, service) and the action a person chose,
 * become priors for the heuristics and examples for the model's prompt. An
 * approved proposal confirms its action; a rejected one asks for the opposite.
 * Only classes, services and counts are kept — no names, no addresses — so a
 * prior carries nothing from logs into a prompt. A prior never lowers a zone
 * floor or a guardrail.
 */
import { Category, categoryAction } from '../types.ts';
import type { TagClass } from './classes.ts';
import type { Decision } from './rules.ts';

/** One decided ACE, reduced to what generalises. */
export interface DecidedExample {
  srcClass: TagClass;
  dstClass: TagClass;
  /** The service name (knowledge.ts) or `tcp/47000`. */
  service: string;
  /** The category the proposal carried. */
  category: Category;
  approved: boolean;
}

export interface Prior {
  srcClass: TagClass;
  dstClass: TagClass;
  service: string;
  permits: number;
  denies: number;
}

export type Priors = ReadonlyMap<string, Prior>;

export const priorKey = (srcClass: string, dstClass: string, service: string): string =>
  `${srcClass}>${dstClass}>${service}`;

/** Priors per class pair and service from decided examples. */
export function buildPriors(examples: readonly DecidedExample[]): Map<string, Prior> {
  const out = new Map<string, Prior>();
  for (const e of examples) {
    const key = priorKey(e.srcClass, e.dstClass, e.service);
    const p = out.get(key) ?? {
      srcClass: e.srcClass,
      dstClass: e.dstClass,
      service: e.service,
      permits: 0,
      denies: 0,
    };
    const permit = categoryAction(e.category) === 'permit' ? e.approved : !e.approved;
    if (permit) p.permits += 1;
    else p.denies += 1;
    out.set(key, p);
  }
  return out;
}

/** A prior strong enough to act on: two or more decisions, at least four in five one way. */
export function priorAction(p: Prior | undefined): 'permit' | 'deny' | null {
  if (p === undefined) return null;
  const n = p.permits + p.denies;
  if (n < 2) return null;
  if (p.permits >= 0.8 * n) return 'permit';
  if (p.denies >= 0.8 * n) return 'deny';
  return null;
}

/**
 * The decision once the tenant's own history is heard: when people have
 * consistently chosen the other action for this class pair and service, or
 * the rule was unsure, their choice wins — except over a floor.
 */
export function applyPrior(d: Decision, prior: Prior | undefined): Decision {
  const action = priorAction(prior);
  if (action === null || prior === undefined || d.floor === true) return d;
  const current = categoryAction(d.category);
  const history = `this tenant's decisions on ${prior.srcClass} → ${prior.dstClass} ${prior.service}: ${prior.permits} permitted, ${prior.denies} denied`;
  if (action === current) {
    return { ...d, confidence: Math.max(d.confidence, 0.85), rationale: `${d.rationale}; ${history}` };
  }
  return {
    category: action === 'permit' ? Category.BusinessRelevant : Category.BusinessIrrelevant,
    risk: d.risk,
    confidence: 0.8,
    rule: 'tenant-prior',
    rationale: `${history}; the rule ${d.rule} said ${d.category}: ${d.rationale}`,
  };
}
