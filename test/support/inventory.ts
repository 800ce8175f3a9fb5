/**
 * "Exactly what one process computes": a flow's hits and events from an
 * offline analysis of the lines, beside the same figures in a tenant's live
 * inventory, for the multi-process and cluster tests.
 */
import { flowIdOf } from '../../actors/aggregator/logic.ts';
import { Analysis } from '../../domain/analysis.ts';
import type { Engine } from '../../engine/types.ts';
import { Bucket, bucketName, keys, type Stores } from '../../kv-schema/mod.ts';
import {
  decodeMessage,
  FlowObserved,
  type Namespace,
  StreamName,
  streamName,
  subjectsFor,
} from '../../streams/mod.ts';

/** Flow id → [hits, events]. */
export type FlowTotals = Map<string, number[]>;

export function offlineTotals(lines: readonly string[], referenceMs: number): FlowTotals {
  const offline = new Analysis({ referenceMs });
  offline.addLines(lines);
  return new Map(offline.result().flows.map((f) => [f.id, [f.hits, f.events]]));
}

export async function inventoryTotals(stores: Stores, tenant: string): Promise<FlowTotals> {
  const out: FlowTotals = new Map();
  for (const key of await stores.inventory.keys(keys.tenantAll(tenant))) {
    const record = (await stores.inventory.get(key))?.value;
    if (record !== undefined) out.set(record.flowId, [record.hits, record.events]);
  }
  return out;
}

const eventsOf = (m: FlowTotals): number => [...m.values()].reduce((s, [, e]) => s + (e ?? 0), 0);

/**
 * The inventory once every expected event is in, or once nothing has moved for
 * `stillSeconds` (a lost update never arrives), then a few seconds more: late,
 * stale writes would land in them.
 */
export async function settledTotals(
  stores: Stores,
  tenant: string,
  expected: FlowTotals,
  { maxSeconds, stillSeconds }: { maxSeconds: number; stillSeconds: number },
): Promise<FlowTotals> {
  const total = eventsOf(expected);
  const deadline = Date.now() + maxSeconds * 1_000;
  let last = -1;
  let movedAt = Date.now();
  while (Date.now() < deadline && Date.now() - movedAt < stillSeconds * 1_000) {
    const now = eventsOf(await inventoryTotals(stores, tenant));
    if (now === total) break;
    if (now !== last) movedAt = Date.now();
    last = now;
    await Bun.sleep(1_000);
  }
  await Bun.sleep(3_000);
  return inventoryTotals(stores, tenant);
}

/** Expected flows whose figures differ in `actual` (missing ones included). */
export const wrongFlows = (expected: FlowTotals, actual: FlowTotals): [string, number[]][] =>
  [...expected].filter(([id, want]) => actual.get(id)?.join() !== want.join());

/**
 * Where a mismatch arose, for a failing test's message: the deltas stored in
 * the flows stream (lost or doubled on the way in), the aggregator's own
 * states (lost or doubled while folding) and the inventory (a write lost
 * after the fold). Each line sums events over every flow.
 */
export async function explainMismatch(
  engine: Engine,
  ns: Namespace,
  tenant: string,
  expected: FlowTotals,
  actual: FlowTotals,
): Promise<string> {
  const stream = new Map<string, number[]>();
  const msgIds = new Map<string, number>();
  const subjects = subjectsFor(ns);
  for await (const m of engine.log.replay(streamName(StreamName.Flows, ns), {
    filterSubject: subjects.flowsObservedAll(tenant),
  })) {
    const d = decodeMessage(m.data, FlowObserved).data;
    const id = flowIdOf(d);
    const [hits = 0, events = 0] = stream.get(id) ?? [];
    stream.set(id, [hits + d.hits, events + d.events]);
    if (m.msgId !== undefined) msgIds.set(m.msgId, (msgIds.get(m.msgId) ?? 0) + 1);
  }
  const states: FlowTotals = new Map();
  const bucket = await engine.kv.bucket(bucketName(Bucket.State, ns));
  for (const key of await bucket.keys(`aggregator.>`)) {
    const entry = await bucket.get(key);
    if (entry === null) continue;
    const snapshot = JSON.parse(new TextDecoder().decode(entry.value)) as {
      state: { flows: Record<string, { hits: number; events: number }> };
    };
    for (const [id, r] of Object.entries(snapshot.state.flows)) states.set(id, [r.hits, r.events]);
  }
  const line = (name: string, m: FlowTotals) =>
    `${name}: ${eventsOf(m)} events in ${m.size} flows, ${wrongFlows(expected, m).length} flows differ`;
  const repeated = [...msgIds.values()].filter((n) => n > 1).length;
  return [
    line('expected', expected),
    `${line('flows stream', stream)}; ${msgIds.size} msgIds, ${repeated} stored more than once`,
    line('aggregator states', states),
    line('inventory', actual),
    `first differing flows (expected, stream, states, inventory): ${JSON.stringify(
      wrongFlows(expected, actual)
        .slice(0, 5)
        .map(([id, want]) => [id, want, stream.get(id), states.get(id), actual.get(id)]),
    )}`,
  ].join('\n');
}
