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
}

/** SGT id → name. Tag 0 is Unknown unless the dictionary says otherwise. */
export type SgtDictionary = ReadonlyMap<number, string>;
