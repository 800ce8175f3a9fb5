/**
 * The aggregator's logic: fold an observed-flow delta into the inventory of
 * its tag pair and, when the live matrix does not cover the flow, report it
 * unknown — once per (flow, matrix generation), so a flow a rollback uncovers
 * is reported again. Pure: the current matrix comes in as an argument and
 * everything it does comes out as effects.
 */
import * as v from 'valibot';
import { CoverageStatus, coverage } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import type { Effect } from '../../engine/actor/types.ts';
import { InventoryRecord } from '../../kv-schema/records.ts';
import { envelope, type FlowObserved, type FlowUnknown, type Subjects } from '../../streams/mod.ts';

const DAY_MS = 86_400_000;
const MAX_SAMPLES = 5;
const MAX_DAYS = 366;

export const AggregatorState = v.object({ flows: v.record(v.string(), InventoryRecord) });
export type AggregatorState = v.InferOutput<typeof AggregatorState>;

export const initialAggregatorState = (): AggregatorState => ({ flows: {} });

export interface LiveMatrix {
  /** 0 before the first approval. */
  version: number;
  /** Grows with every pointer move (kv-schema `generationOf`): a version live again after a rollback is new. */
  generation: number;
  matrix: Matrix;
}

export interface AggregatorContext {
  tenant: string;
  nowMs: number;
  subjects: Subjects;
  inventoryBucket: string;
  inventoryKey: (tenant: string, flowId: string) => string;
}

const union = (a: readonly string[], b: readonly string[], cap: number) =>
  [...new Set([...a, ...b])].slice(0, cap);

export function flowIdOf(d: FlowObserved): string {
  return `${d.sgt}-${d.dgt}-${d.protocol}-${d.srcPort}-${d.dstPort}`;
}

export function merge(record: InventoryRecord | undefined, d: FlowObserved): InventoryRecord {
  const first = Date.parse(d.firstSeen);
  const last = Date.parse(d.lastSeen);
  const days = new Set(record?.days ?? []);
  days.add(Math.floor(first / DAY_MS));
  days.add(Math.floor(last / DAY_MS));
  return {
    flowId: flowIdOf(d),
    sgt: d.sgt,
    dgt: d.dgt,
    protocol: d.protocol,
    srcPort: d.srcPort,
    dstPort: d.dstPort,
    hits: (record?.hits ?? 0) + d.hits,
    events: (record?.events ?? 0) + d.events,
    firstSeenMs: Math.min(record?.firstSeenMs ?? first, first),
    lastSeenMs: Math.max(record?.lastSeenMs ?? last, last),
    days: [...days].sort((a, b) => a - b).slice(-MAX_DAYS),
    srcSamples: union(record?.srcSamples ?? [], d.srcSamples, MAX_SAMPLES),
    dstSamples: union(record?.dstSamples ?? [], d.dstSamples, MAX_SAMPLES),
    permitHits: (record?.permitHits ?? 0) + d.permitHits,
    denyHits: (record?.denyHits ?? 0) + d.denyHits,
    unknownAt: record?.unknownAt ?? null,
    rev: (record?.rev ?? 0) + 1,
  };
}

export function aggregate(
  state: AggregatorState,
  delta: FlowObserved,
  live: LiveMatrix,
  ctx: AggregatorContext,
): { state: AggregatorState; effects: Effect[] } {
  const id = flowIdOf(delta);
  let record = merge(state.flows[id], delta);
  const effects: Effect[] = [];
  const [cover] = coverage(live.matrix, [{ ...record, id }]);
  if (cover?.status === CoverageStatus.Uncovered && record.unknownAt !== live.generation) {
    record = { ...record, unknownAt: live.generation };
    const msgId = `unknown:${ctx.tenant}:${id}:g${live.generation}`;
    const data: FlowUnknown = {
      flowId: id,
      sgt: record.sgt,
      dgt: record.dgt,
      protocol: record.protocol,
      srcPort: record.srcPort,
      dstPort: record.dstPort,
      hits: record.hits,
      trigger: 'ingest',
      // The flow itself is the reference: once a person has decided on it, it is not asked again.
      triggerRef: `flow:${id}`,
      generation: live.generation,
      ...(delta.receivedAtMs === undefined ? {} : { receivedAtMs: delta.receivedAtMs }),
    };
    effects.push({
      type: 'publish',
      subject: ctx.subjects.flowsUnknown(ctx.tenant),
      msgId,
      message: envelope({
        id: msgId,
        tenant: ctx.tenant,
        at: new Date(ctx.nowMs).toISOString(),
        by: 'aggregator',
        data,
      }),
    });
  }
  effects.unshift({
    type: 'kv.put',
    bucket: ctx.inventoryBucket,
    key: ctx.inventoryKey(ctx.tenant, id),
    value: record,
    ifNewer: { field: 'rev', value: record.rev },
  });
  return { state: { flows: { ...state.flows, [id]: record } }, effects };
}
