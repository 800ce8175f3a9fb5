/**
 * Classification for API runs (one-shot and staged) and for the live
 * inventory's read-only view: the domain pipeline wired to the tenant's
 * classification cache and, when a key is configured and the run asks for
 * `auto`, to Claude.
 */
import { kvClassificationCache } from '../../actors/classifier/kv-cache.ts';
import { tenantPriors } from '../../actors/classifier/priors.ts';
import { classifyFlows } from '../../domain/classify/classifier.ts';
import type { ClassificationCache } from '../../domain/classify/types.ts';
import type { Classification, Flow, SgtDictionary } from '../../domain/types.ts';
import { AnthropicClassifier } from '../../integrations/anthropic/client.ts';
import { sgtClasses } from '../../kv-schema/mod.ts';
import type { RunRecord } from '../../kv-schema/run-record.ts';
import type { ApiDeps } from './deps.ts';

/** One per flow, in order: guardrails, then (for `auto`) the cache and the model, then heuristics. */
export async function classifyRunFlows(
  deps: ApiDeps,
  tenant: string,
  flows: readonly Flow[],
  names: SgtDictionary,
  mode: RunRecord['params']['classifier'],
  nowMs: number,
): Promise<Classification[]> {
  const apiKey = deps.config.anthropic.apiKey;
  const auto = mode === 'auto';
  const classes = await sgtClasses(deps.stores, tenant);
  const classified = await classifyFlows(flows, {
    sgtNames: names,
    sgtClasses: classes,
    priors: await tenantPriors(deps.stores, tenant, names, classes),
    mode,
    nowMs,
    cacheDays: deps.config.sched.classificationCacheDays,
    ...(auto ? { cache: kvClassificationCache(deps.stores, tenant) } : {}),
    ...(auto && apiKey !== undefined
      ? {
          llm: new AnthropicClassifier({
            apiKey,
            model: deps.config.anthropic.model,
            baseURL: deps.config.anthropic.baseUrl,
          }),
        }
      : {}),
  });
  return classified.classifications;
}

/**
 * How the live inventory is classified as of now, without side effects:
 * guardrails, then the classifier's cached answers, then heuristics. No model
 * call and no cache write, so a read costs nothing and changes nothing.
 */
export async function classifyReadOnly(
  deps: ApiDeps,
  tenant: string,
  flows: readonly Flow[],
  names: SgtDictionary,
  nowMs: number,
): Promise<Classification[]> {
  const cache = kvClassificationCache(deps.stores, tenant);
  const readOnly: ClassificationCache = { get: (id) => cache.get(id), set: async () => undefined };
  const classified = await classifyFlows(flows, {
    sgtNames: names,
    sgtClasses: await sgtClasses(deps.stores, tenant),
    mode: 'auto',
    nowMs,
    cacheDays: deps.config.sched.classificationCacheDays,
    cache: readOnly,
  });
  return classified.classifications;
}
