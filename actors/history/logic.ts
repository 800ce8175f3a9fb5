/**
 * History rollups: each batch of flow deltas is added to the tenant's
 * current minute and hour windows (hits by coverage and by tag pair), and
 * each touched window is written whole to its bucket, with the gauges the
 * actor read for the batch (readiness, open proposals, live version). A new
 * window starts when the wall clock leaves the old one. Pure: the actor
 * reads, this decides, the runner writes.
 */
import * as v from 'valibot';
import { CoverageStatus, coverage } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import { type Effect, EffectType } from '../../engine/actor/types.ts';
import type { HistoryPoint } from '../../kv-schema/records.ts';
import type { FlowObserved } from '../../streams/mod.ts';

export const MINUTE_MS = 60_000;
export const HOUR_MS = 3_600_000;
/** Pairs kept in a window's state; the busiest 200 are written. */
const MAX_PAIRS = 1_000;
const WRITTEN_PAIRS = 200;

const Pair = v.object({ hits: v.number(), status: v.picklist(['permitted', 'denied', 'uncovered']) });
const Window = v.object({
  startMs: v.number(),
  hits: v.number(),
  permitted: v.number(),
  denied: v.number(),
  uncovered: v.number(),
  pairs: v.record(v.string(), Pair),
});
type Window = v.InferOutput<typeof Window>;

export const HistoryState = v.object({ minute: v.nullable(Window), hour: v.nullable(Window) });
export type HistoryState = v.InferOutput<typeof HistoryState>;

export const initialHistoryState = (): HistoryState => ({ minute: null, hour: null });

export interface Gauges {
  matrix: Matrix;
  version: number;
  readiness: number | null;
  openProposals: number;
}

export interface HistoryTargets {
  tenant: string;
  nowMs: number;
  minuteBucket: string;
  hourBucket: string;
  key: (tenant: string, startMs: number) => string;
}

const empty = (startMs: number): Window => ({
  startMs,
  hits: 0,
  permitted: 0,
  denied: 0,
  uncovered: 0,
  pairs: {},
});

function add(
  w: Window,
  sgt: number,
  dgt: number,
  hits: number,
  status: Window['pairs'][string]['status'],
): void {
  w.hits += hits;
  w[status] += hits;
  const key = `${sgt}-${dgt}`;
  const pair = w.pairs[key];
  if (pair !== undefined) {
    pair.hits += hits;
    // The worst state of the pair's traffic in the window: uncovered beats denied beats permitted.
    if (status === 'uncovered' || (status === 'denied' && pair.status === 'permitted')) pair.status = status;
  } else if (Object.keys(w.pairs).length < MAX_PAIRS) w.pairs[key] = { hits, status };
}

function point(w: Window, resolution: 'minute' | 'hour', g: Gauges, nowMs: number): HistoryPoint {
  const meant = w.hits - w.denied;
  return {
    startMs: w.startMs,
    resolution,
    updatedAtMs: nowMs,
    hits: w.hits,
    permittedHits: w.permitted,
    deniedHits: w.denied,
    uncoveredHits: w.uncovered,
    coverage: meant <= 0 ? 1 : w.permitted / meant,
    readiness: g.readiness,
    openProposals: g.openProposals,
    version: g.version,
    pairs: Object.entries(w.pairs)
      .sort((a, b) => b[1].hits - a[1].hits)
      .slice(0, WRITTEN_PAIRS)
      .map(([k, p]) => {
        const [sgt, dgt] = k.split('-').map(Number) as [number, number];
        return { sgt, dgt, hits: p.hits, status: p.status };
      }),
  };
}

/** Add a batch of deltas to the windows of `t.nowMs`; write both windows. */
export function rollup(
  state: HistoryState,
  deltas: readonly FlowObserved[],
  g: Gauges,
  t: HistoryTargets,
): { state: HistoryState; effects: Effect[] } {
  const minuteStart = Math.floor(t.nowMs / MINUTE_MS) * MINUTE_MS;
  const hourStart = Math.floor(t.nowMs / HOUR_MS) * HOUR_MS;
  const minute: Window =
    state.minute?.startMs === minuteStart ? structuredClone(state.minute) : empty(minuteStart);
  const hour: Window = state.hour?.startMs === hourStart ? structuredClone(state.hour) : empty(hourStart);
  const flows = deltas.map((d, i) => ({ ...d, id: String(i) }));
  for (const c of coverage(g.matrix, flows)) {
    const status =
      c.status === CoverageStatus.Permitted
        ? 'permitted'
        : c.status === CoverageStatus.Denied
          ? 'denied'
          : 'uncovered';
    add(minute, c.sgt, c.dgt, c.hits, status);
    add(hour, c.sgt, c.dgt, c.hits, status);
  }
  const put = (bucket: string, w: Window, resolution: 'minute' | 'hour'): Effect => ({
    type: EffectType.KvPut,
    bucket,
    key: t.key(t.tenant, w.startMs),
    value: point(w, resolution, g, t.nowMs),
  });
  return {
    state: { minute, hour },
    effects: [put(t.minuteBucket, minute, 'minute'), put(t.hourBucket, hour, 'hour')],
  };
}
