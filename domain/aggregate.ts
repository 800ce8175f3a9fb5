/**
 * Aggregation of parsed hits by flow key (DESIGN §6). This runs once per
 * line, so a known flow is found by numbers (a map per tag pair, keyed by
 * protocol and port buckets) and updated in place; strings are cut out of the
 * line only while a flow still collects samples.
 */
import { ANY } from './flow.ts';
import { HitText, hitText, hitTextEquals, Proto, protocolName, type SgaclHit } from './syslog/parse.ts';
import type { Flow } from './types.ts';

export const MAX_SAMPLES = 5;
const MAX_PLACES = 16;
const MAX_SGACL_NAMES = 8;
const DAY_MS = 86_400_000;
/** Bucket value of `any` in the numeric key: outside every real port. */
const ANY_PORT = 65_536;

interface Entry {
  flow: Flow;
  days: Set<number>;
  lastDay: number;
  pairKey: number;
  flowKey: number;
  /** Hashes of the values in the flow's five sample lists, in the same order. */
  hashes: [number[], number[], number[], number[], number[]];
}

/** Events of a flow during which every line is searched for new samples and places. */
const SAMPLE_EVERY_LINE_UNTIL = 64;
/** Slots of the direct-mapped cache in front of the maps (a power of two). */
const CACHE_SLOTS = 4096;

/** A copy of `s` that shares no memory with the line it came from (a rope, flattened when cut). */
const detach = (s: string): string => ` ${s}`.slice(1);

/** FNV-1a of a field's text, read in place. */
function hashOf(hit: SgaclHit, field: HitText): number {
  const line = hit.line;
  const end = hit.spans[field * 2 + 1]!;
  let h = 0x811c9dc5;
  for (let i = hit.spans[field * 2]!; i < end; i++) h = Math.imul(h ^ line.charCodeAt(i), 0x01000193);
  return h;
}

/**
 * Add the field's text to `list` unless present or full. Candidates are
 * compared by hash first (hostnames share long suffixes, addresses long
 * prefixes), and by text only when the hashes agree.
 */
function collect(list: string[], hashes: number[], cap: number, hit: SgaclHit, field: HitText): void {
  if (list.length >= cap || hit.spans[field * 2] === hit.spans[field * 2 + 1]) return;
  const h = hashOf(hit, field);
  for (let i = 0; i < hashes.length; i++) {
    if (hashes[i] === h && hitTextEquals(hit, field, list[i]!)) return;
  }
  hashes.push(h);
  // A copy, not a slice: a slice would keep the whole input chunk it came from alive.
  list.push(detach(hitText(hit, field)));
}

/** Kept out of `add` so the per-line path stays small enough for the JIT to inline. */
function sample(entry: Entry, hit: SgaclHit): void {
  const f = entry.flow;
  const h = entry.hashes;
  collect(f.srcSamples, h[0], MAX_SAMPLES, hit, HitText.SrcIp);
  collect(f.dstSamples, h[1], MAX_SAMPLES, hit, HitText.DstIp);
  collect(f.switches, h[2], MAX_PLACES, hit, HitText.Host);
  collect(f.interfaces, h[3], MAX_PLACES, hit, HitText.Interface);
  collect(f.sgaclNames, h[4], MAX_SGACL_NAMES, hit, HitText.SgaclName);
}

export class FlowAggregator {
  /** (sgt << 16 | dgt) → (protocol, src bucket, dst bucket) → entry */
  readonly #pairs = new Map<number, Map<number, Entry>>();
  /** Busy flows repeat line after line: most lookups end here, without hashing doubles. */
  readonly #cache: (Entry | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);
  #size = 0;

  get size(): number {
    return this.#size;
  }

  add(hit: SgaclHit): void {
    const p = hit.protocol;
    // DESIGN §6: ICMP "ports" are type/code, source ports ≥ 1024 are ephemeral, port 0 is none.
    const icmp = p === Proto.Icmp || p === Proto.Icmpv6;
    const src = icmp || hit.srcPort === 0 || hit.srcPort >= 1024 ? ANY_PORT : hit.srcPort;
    const dst = icmp || hit.dstPort === 0 ? ANY_PORT : hit.dstPort;
    const pairKey = hit.sgt * 65_536 + hit.dgt;
    const flowKey = (p * 131_072 + src) * 131_072 + dst;
    const slot =
      (Math.imul(hit.sgt, 7919) ^ Math.imul(hit.dgt, 104_729) ^ Math.imul(dst + p, 31) ^ src) &
      (CACHE_SLOTS - 1);
    let entry = this.#cache[slot];
    if (entry === undefined || entry.pairKey !== pairKey || entry.flowKey !== flowKey) {
      entry = this.#lookup(hit, pairKey, flowKey, src, dst);
      this.#cache[slot] = entry;
    }
    const f = entry.flow;
    const t = hit.timestampMs;
    f.hits += hit.hits;
    f.events += 1;
    if (t < f.firstSeenMs) f.firstSeenMs = t;
    if (t > f.lastSeenMs) f.lastSeenMs = t;
    const day = Math.floor(t / DAY_MS);
    if (day !== entry.lastDay) {
      entry.lastDay = day;
      entry.days.add(day);
    }
    if (hit.action === 'permit') f.permitHits += hit.hits;
    else f.denyHits += hit.hits;
    // A busy flow has long shown its samples and places: after its first events
    // look at every 32nd line only, which keeps the hot path to counters.
    if (f.events <= SAMPLE_EVERY_LINE_UNTIL || (f.events & 31) === 0) sample(entry, hit);
  }

  #lookup(hit: SgaclHit, pairKey: number, flowKey: number, src: number, dst: number): Entry {
    let flows = this.#pairs.get(pairKey);
    if (flows === undefined) {
      flows = new Map();
      this.#pairs.set(pairKey, flows);
    }
    let entry = flows.get(flowKey);
    if (entry === undefined) {
      entry = this.#create(hit, pairKey, flowKey, src, dst);
      flows.set(flowKey, entry);
    }
    return entry;
  }

  #create(hit: SgaclHit, pairKey: number, flowKey: number, src: number, dst: number): Entry {
    this.#size++;
    const protocol = protocolName(hit.protocol);
    const srcPort = src === ANY_PORT ? ANY : src;
    const dstPort = dst === ANY_PORT ? ANY : dst;
    return {
      flow: {
        id: `${hit.sgt}-${hit.dgt}-${protocol}-${srcPort}-${dstPort}`,
        sgt: hit.sgt,
        dgt: hit.dgt,
        protocol,
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
      lastDay: Number.NaN,
      pairKey,
      flowKey,
      hashes: [[], [], [], [], []],
    };
  }

  /** The flows, busiest first (ties by id, so output is stable). */
  flows(): Flow[] {
    const out: Flow[] = [];
    for (const flows of this.#pairs.values()) {
      for (const { flow, days } of flows.values()) out.push({ ...flow, daysSeen: days.size });
    }
    return out.sort((a, b) => b.hits - a.hits || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
