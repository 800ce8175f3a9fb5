/**
 * Aggregation of parsed hits by flow key (DESIGN §6). This runs once per
 * line, so a known flow is found by numbers (a map per tag pair, keyed by
 * protocol and port buckets) and updated in place; text is decoded from the
 * line's bytes only while a flow still collects samples, and only when it is
 * new to the flow.
 */
import { ANY } from './flow.ts';
import { HitText, Proto, protocolName, type SgaclHit } from './syslog/parse.ts';
import { fingerprint, Interner, print } from './syslog/text.ts';
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
  /** Counts and hashes of the values in the flow's five sample lists (see SLOT). */
  seen: Int32Array;
}

/** Events of a flow during which every line is searched for new samples and places. */
const SAMPLE_EVERY_LINE_UNTIL = 64;
/**
 * Slots of the direct-mapped cache in front of the maps (a power of two).
 * Several times the flows of a busy campus: at 4096, 1,663 flows missed 7% of
 * lookups, at 16384 under 2%.
 */
const CACHE_SLOTS = 16384;

/**
 * Where each sample list keeps its count and then its values' fingerprints
 * (two ints each) in `Entry.seen`: one small typed array per flow instead of
 * lists of hashes plus a text compare against the kept strings. A sampled line
 * then touches a few adjacent cache lines, not a score of scattered objects;
 * with a large input streaming through the cache, those misses were most of
 * the cost of sampling.
 */
const SLOT = {
  src: 0,
  dst: 1 + 2 * MAX_SAMPLES,
  host: 2 + 4 * MAX_SAMPLES,
  iface: 3 + 4 * MAX_SAMPLES + 2 * MAX_PLACES,
  name: 4 + 4 * MAX_SAMPLES + 4 * MAX_PLACES,
} as const;
const SEEN_LENGTH = SLOT.name + 1 + 2 * MAX_SGACL_NAMES;

/** Add the field's text to `list` unless it is there already (same fingerprint) or full. */
function collect(
  seen: Int32Array,
  slot: number,
  cap: number,
  list: string[],
  hit: SgaclHit,
  field: HitText,
  strings: Interner,
): void {
  const n = seen[slot]!;
  const start = hit.spans[field * 2]!;
  const end = hit.spans[field * 2 + 1]!;
  if (n >= cap || start === end) return;
  fingerprint(hit.bytes, start, end);
  const a = print.a;
  const b = print.b;
  for (let i = slot + 1, stop = slot + 1 + 2 * n; i < stop; i += 2) {
    if (seen[i] === a && seen[i + 1] === b) return;
  }
  seen[slot + 1 + 2 * n] = a;
  seen[slot + 2 + 2 * n] = b;
  seen[slot] = n + 1;
  // A string of its own (decoded, not sliced): nothing keeps the input chunk alive.
  list.push(strings.text(hit.bytes, start, end, a));
}

/** Kept out of `add` so the per-line path stays small enough for the JIT to inline. */
function sample(entry: Entry, hit: SgaclHit, strings: Interner): void {
  const f = entry.flow;
  const seen = entry.seen;
  collect(seen, SLOT.src, MAX_SAMPLES, f.srcSamples, hit, HitText.SrcIp, strings);
  collect(seen, SLOT.dst, MAX_SAMPLES, f.dstSamples, hit, HitText.DstIp, strings);
  collect(seen, SLOT.host, MAX_PLACES, f.switches, hit, HitText.Host, strings);
  collect(seen, SLOT.iface, MAX_PLACES, f.interfaces, hit, HitText.Interface, strings);
  collect(seen, SLOT.name, MAX_SGACL_NAMES, f.sgaclNames, hit, HitText.SgaclName, strings);
}

export class FlowAggregator {
  /** (sgt << 16 | dgt) → (protocol, src bucket, dst bucket) → entry */
  readonly #pairs = new Map<number, Map<number, Entry>>();
  /** Busy flows repeat line after line: most lookups end here, without hashing doubles. */
  readonly #cache: (Entry | undefined)[] = new Array(CACHE_SLOTS).fill(undefined);
  /** Hosts, interfaces and names recur across flows: each distinct one is decoded once. */
  readonly #strings = new Interner();
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
    if (f.events <= SAMPLE_EVERY_LINE_UNTIL || (f.events & 31) === 0) sample(entry, hit, this.#strings);
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
      seen: new Int32Array(SEEN_LENGTH),
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
