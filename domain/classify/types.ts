/**
 * The classification boundary's ports and small shapes (DESIGN §7, §13.2):
 * the cache and the model are injected, so the pipeline in classifier.ts stays
 * pure and testable, and adapters (KV cache, Claude client) live elsewhere.
 */
import type { Category, Classification, Flow, Risk, SgtDictionary } from '../types.ts';
import type { SgtClasses } from './classes.ts';
import type { Priors } from './priors.ts';

/** One threat-intel provider's opinion about a flow's destination. */
export interface ThreatVerdict {
  provider: string;
  malicious: boolean;
  /** Provider-specific confidence, e.g. AbuseIPDB 0–100. */
  score?: number;
  /** Free text from the provider: untrusted, shortened before use. */
  reason?: string;
}

/** Stored classifications, honoured for a number of days (DESIGN §10: 7). */
export interface ClassificationCache {
  get(flowId: string): Promise<Classification | null>;
  set(c: Classification): Promise<void>;
}

/** DESIGN §12: at most one model call per 50 unknown flows. */
export const MAX_BATCH = 50;

/** What one model call is asked about: at most MAX_BATCH flows. */
export interface LlmBatch {
  flows: readonly Flow[];
  sgtNames: SgtDictionary;
  sgtClasses?: SgtClasses;
  priors?: Priors;
}

/** A model answer for one flow that passed validation. */
export interface LlmVerdict {
  flowId: string;
  category: Category;
  risk: Risk;
  rationale: string;
}

/** A model answer for one flow that was refused (e.g. an unknown category). */
export interface LlmRejected {
  flowId: string;
  reason: string;
}

export interface LlmBatchResult {
  /** The model that answered. */
  model: string;
  verdicts: LlmVerdict[];
  rejected: LlmRejected[];
}

/**
 * A model-backed classifier. It throws when the call fails, times out or its
 * output is malformed; the pipeline then falls back to heuristics.
 */
export interface LlmClassifier {
  classify(batch: LlmBatch): Promise<LlmBatchResult>;
}
