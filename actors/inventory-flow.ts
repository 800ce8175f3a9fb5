/**
 * A flow as the domain code wants it, from a message's flow key and figures
 * and, when the aggregator has recorded the flow, its inventory record.
 */
import type { Flow } from '../domain/types.ts';
import type { InventoryRecord } from '../kv-schema/records.ts';
import type { FlowUnknown } from '../streams/mod.ts';

export function inventoryFlow(
  u: Pick<FlowUnknown, 'flowId' | 'sgt' | 'dgt' | 'protocol' | 'srcPort' | 'dstPort' | 'hits'>,
  record: InventoryRecord | null,
): Flow {
  return {
    id: u.flowId,
    sgt: u.sgt,
    dgt: u.dgt,
    protocol: u.protocol,
    srcPort: u.srcPort,
    dstPort: u.dstPort,
    hits: record?.hits ?? u.hits,
    events: record?.events ?? 1,
    firstSeenMs: record?.firstSeenMs ?? 0,
    lastSeenMs: record?.lastSeenMs ?? 0,
    daysSeen: record?.days.length ?? 1,
    srcSamples: record?.srcSamples ?? [],
    dstSamples: record?.dstSamples ?? [],
    permitHits: record?.permitHits ?? 0,
    denyHits: record?.denyHits ?? 0,
    switches: [],
    interfaces: [],
    sgaclNames: [],
  };
}
