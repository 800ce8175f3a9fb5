/**
 * Aggregation of parsed hits by flow key (DESIGN §6). One mutable entry per
 * flow, updated in place for every line: this runs once per line, so it
 * avoids allocating anything for a flow it already knows.
 */
import { dstPortBucket, srcPortBucket } from './flow.ts';
import type { SgaclHit } from './syslog/parse.ts';
import type { Flow } from './types.ts';

export const MAX_SAMPLES = 5;
const MAX_PLACES = 16;
const MAX_SGACL_NAMES = 8;
const DAY_MS = 86_400_000;

interface Entry {
  flow: Flow;
  days: Set<number>;
}

function addCapped(list: string[], value: string, cap: number): void {
  if (value !== '' && list.length < cap && !list.includes(value)) list.push(value);
}

export class FlowAggregator {
  readonly #entries = new Map<string, Entry>();

  get size(): number {
    return this.#entries.size;
  }

  add(hit: SgaclHit): void {
    const srcPort = srcPortBucket(hit.protocol, hit.srcPort);
    const dstPort = dstPortBucket(hit.protocol, hit.dstPort);
    const id = `${hit.sgt}-${hit.dgt}-${hit.protocol}-${srcPort}-${dstPort}`;
    let entry = this.#entries.get(id);
    if (entry === undefined) {
      entry = {
        flow: {
          id,
          sgt: hit.sgt,
          dgt: hit.dgt,
          protocol: hit.protocol,
          srcPort,
          dstPort,
          hits: 0,
          events: 0,
          firstSeenMs: hit.timestampMs,
          lastSeenMs: hit.timestampMs,
          daysSeen: 0,
          srcSamples: [],
          dstSamples: [],
          permitHits: 0,
          denyHits: 0,
          switches: [],
          interfaces: [],
          sgaclNames: [],
        },
        days: new Set(),
      };
      this.#entries.set(id, entry);
    }
    const f = entry.flow;
    f.hits += hit.hits;
    f.events += 1;
    if (hit.timestampMs < f.firstSeenMs) f.firstSeenMs = hit.timestampMs;
    if (hit.timestampMs > f.lastSeenMs) f.lastSeenMs = hit.timestampMs;
    entry.days.add(Math.floor(hit.timestampMs / DAY_MS));
    if (hit.action === 'permit') f.permitHits += hit.hits;
    else f.denyHits += hit.hits;
    // Small lists stop growing once full, so the common case is a length check.
    if (f.srcSamples.length < MAX_SAMPLES) addCapped(f.srcSamples, hit.srcIp, MAX_SAMPLES);
    if (f.dstSamples.length < MAX_SAMPLES) addCapped(f.dstSamples, hit.dstIp, MAX_SAMPLES);
    if (f.switches.length < MAX_PLACES) addCapped(f.switches, hit.host, MAX_PLACES);
    if (f.interfaces.length < MAX_PLACES) addCapped(f.interfaces, hit.ingressInterface, MAX_PLACES);
    if (f.sgaclNames.length < MAX_SGACL_NAMES) addCapped(f.sgaclNames, hit.sgaclName, MAX_SGACL_NAMES);
  }

  /** The flows, busiest first (ties by id, so output is stable). */
  flows(): Flow[] {
    const out: Flow[] = [];
    for (const { flow, days } of this.#entries.values()) out.push({ ...flow, daysSeen: days.size });
    return out.sort((a, b) => b.hits - a.hits || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
