/**
 * The aggregator on the engine: one actor per (tenant, tag pair), fed by
 * `flows.observed.<sgt>.<dgt>`, so each state stays one cell's worth of flows.
 * It reads the live matrix through the stores (cached for a second: a matrix
 * change reaches it within that, and the scheduler re-scans after changes).
 * A flow its partition has never held must first fit the tenant's flows
 * quota (flow-quota.ts); one that does not is dead-lettered.
 */
import * as v from 'valibot';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import type { ActorDefinition } from '../../engine/actor/types.ts';
import { Bucket, bucketName, currentMatrix, generationOf, keys, type Stores } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  FlowObserved,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import type { PipelineMetrics } from '../pipeline-metrics.ts';
import { FlowQuota, type FlowQuotaOptions } from './flow-quota.ts';
import { AggregatorState, aggregate, flowIdOf, initialAggregatorState, type LiveMatrix } from './logic.ts';

const MATRIX_TTL_MS = 1_000;

export function aggregatorActor(
  ns: Namespace,
  stores: Stores,
  metrics?: PipelineMetrics,
  quota?: FlowQuotaOptions,
): ActorDefinition<AggregatorState, FlowObserved> {
  const subjects = subjectsFor(ns);
  const flowQuota = quota === undefined ? null : new FlowQuota(stores, quota);
  const cache = new Map<string, { at: number; live: LiveMatrix }>();
  async function live(tenant: string, now: number): Promise<LiveMatrix> {
    const hit = cache.get(tenant);
    if (hit !== undefined && now - hit.at < MATRIX_TTL_MS) return hit.live;
    const { pointer, version } = await currentMatrix(stores, tenant);
    const generation = generationOf(pointer?.value);
    const fresh =
      version === null
        ? { version: 0, generation, matrix: INITIAL_MATRIX }
        : { version: version.version, generation, matrix: version.matrix };
    cache.set(tenant, { at: now, live: fresh as LiveMatrix });
    return fresh as LiveMatrix;
  }
  return {
    kind: 'aggregator',
    stream: streamName(StreamName.Flows, ns),
    filterSubject: subjects.flowsObservedAll(),
    partitionOf: (subject) => subject.split('.').slice(4, 6).join('-'),
    initialState: initialAggregatorState,
    parseState: (raw) => v.parse(AggregatorState, raw),
    decode: (message) => decodeMessage(message.data, FlowObserved).data,
    async transition(state, delta, context) {
      const isNew = state.flows[flowIdOf(delta)] === undefined;
      if (isNew && flowQuota !== null) await flowQuota.admitNew(context.tenant, flowIdOf(delta));
      const next = aggregate(state, delta, await live(context.tenant, context.nowMs), {
        tenant: context.tenant,
        nowMs: context.nowMs,
        subjects,
        inventoryBucket: bucketName(Bucket.Inventory, ns),
        inventoryKey: keys.inventory,
      });
      metrics?.folded(context.tenant, delta.receivedAtMs, isNew);
      return next;
    },
  };
}
