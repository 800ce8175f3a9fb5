/**
 * The classification pipeline (DESIGN §7): guardrails → cache → Claude →
 * heuristics. The guardrail is a floor: a flow it marks harmful never reaches
 * the cache or the model. Unknown flows go to the model in batches of at most
 * 50 (one call each); a failed call, or a bad answer for one flow, falls back
 * to heuristics and the rationale says so. Only model answers are cached, so a
 * fallback during an outage is not pinned for the whole cache window.
 */
import type { Classification, Flow, SgtDictionary } from '../types.ts';
import { Category, ClassificationSource, categoryAction, Risk } from '../types.ts';
import type { SgtClasses } from './classes.ts';
import { guardrail } from './guardrails.ts';
import { classifyHeuristic, networkShape } from './heuristics.ts';
import { infrastructureService } from './knowledge.ts';
import type { Priors } from './priors.ts';
import {
  type ClassificationCache,
  type LlmBatchResult,
  type LlmClassifier,
  type LlmVerdict,
  MAX_BATCH,
  type ThreatVerdict,
} from './types.ts';
import { cleanUntrusted, NAME_MAX } from './untrusted.ts';
import type { NetworkShape } from './zones.ts';

export const ClassifierMode = { Auto: 'auto', Heuristic: 'heuristic', Claude: 'claude' } as const;
export type ClassifierMode = (typeof ClassifierMode)[keyof typeof ClassifierMode];

export const ClassifierErrorCode = { LlmNotConfigured: 'CLASSIFIER_LLM_NOT_CONFIGURED' } as const;
export type ClassifierErrorCode = (typeof ClassifierErrorCode)[keyof typeof ClassifierErrorCode];

export class ClassifierError extends Error {
  readonly code: ClassifierErrorCode;
  constructor(code: ClassifierErrorCode, message: string) {
    super(message);
    this.name = 'ClassifierError';
    this.code = code;
  }
}

export const DEFAULT_CACHE_DAYS = 7;
const DAY_MS = 86_400_000;
const RATIONALE_MAX = 500;
/** A validated model answer, above the guardrail floor: trusted as much as a specific rule, never as a floor. */
const MODEL_CONFIDENCE = 0.8;

export interface ClassifyOptions {
  sgtNames: SgtDictionary;
  /** Explicit tag classes (dictionary column, API, ISE description); other tags' classes are inferred from names. */
  sgtClasses?: SgtClasses;
  /** The tenant's decisions as per-class-pair priors (priors.ts). */
  priors?: Priors;
  /** Threat verdicts about each flow's destinations, by flow id. */
  threat?: ReadonlyMap<string, readonly ThreatVerdict[]>;
  cache?: ClassificationCache;
  /** How long a cached classification is honoured (DESIGN §10: 7). */
  cacheDays?: number;
  llm?: LlmClassifier;
  nowMs: number;
  /** `heuristic`: no cache, no model. `claude`: a model is required. `auto`: the model when configured. */
  mode: ClassifierMode;
  /** Flows per model call, at most 50. */
  batchSize?: number;
  /** Model calls in flight at once (default 2). */
  concurrency?: number;
}

export interface ClassifyStats {
  bySource: Record<ClassificationSource, number>;
  modelCalls: number;
  modelFailures: number;
  /** Flows that were meant for the model but were decided by heuristics. */
  fallbacks: number;
  cacheErrors: number;
}

export interface ClassifyResult {
  /** One per input flow, in input order. */
  classifications: Classification[];
  stats: ClassifyStats;
}

const CATEGORIES = new Set<string>(Object.values(Category));
const RISKS = new Set<string>(Object.values(Risk));

const errorText = (e: unknown): string => cleanUntrusted(e instanceof Error ? e.message : String(e), 160);

/** One run's state: the input, the answers so far (by input index) and the counters. */
class Run {
  readonly out: (Classification | undefined)[];
  readonly stats: ClassifyStats = {
    bySource: { guardrail: 0, cache: 0, llm: 0, heuristic: 0, manual: 0 },
    modelCalls: 0,
    modelFailures: 0,
    fallbacks: 0,
    cacheErrors: 0,
  };
  readonly flows: readonly Flow[];
  readonly opts: ClassifyOptions;

  readonly network: NetworkShape;

  constructor(flows: readonly Flow[], opts: ClassifyOptions) {
    this.flows = flows;
    this.opts = opts;
    this.network = networkShape(opts.sgtNames, opts.sgtClasses);
    this.out = new Array(flows.length);
  }

  flow(i: number): Flow {
    return this.flows[i] as Flow;
  }

  heuristic(i: number): Classification {
    const f = this.flow(i);
    const names = this.opts.sgtNames;
    return classifyHeuristic(
      {
        key: f,
        srcName: names.get(f.sgt),
        dstName: names.get(f.dgt),
        ...(this.opts.sgtClasses ? { classes: this.opts.sgtClasses } : {}),
        ...(this.opts.priors ? { priors: this.opts.priors } : {}),
        network: this.network,
      },
      this.opts.nowMs,
    );
  }

  fallback(i: number, why: string): Classification {
    this.stats.fallbacks += 1;
    const h = this.heuristic(i);
    return { ...h, rationale: `${why}; heuristic: ${h.rationale}` };
  }

  /** Applies the guardrail floor; returns the indexes still open. */
  floors(): number[] {
    const open: number[] = [];
    const names = this.opts.sgtNames;
    this.flows.forEach((f, i) => {
      const threat = this.opts.threat?.get(f.id);
      const floor = guardrail(
        {
          key: f,
          srcName: names.get(f.sgt),
          dstName: names.get(f.dgt),
          threat,
          ...(this.opts.sgtClasses ? { classes: this.opts.sgtClasses } : {}),
        },
        this.opts.nowMs,
      );
      if (floor === null) open.push(i);
      else this.out[i] = floor;
    });
    return open;
  }

  /** Fills fresh cache entries; returns the indexes still open. A failing cache is a miss. */
  async fromCache(open: number[], cache: ClassificationCache): Promise<number[]> {
    const maxAge = (this.opts.cacheDays ?? DEFAULT_CACHE_DAYS) * DAY_MS;
    const hits = await Promise.all(
      open.map(async (i) => {
        const id = this.flow(i).id;
        const c = await cache.get(id).catch(() => {
          this.stats.cacheErrors += 1;
          return null;
        });
        const fresh =
          c !== null && c.flowId === id && this.opts.nowMs - c.atMs <= maxAge && CATEGORIES.has(c.category);
        return fresh ? c : null;
      }),
    );
    return open.filter((i, n) => {
      const c = hits[n];
      if (c === null || c === undefined) return true;
      this.out[i] = { ...c, source: ClassificationSource.Cache };
      return false;
    });
  }

  async viaModel(open: number[], llm: LlmClassifier): Promise<void> {
    const size = Math.max(1, Math.min(this.opts.batchSize ?? MAX_BATCH, MAX_BATCH));
    const batches: number[][] = [];
    for (let at = 0; at < open.length; at += size) batches.push(open.slice(at, at + size));
    let next = 0;
    const worker = async (): Promise<void> => {
      for (let b = batches[next++]; b !== undefined; b = batches[next++]) await this.modelBatch(b, llm);
    };
    const workers = Math.max(1, Math.min(this.opts.concurrency ?? 2, batches.length));
    await Promise.all(Array.from({ length: workers }, worker));
  }

  async modelBatch(batch: number[], llm: LlmClassifier): Promise<void> {
    this.stats.modelCalls += 1;
    let answer: LlmBatchResult;
    try {
      answer = await llm.classify({
        flows: batch.map((i) => this.flow(i)),
        sgtNames: this.opts.sgtNames,
        ...(this.opts.sgtClasses ? { sgtClasses: this.opts.sgtClasses } : {}),
        ...(this.opts.priors ? { priors: this.opts.priors } : {}),
      });
    } catch (e) {
      this.stats.modelFailures += 1;
      for (const i of batch) this.out[i] = this.fallback(i, `model unavailable: ${errorText(e)}`);
      return;
    }
    const asked = new Set(batch.map((i) => this.flow(i).id));
    const verdicts = new Map<string, LlmVerdict>();
    for (const v of answer.verdicts) {
      // Ids the model was not asked about are ignored; the first answer for an id wins.
      if (asked.has(v.flowId) && !verdicts.has(v.flowId) && CATEGORIES.has(v.category) && RISKS.has(v.risk)) {
        verdicts.set(v.flowId, v);
      }
    }
    const rejected = new Map(answer.rejected.map((r) => [r.flowId, r.reason]));
    for (const i of batch) {
      const id = this.flow(i).id;
      const v = verdicts.get(id);
      if (v === undefined) {
        const reason = rejected.get(id);
        const why =
          reason === undefined
            ? 'model gave no answer for this flow'
            : `model answer rejected: ${cleanUntrusted(reason, 160)}`;
        this.out[i] = this.fallback(i, why);
        continue;
      }
      const c: Classification = {
        flowId: id,
        category: v.category,
        risk: v.risk,
        rationale: cleanUntrusted(v.rationale, RATIONALE_MAX),
        source: ClassificationSource.Llm,
        model: cleanUntrusted(answer.model, NAME_MAX),
        atMs: this.opts.nowMs,
        confidence: MODEL_CONFIDENCE,
        rule: 'model',
      };
      this.out[i] = c;
      await this.opts.cache?.set(c).catch(() => {
        this.stats.cacheErrors += 1;
      });
    }
  }

  result(): ClassifyResult {
    // Array.from, not map: map skips the holes of a sparse array.
    const classifications = Array.from(this.out, (c, i) =>
      keepInfrastructure(this.flow(i), c ?? this.heuristic(i)),
    );
    for (const c of classifications) this.stats.bySource[c.source] += 1;
    return { classifications, stats: this.stats };
  }
}

/**
 * The ceiling beside the floor: a flow carrying infrastructure (knowledge.ts
 * `infrastructureService`, the function readiness flags critical blockers
 * with) is never denied on a model's or a cached answer's word; only the
 * guardrail, on threat evidence, may deny it. The answer is kept in the
 * rationale for the reviewer.
 */
function keepInfrastructure(flow: Flow, c: Classification): Classification {
  if (c.source === ClassificationSource.Guardrail || categoryAction(c.category) === 'permit') return c;
  const infra = infrastructureService(flow);
  if (infra === null) return c;
  const rationale = `kept permitted: ${infra.name} is infrastructure the network needs; ${c.source} said ${c.category}: ${c.rationale}`;
  return {
    ...c,
    category: Category.Default,
    risk: c.risk === Risk.Critical ? Risk.Critical : Risk.High,
    rationale: rationale.slice(0, RATIONALE_MAX),
  };
}

/** Classifies every flow; never throws for model or cache trouble (those fall back). */
export async function classifyFlows(flows: readonly Flow[], opts: ClassifyOptions): Promise<ClassifyResult> {
  if (opts.mode === ClassifierMode.Claude && opts.llm === undefined) {
    throw new ClassifierError(
      ClassifierErrorCode.LlmNotConfigured,
      'classifier mode "claude" needs an Anthropic API key',
    );
  }
  const run = new Run(flows, opts);
  let open = run.floors();
  if (opts.mode !== ClassifierMode.Heuristic) {
    if (opts.cache !== undefined) open = await run.fromCache(open, opts.cache);
    if (opts.llm !== undefined) await run.viaModel(open, opts.llm);
  }
  return run.result();
}
