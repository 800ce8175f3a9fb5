/**
 * Aggregation of parsed hits by flow key (DESIGN §6). This runs once per
 * line, so a known flow is found by numbers (a map per tag pair, keyed by
 * protocol and port buckets) and updated in place; text is decoded from the
 * line's bytes only while a flow still collects samples, and only when it is
 * new to the flow. What it holds comes out as parts (flow-parts.ts) that merge
 * with the parts of the stretches before and after it.
 */
import { ANY } from './flow.ts';
import { FlowMerger, type FlowPart, LIST_CAPS, LIST_COUNT, SAMPLE_WINDOW } from './flow-parts.ts';
import { HitText, Proto, protocolName, type SgaclHit } from './syslog/parse.ts';
import { fingerprint, Interner, print } from './syslog/text.ts';
import type { Flow } from './types.ts';

export { MAX_SAMPLES } from './flow-parts.ts';

const DAY_MS = 86_400_000;
/** Bucket value of `any` in the numeric key: outside every real port. */
const ANY_PORT = 65_536;

interface Entry {
  flow: Flow;
  days: Set<number>;
  lastDay: number;
  pairKey: number;
  flowKey: number;
  /** Counts and fingerprints of the values in the flow's sample lists (see SLOT). */
  seen: Int32Array;
  /** The early lists (0 to 4) then the late ones (5 to 9), in flow-parts.ts's order. */
  lists: string[][];
  /** Per early list, the event each value first came at. */
  earlyAt: number[][];
  /** Late lists still open: the line-picking hash is not even computed once all are full. */
  lateOpen: boolean;
}

/** The hit's text field of each list, in flow-parts.ts's order. */
const FIELDS = [HitText.SrcIp, HitText.DstIp, HitText.Host, HitText.Interface, HitText.SgaclName] as const;

/**
 * Where each list keeps its count and then its values' fingerprints (two ints
 * each) in `Entry.seen`: one small typed array per flow instead of lists of
 * hashes plus a text compare against the kept strings. A sampled line then
 * touches a few adjacent cache lines, not a score of scattered objects.
 */
const SLOT = new Int32Array(2 * LIST_COUNT + 1);
for (let k = 0; k < 2 * LIST_COUNT; k++) SLOT[k + 1] = SLOT[k]! + 1 + 2 * LIST_CAPS[k % LIST_COUNT]!;
const SEEN_LENGTH = SLOT[2 * LIST_COUNT]!;

/**
 * Slots of the direct-mapped cache in front of the maps (a power of two).
 * Several times the flows of a busy campus: at 4096, 1,663 flows missed 7% of
 * lookups, at 16384 under 2%.
 */
const CACHE_SLOTS = 16384;

/**
 * Whether the line's own content picks it for the late lists: about one line
 * in 32. It must not depend on the line's place in the input (a stretch parsed
 * on another thread does not know how many events of the flow came before),
 * so it hashes the line's time and source port.
 */
const picked = (hit: SgaclHit): boolean =>
  Math.imul(Math.imul(hit.timestampMs | 0, 0x9e3779b1) ^ hit.srcPort, 0x85ebca6b) >>> 27 === 0;

/** Add the field's text to list `k` unless it is there already (same fingerprint) or full; true if added. */
function collect(entry: Entry, k: number, hit: SgaclHit, strings: Interner): boolean {
  const seen = entry.seen;
  const slot = SLOT[k]!;
  const n = seen[slot]!;
  const field = FIELDS[k % LIST_COUNT]!;
  const start = hit.spans[field * 2]!;
  const end = hit.spans[field * 2 + 1]!;
  if (n >= LIST_CAPS[k % LIST_COUNT]! || start === end) return false;
  fingerprint(hit.bytes, start, end);
  const a = print.a;
  const b = print.b;
  for (let i = slot + 1, stop = slot + 1 + 2 * n; i < stop; i += 2) {
    if (seen[i] === a && seen[i + 1] === b) return false;
  }
  seen[slot + 1 + 2 * n] = a;
  seen[slot + 2 + 2 * n] = b;
  seen[slot] = n + 1;
  // A string of its own (decoded, not sliced): nothing keeps the input chunk alive.
  entry.lists[k]!.push(strings.text(hit.bytes, start, end, a));
  return true;
}

/** Kept out of `add` so the per-line path stays small enough for the JIT to inline. */
function sampleEarly(entry: Entry, hit: SgaclHit, event: number, strings: Interner): void {
  for (let k = 0; k < LIST_COUNT; k++) if (collect(entry, k, hit, strings)) entry.earlyAt[k]!.push(event);
}

function sampleLate(entry: Entry, hit: SgaclHit, strings: Interner): void {
  let open = false;
  for (let k = LIST_COUNT; k < 2 * LIST_COUNT; k++) {
    collect(entry, k, hit, strings);
    if (entry.seen[SLOT[k]!]! < LIST_CAPS[k - LIST_COUNT]!) open = true;
  }
  entry.lateOpen = open;
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
    // look at about one line in 32 only, which keeps the hot path to counters.
    if (f.events <= SAMPLE_WINDOW) sampleEarly(entry, hit, f.events, this.#strings);
    if (entry.lateOpen && picked(hit)) sampleLate(entry, hit, this.#strings);
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
      lists: Array.from({ length: 2 * LIST_COUNT }, () => []),
      earlyAt: Array.from({ length: LIST_COUNT }, () => []),
      lateOpen: true,
    };
  }

  /** What this aggregator holds, as plain data of its own (the aggregator may go on). */
  parts(): FlowPart[] {
    const out: FlowPart[] = [];
    for (const flows of this.#pairs.values()) {
      for (const { flow, days, lists, earlyAt } of flows.values()) {
        out.push({
          flow: { ...flow },
          days: [...days],
          early: lists.slice(0, LIST_COUNT).map((l) => [...l]),
          earlyAt: earlyAt.map((l) => [...l]),
          late: lists.slice(LIST_COUNT).map((l) => [...l]),
        });
      }
    }
    return out;
  }

  /** The flows, busiest first (ties by id, so output is stable). */
  flows(): Flow[] {
    const merger = new FlowMerger();
    merger.add(this.parts());
    return merger.flows();
  }
}
