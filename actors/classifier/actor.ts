/**
 * The classifier on the engine: a tenant's unknown flows are collected for up
 * to a window (or 50) and classified together, so a model is asked once per
 * batch (DESIGN §12: ≤ 1 call per 50 unknown flows, none for cached flows).
 * Each verdict goes out as `flows.classified`, with the flow's trigger.
 */
import * as v from 'valibot';
import { type ClassifierMode, classifyFlows } from '../../domain/classify/classifier.ts';
import type { LlmClassifier, ThreatVerdict } from '../../domain/classify/types.ts';
import type { Flow } from '../../domain/types.ts';
import type { ActorDefinition, Effect } from '../../engine/actor/types.ts';
import { keys, type Stores, sgtClasses, sgtNames } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  envelope,
  type FlowClassified,
  FlowUnknown,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { inventoryFlow } from '../inventory-flow.ts';
import { kvClassificationCache } from './kv-cache.ts';
import { type LlmCallLimits, limitedLlm } from './llm-limits.ts';
import { tenantPriors } from './priors.ts';

export interface ClassifierActorOptions {
  mode: ClassifierMode;
  llm?: LlmClassifier;
  cacheDays: number;
  /** How long unknown flows wait for company before a batch is classified (default 2 s). */
  batchWindowMs?: number;
  /**
   * The tenant's calls per hour and the account's calls per minute, shared by every replica:
   * a call over either goes to the heuristics, its rationale saying the LLM quota was reached.
   */
  llmLimits?: LlmCallLimits;
}

const Empty = v.object({});

async function flowOf(stores: Stores, tenant: string, u: FlowUnknown): Promise<Flow> {
  return inventoryFlow(u, (await stores.inventory.get(keys.inventory(tenant, u.flowId)))?.value ?? null);
}

export function classifierActor(
  ns: Namespace,
  stores: Stores,
  options: ClassifierActorOptions,
): ActorDefinition<Record<string, never>, FlowUnknown> {
  const subjects = subjectsFor(ns);
  return {
    kind: 'classifier',
    stream: streamName(StreamName.Work, ns),
    filterSubject: subjects.allTenants('flows.unknown'),
    maxBatch: 50,
    batchWindowMs: options.batchWindowMs ?? 2_000,
    initialState: () => ({}),
    parseState: (raw) => v.parse(Empty, raw) as Record<string, never>,
    decode: (message) => decodeMessage(message.data, FlowUnknown).data,
    // A flow to a malicious destination is denied by the guardrail, no model needed: it does not wait.
    urgent: (message) => {
      try {
        return decodeMessage(message.data, FlowUnknown).data.trigger === 'threat';
      } catch {
        return false; // bad input is refused when the batch decodes it
      }
    },
    async transitionBatch(state, unknowns, contexts) {
      const tenant = contexts[0]!.tenant;
      const nowMs = contexts[0]!.nowMs;
      const flows = await Promise.all(unknowns.map((u) => flowOf(stores, tenant, u)));
      const threat = new Map<string, ThreatVerdict[]>();
      for (const u of unknowns) if (u.verdicts) threat.set(u.flowId, u.verdicts);
      const names = await sgtNames(stores, tenant);
      const classes = await sgtClasses(stores, tenant);
      const llm =
        options.llm && options.llmLimits
          ? limitedLlm(options.llm, options.llmLimits, tenant, Date.now)
          : options.llm;
      const { classifications } = await classifyFlows(flows, {
        sgtNames: names,
        sgtClasses: classes,
        priors: await tenantPriors(stores, tenant, names, classes),
        threat,
        cache: kvClassificationCache(stores, tenant),
        cacheDays: options.cacheDays,
        mode: options.mode,
        nowMs,
        ...(llm ? { llm } : {}),
      });
      const effects: Effect[] = classifications.map((c, i) => {
        const u = unknowns[i]!;
        const data: FlowClassified = {
          ...u,
          category: c.category,
          rationale: c.rationale.slice(0, 2000),
          source: c.source,
          risk: c.risk,
          ...(c.needsReview === true ? { needsReview: true } : {}),
          ...(c.confidence === undefined ? {} : { confidence: c.confidence }),
        };
        // A report at a later matrix generation (a rollback uncovered the flow again) is a new verdict.
        const generation = u.generation === undefined ? '' : `:g${u.generation}`;
        const msgId = `classified:${tenant}:${u.flowId}:${u.triggerRef}${generation}`;
        return {
          type: 'publish',
          subject: subjects.flowsClassified(tenant),
          msgId,
          message: envelope({ id: msgId, tenant, at: new Date(nowMs).toISOString(), by: 'classifier', data }),
        };
      });
      return { state, effects };
    },
  };
}
