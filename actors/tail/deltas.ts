/**
 * The tail's pure part: one micro-aggregation interval's flows become
 * `flows.observed` deltas, each with a msgId derived from where its lines came
 * from, so publishing the same lines twice (a restart before the cursor was
 * saved) stores each delta once.
 */

import type { Flow } from '../../domain/types.ts';
import type { Effect, PublishEffect } from '../../engine/actor/types.ts';
import { envelope, type FlowObserved, type Subjects } from '../../streams/mod.ts';

const MAX_SOURCE = 255;

export function observedOf(flow: Flow, source: string): FlowObserved {
  const actions: FlowObserved['actions'] = [];
  if (flow.permitHits > 0) actions.push('permit');
  if (flow.denyHits > 0) actions.push('deny');
  return {
    sgt: flow.sgt,
    dgt: flow.dgt,
    protocol: flow.protocol,
    srcPort: flow.srcPort,
    dstPort: flow.dstPort,
    hits: flow.hits,
    events: flow.events,
    firstSeen: new Date(flow.firstSeenMs).toISOString(),
    lastSeen: new Date(flow.lastSeenMs).toISOString(),
    srcSamples: flow.srcSamples.map((s) => s.slice(0, 64)),
    dstSamples: flow.dstSamples.map((s) => s.slice(0, 64)),
    actions,
    permitHits: flow.permitHits,
    denyHits: flow.denyHits,
    switches: flow.switches.map((s) => s.slice(0, 255)),
    interfaces: flow.interfaces.map((s) => s.slice(0, 128)),
    source: source.slice(0, MAX_SOURCE),
  };
}

/**
 * Deltas for one interval. `origin` names the exact input (a file range, an
 * ingest request): together with the flow id it is the dedupe key.
 */
export function observedEffects(
  subjects: Subjects,
  tenant: string,
  flows: readonly Flow[],
  source: string,
  origin: string,
  nowMs: number,
  /** When the earliest of these lines was received (default `nowMs`), for the latency figures. */
  receivedAtMs = nowMs,
): PublishEffect[] {
  const at = new Date(nowMs).toISOString();
  return flows.map((flow) => {
    const msgId = `obs:${tenant}:${origin}:${flow.id}`;
    return {
      type: 'publish',
      subject: subjects.flowsObserved(tenant, flow.sgt, flow.dgt),
      msgId,
      message: envelope({
        id: msgId,
        tenant,
        at,
        by: 'tail',
        data: { ...observedOf(flow, source), receivedAtMs },
      }),
    } satisfies Effect;
  });
}
