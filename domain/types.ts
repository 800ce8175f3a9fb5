/**
 * The domain's shared vocabulary: aggregated flows, classifications and the
 * SGT dictionary. Plain data, so every layer (analysis, actors, API, renderers)
 * can pass it around and serialise it as JSON.
 */
import type { FlowKey } from './flow.ts';

export type { FlowKey, PortBucket } from './flow.ts';

/** One flow key's traffic over the analysed window. */
export interface Flow extends FlowKey {
  /** `<sgt>-<dgt>-<proto>-<srcPort>-<dstPort>` */
  id: string;
  /** Sum of `logging_interval_hits`. */
  hits: number;
  /** SGACLHIT lines. */
  events: number;
  firstSeenMs: number;
  lastSeenMs: number;
  /** Distinct UTC days with traffic. */
  daysSeen: number;
  /** Up to 5 distinct source and destination addresses. Never sent to a model. */
  srcSamples: string[];
  dstSamples: string[];
  /** Hits the switch permitted / denied. */
  permitHits: number;
  denyHits: number;
  /** Up to 16 each. */
  switches: string[];
  interfaces: string[];
  /** SGACL names that matched (untrusted text from the switch config). Up to 8. */
  sgaclNames: string[];
}

export const Category = {
  BusinessRelevant: 'business_relevant',
  Default: 'default',
  BusinessIrrelevant: 'business_irrelevant',
  Harmful: 'harmful',
} as const;
export type Category = (typeof Category)[keyof typeof Category];

/** DESIGN §6: relevant and default traffic is permitted, the rest denied. */
export const categoryAction = (category: Category): 'permit' | 'deny' =>
  category === Category.BusinessRelevant || category === Category.Default ? 'permit' : 'deny';

export const ClassificationSource = {
  Guardrail: 'guardrail',
  Cache: 'cache',
  Llm: 'llm',
  Heuristic: 'heuristic',
  Manual: 'manual',
} as const;
export type ClassificationSource = (typeof ClassificationSource)[keyof typeof ClassificationSource];

export const Risk = { Low: 'low', Medium: 'medium', High: 'high', Critical: 'critical' } as const;
export type Risk = (typeof Risk)[keyof typeof Risk];

export interface Classification {
  flowId: string;
  category: Category;
  rationale: string;
  source: ClassificationSource;
  risk: Risk;
  /** The model that decided, for `llm` (and `cache` entries that came from one). */
  model?: string;
  atMs: number;
  /** 0–1: how sure the verdict is (absent on classifications stored before it was kept). */
  confidence?: number;
  /**
   * Too unsure to propose on its own: the category is the safe deny until a
   * person decides, and the approver is shown `needs_review`.
   */
  needsReview?: boolean;
  /** The rule or evidence the verdict rests on (a zone rule's id, `guardrail:…`, `tenant-prior`). */
  rule?: string;
}

/** What the approver is shown: the category, or `needs_review` when the verdict is too unsure to stand alone. */
export const Outcome = { ...Category, NeedsReview: 'needs_review' } as const;
export type Outcome = (typeof Outcome)[keyof typeof Outcome];
export const outcomeOf = (c: Pick<Classification, 'category' | 'needsReview'>): Outcome =>
  c.needsReview === true ? Outcome.NeedsReview : c.category;

/** SGT id → name. Tag 0 is Unknown unless the dictionary says otherwise. */
export type SgtDictionary = ReadonlyMap<number, string>;
