/**
 * Contracts: the proposed SGACL of each (source SGT, destination SGT) cell,
 * built from classified flows (DESIGN §6). Each ACE keeps the evidence that
 * justifies it (flows, hits, the deciding classification) so a human can
 * approve it, and the order is deterministic so the same evidence always
 * renders the same configuration.
 */
import { type Ace, AceAction, aceForFlow, aceMatchKey, compareAces } from './ace.ts';
import { contractNameKey, contractNames, sgtDisplayName } from './contract-names.ts';
import type { SgtDictionary } from './types.ts';
import {
  Category as Categories,
  type Category,
  type Classification,
  categoryAction,
  type Flow,
} from './types.ts';

export interface AceDecision {
  /** The flow whose classification decided the ACE's action. */
  flowId: string;
  category: Category;
  source: Classification['source'];
  risk: Classification['risk'];
  rationale: string;
  /** The classifier was too unsure to decide alone: the approver is shown `needs_review`. */
  needsReview?: boolean;
  confidence?: number;
}

export interface ContractAce extends Ace {
  hits: number;
  events: number;
  /** Flows merged into this ACE, busiest first. */
  flowIds: string[];
  /** Both permit and deny were proposed for this match; deny won (DESIGN §6). */
  conflict: boolean;
  decision: AceDecision;
}

export type ClassificationSummary = Record<Category | 'unclassified', { flows: number; hits: number }>;

export interface Contract {
  /** `<SRC>_to_<DST>`, unique within one build. */
  name: string;
  sgt: number;
  dgt: number;
  /** Display names (untrusted text: escape before rendering). */
  sourceName: string;
  destinationName: string;
  aces: ContractAce[];
  hits: number;
  events: number;
  /** Per category, the cell's flows and hits; unclassified flows get no ACE. */
  classification: ClassificationSummary;
}

export interface BuildOptions {
  /** Add `log` to deny ACEs, so what they drop still shows up as SGACLHIT evidence. Default true. */
  logDenies?: boolean;
}

// Lower wins when one flow has several classifications: a deny beats a permit.
const CATEGORY_SEVERITY: Record<Category, number> = {
  harmful: 0,
  business_irrelevant: 1,
  business_relevant: 2,
  default: 3,
};

interface Picked {
  classification: Classification;
  conflict: boolean;
}

/**
 * One classification per flow. A list may hold several for one flow (a
 * guardrail verdict and a model's, say): the most severe wins, and a
 * disagreement on the action is remembered as a conflict.
 */
export function indexClassifications(
  classifications: ReadonlyMap<string, Classification> | readonly Classification[],
): Map<string, Picked> {
  const out = new Map<string, Picked>();
  const list = Array.isArray(classifications)
    ? (classifications as readonly Classification[])
    : [...(classifications as ReadonlyMap<string, Classification>).values()];
  for (const c of list) {
    const seen = out.get(c.flowId);
    if (seen === undefined) {
      out.set(c.flowId, { classification: c, conflict: false });
      continue;
    }
    const conflict =
      seen.conflict || categoryAction(seen.classification.category) !== categoryAction(c.category);
    const worse = CATEGORY_SEVERITY[c.category] < CATEGORY_SEVERITY[seen.classification.category];
    out.set(c.flowId, { classification: worse ? c : seen.classification, conflict });
  }
  return out;
}

const emptySummary = (): ClassificationSummary => ({
  [Categories.BusinessRelevant]: { flows: 0, hits: 0 },
  [Categories.Default]: { flows: 0, hits: 0 },
  [Categories.BusinessIrrelevant]: { flows: 0, hits: 0 },
  [Categories.Harmful]: { flows: 0, hits: 0 },
  unclassified: { flows: 0, hits: 0 },
});

interface Contribution {
  flow: Flow;
  picked: Picked;
  action: AceAction;
}

const byHits = (a: Contribution, b: Contribution): number =>
  b.flow.hits - a.flow.hits || (a.flow.id < b.flow.id ? -1 : a.flow.id > b.flow.id ? 1 : 0);

function mergeAce(parts: Contribution[], logDenies: boolean): ContractAce {
  parts.sort(byHits);
  const first = parts[0] as Contribution;
  const action = parts.some((p) => p.action === AceAction.Deny) ? AceAction.Deny : AceAction.Permit;
  // The decision is the strongest reason for the winning action, then the busiest flow.
  const deciders = parts
    .filter((p) => p.action === action)
    .sort(
      (a, b) =>
        CATEGORY_SEVERITY[a.picked.classification.category] -
          CATEGORY_SEVERITY[b.picked.classification.category] || byHits(a, b),
    );
  const d = (deciders[0] as Contribution).picked.classification;
  const ace: ContractAce = {
    ...aceForFlow(first.flow, action),
    hits: 0,
    events: 0,
    flowIds: parts.map((p) => p.flow.id),
    conflict: parts.some((p) => p.picked.conflict || p.action !== action),
    decision: {
      flowId: d.flowId,
      category: d.category,
      source: d.source,
      risk: d.risk,
      rationale: d.rationale,
      ...(d.needsReview === true ? { needsReview: true } : {}),
      ...(d.confidence === undefined ? {} : { confidence: d.confidence }),
    },
  };
  if (action === AceAction.Deny && logDenies) ace.log = true;
  for (const p of parts) {
    ace.hits += p.flow.hits;
    ace.events += p.flow.events;
  }
  return ace;
}

/**
 * One contract per cell with at least one classified flow, sorted by (sgt,
 * dgt). The same ACE proposed as permit and deny becomes a deny; identical
 * ACEs are merged with their evidence; ACEs are ordered by `compareAces`.
 * Flows without a classification get no ACE (they stay with the matrix
 * default) and are counted as `unclassified`.
 */
export function buildContracts(
  flows: readonly Flow[],
  classifications: ReadonlyMap<string, Classification> | readonly Classification[],
  sgtNames: SgtDictionary,
  options: BuildOptions = {},
): Contract[] {
  const logDenies = options.logDenies ?? true;
  const picked = indexClassifications(classifications);
  const cells = new Map<string, { sgt: number; dgt: number; flows: Flow[] }>();
  for (const flow of flows) {
    const key = contractNameKey(flow.sgt, flow.dgt);
    let cell = cells.get(key);
    if (cell === undefined) {
      cell = { sgt: flow.sgt, dgt: flow.dgt, flows: [] };
      cells.set(key, cell);
    }
    cell.flows.push(flow);
  }
  const built: Omit<Contract, 'name'>[] = [];
  for (const cell of cells.values()) {
    const summary = emptySummary();
    const byMatch = new Map<string, Contribution[]>();
    let hits = 0;
    let events = 0;
    for (const flow of cell.flows) {
      hits += flow.hits;
      events += flow.events;
      const p = picked.get(flow.id);
      const bucket = summary[p === undefined ? 'unclassified' : p.classification.category];
      bucket.flows++;
      bucket.hits += flow.hits;
      if (p === undefined) continue;
      const action = categoryAction(p.classification.category);
      const key = aceMatchKey(aceForFlow(flow, action));
      const list = byMatch.get(key);
      const part = { flow, picked: p, action };
      if (list === undefined) byMatch.set(key, [part]);
      else list.push(part);
    }
    if (byMatch.size === 0) continue;
    const aces = [...byMatch.values()].map((parts) => mergeAce(parts, logDenies)).sort(compareAces);
    built.push({
      sgt: cell.sgt,
      dgt: cell.dgt,
      sourceName: sgtDisplayName(cell.sgt, sgtNames),
      destinationName: sgtDisplayName(cell.dgt, sgtNames),
      aces,
      hits,
      events,
      classification: summary,
    });
  }
  const names = contractNames(built, sgtNames);
  return built
    .sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt)
    .map((c) => ({ name: names.get(contractNameKey(c.sgt, c.dgt)) as string, ...c }));
}
