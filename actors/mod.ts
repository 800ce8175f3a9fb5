/**
 * Public surface of actors/: the definitions the engine role runs, and the
 * matrix keeper service. Everything is injected, so tests and `serve` wire the
 * same actors to different engines and settings.
 */
import type { AnyActorDefinition } from '../engine/actor/types.ts';
import type { Stores } from '../kv-schema/mod.ts';
import type { Namespace } from '../streams/mod.ts';
import { aggregatorActor } from './aggregator/actor.ts';
import type { FlowQuotaOptions } from './aggregator/flow-quota.ts';
import { type ClassifierActorOptions, classifierActor } from './classifier/actor.ts';
import { historyActor } from './history/actor.ts';
import type { PipelineMetrics } from './pipeline-metrics.ts';
import { type ProposerOptions, proposerActor } from './proposer/actor.ts';
import { proposalReleaseActor } from './proposer/release.ts';

export { type KeeperService, serveMatrixKeeper } from './matrix-keeper/actor.ts';
export { type NotifierOptions, notifierActor } from './notifier/actor.ts';
export { type DriftNotifierOptions, iseDriftNotifierActor } from './notifier/drift-actor.ts';
export type { PipelineMetrics } from './pipeline-metrics.ts';
export { type ThreatWatchOptions, threatWatchActor } from './threat-watch/actor.ts';

export interface FlowActorOptions {
  classifier: ClassifierActorOptions;
  proposer?: ProposerOptions;
  /** Per-tenant counters and the line-to-inventory and line-to-proposal latencies. */
  metrics?: PipelineMetrics;
  /** The tenants' flows quota, held by the aggregator; absent: no limit. */
  flowQuota?: FlowQuotaOptions;
}

/** The flow pipeline: aggregator → classifier → proposer, and the history rollups beside it. */
export function flowActors(ns: Namespace, stores: Stores, options: FlowActorOptions): AnyActorDefinition[] {
  return [
    aggregatorActor(ns, stores, options.metrics, options.flowQuota),
    classifierActor(ns, stores, options.classifier),
    proposerActor(ns, stores, {
      ...options.proposer,
      ...(options.metrics ? { metrics: options.metrics } : {}),
    }),
    // Flows held back by the open-proposals quota get their turn as proposals close.
    proposalReleaseActor(ns, stores),
    historyActor(ns, stores),
  ];
}
