/**
 * The history actor on the engine: one per tenant, fed by every
 * `flows.observed` delta, so the rollups come from the same stream on both
 * engines and resume from its snapshot after a restart. Per batch it reads
 * the gauges (live matrix, the scheduler's readiness, the proposals
 * open) and logic.ts writes the minute and hour windows.
 */
import * as v from 'valibot';
import type { Matrix } from '../../domain/matrix.ts';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import type { ActorDefinition } from '../../engine/actor/types.ts';
import { Bucket, bucketName, currentMatrix, keys, type Stores } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  FlowObserved,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';
import { type Gauges, HistoryState, initialHistoryState, rollup } from './logic.ts';
import { OpenProposalCount } from './open-count.ts';

async function gauges(
  stores: Stores,
  openCount: OpenProposalCount,
  tenant: string,
  nowMs: number,
): Promise<Gauges> {
  const [{ version }, snapshot, open] = await Promise.all([
    currentMatrix(stores, tenant),
    stores.readiness.get(keys.readiness(tenant)),
    openCount.count(tenant, nowMs),
  ]);
  const live = version?.version ?? 0;
  return {
    matrix: (version?.matrix ?? INITIAL_MATRIX) as Matrix,
    version: live,
    readiness: snapshot !== null && snapshot.value.version === live ? snapshot.value.ratio : null,
    openProposals: open,
  };
}

export function historyActor(ns: Namespace, stores: Stores): ActorDefinition<HistoryState, FlowObserved> {
  const subjects = subjectsFor(ns);
  const openCount = new OpenProposalCount(stores);
  return {
    kind: 'history',
    stream: streamName(StreamName.Flows, ns),
    filterSubject: subjects.flowsObservedAll(),
    // Rollups are per minute: a second of deltas per batch reads the gauges and saves the
    // windows once, instead of once per delta, so a busy tenant's history never slows its pipeline.
    batchWindowMs: 1_000,
    maxBatch: 2_000,
    initialState: initialHistoryState,
    parseState: (raw) => v.parse(HistoryState, raw),
    decode: (message) => decodeMessage(message.data, FlowObserved).data,
    async transitionBatch(state, deltas, contexts) {
      const last = contexts.at(-1);
      if (last === undefined) return { state, effects: [] };
      return rollup(state, deltas, await gauges(stores, openCount, last.tenant, last.nowMs), {
        tenant: last.tenant,
        nowMs: last.nowMs,
        minuteBucket: bucketName(Bucket.HistoryMinute, ns),
        hourBucket: bucketName(Bucket.HistoryHour, ns),
        key: keys.historyPoint,
      });
    },
  };
}
