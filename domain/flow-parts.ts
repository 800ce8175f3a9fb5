/**
 * A flow as aggregated over one stretch of input, and how stretches combine.
 * `analyze` splits a large input into consecutive stretches parsed on several
 * threads; merging their parts in input order gives exactly the flows one pass
 * over the whole input gives (the sequential pass itself ends in the same
 * merge, of a single part).
 *
 * Counts, first and last seen and days combine on their own. Sample lists
 * (addresses, switches, interfaces, SGACL names) keep the first distinct
 * values of the lines they look at, so which lines those are must not depend
 * on where a stretch starts. A flow's lines are looked at when they are among
 * its first SAMPLE_WINDOW events (`early`, each value with the event number it
 * first came at, so a later stretch knows which of its values still fall in
 * the window) and when their own content picks them (`late`, see aggregate.ts).
 */
import type { Flow } from './types.ts';

export const MAX_SAMPLES = 5;
/** Every event of a flow up to this many is searched for new samples. */
export const SAMPLE_WINDOW = 64;

/** The sample lists in the order parts carry them, and the cap on each. */
export const LIST_CAPS = [MAX_SAMPLES, MAX_SAMPLES, 16, 16, 8] as const;
export const LIST_COUNT = LIST_CAPS.length;

type ListName = 'srcSamples' | 'dstSamples' | 'switches' | 'interfaces' | 'sgaclNames';
const LIST_NAMES: readonly ListName[] = ['srcSamples', 'dstSamples', 'switches', 'interfaces', 'sgaclNames'];

/** Plain data (it crosses threads): one flow over one stretch of input. */
export interface FlowPart {
  /** Counts and times; its sample lists are empty (they are below). */
  flow: Flow;
  /** Distinct UTC days (epoch days). */
  days: number[];
  /** Per list: first distinct values among the flow's first SAMPLE_WINDOW events of the stretch. */
  early: string[][];
  /** Per list: the event (1-based, within the stretch) each early value first came at. */
  earlyAt: number[][];
  /** Per list: first distinct values among the lines picked by their content. */
  late: string[][];
}

/** Append `from`'s values missing from `into` while it has room. */
function union(into: string[], from: readonly string[], cap: number): void {
  for (const v of from) {
    if (into.length >= cap) return;
    if (!into.includes(v)) into.push(v);
  }
}

/** `b` (the stretch right after `a`'s) folded into `a`. */
function fold(a: FlowPart, b: FlowPart): void {
  const before = a.flow.events;
  for (let k = 0; k < LIST_COUNT; k++) {
    const early = a.early[k]!;
    const at = a.earlyAt[k]!;
    const bAt = b.earlyAt[k]!;
    b.early[k]!.forEach((v, i) => {
      const n = before + bAt[i]!;
      if (n <= SAMPLE_WINDOW && early.length < LIST_CAPS[k]! && !early.includes(v)) {
        early.push(v);
        at.push(n);
      }
    });
    union(a.late[k]!, b.late[k]!, LIST_CAPS[k]!);
  }
  const f = a.flow;
  const g = b.flow;
  f.hits += g.hits;
  f.events += g.events;
  f.permitHits += g.permitHits;
  f.denyHits += g.denyHits;
  if (g.firstSeenMs < f.firstSeenMs) f.firstSeenMs = g.firstSeenMs;
  if (g.lastSeenMs > f.lastSeenMs) f.lastSeenMs = g.lastSeenMs;
  if (b.days.length > 0) a.days = [...new Set([...a.days, ...b.days])];
}

/** The flow as reported: early values first, then late ones not among them. */
function finish(part: FlowPart): Flow {
  const flow: Flow = { ...part.flow, daysSeen: part.days.length };
  for (let k = 0; k < LIST_COUNT; k++) {
    const list = [...part.early[k]!];
    union(list, part.late[k]!, LIST_CAPS[k]!);
    flow[LIST_NAMES[k]!] = list;
  }
  return flow;
}

/**
 * Parts in, flows out. Parts must be added in input order; each is owned by
 * the merger from then on (it may be changed).
 */
export class FlowMerger {
  readonly #flows = new Map<string, FlowPart>();

  add(parts: Iterable<FlowPart>): void {
    for (const part of parts) {
      const known = this.#flows.get(part.flow.id);
      if (known === undefined) this.#flows.set(part.flow.id, part);
      else fold(known, part);
    }
  }

  /** The flows, busiest first (ties by id, so output is stable). */
  flows(): Flow[] {
    const out = Array.from(this.#flows.values(), finish);
    return out.sort((a, b) => b.hits - a.hits || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
