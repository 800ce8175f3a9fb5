/**
 * What `scopilot status` shows, from the answers of the REST API: pure, so the
 * picture is tested without a server.
 *
 * The trend is the last 7 days of the hour rollups in 6-hour buckets: 28
 * marks fit beside a label in any terminal, four a day keep the working day
 * apart from the night, and averaging up to six hourly readings keeps one odd
 * hour from looking like a trend. Marks scale from 0 % (▁) to 100 % (█), not
 * from the week's low to its high: readiness is judged against a fixed bar
 * (deny-default wants about 99 %), so 95 % must never look like a full bar.
 */
import { fields, flowPair, isRecord, listOf, num, percent, type SgtNames, table, when } from './output.ts';

export const TREND_DAYS = 7;
export const BUCKET_HOURS = 6;
const HOUR_MS = 3_600_000;
export const BUCKETS = (TREND_DAYS * 24) / BUCKET_HOURS;
const MARKS = ['▁', '▂', '▃', '▄', '▅', '▆', '▇', '█'] as const;
/** A bucket without a reading: no traffic rolled up, or readiness not yet measured. */
export const NO_DATA = '·';
export const TOP_BLOCKERS = 5;

const rec = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {});

/** The trend's window: whole hours, ending with the hour now in progress. */
export function trendWindow(nowMs: number): { from: number; to: number } {
  const to = Math.floor(nowMs / HOUR_MS) * HOUR_MS + HOUR_MS;
  return { from: to - TREND_DAYS * 24 * HOUR_MS, to };
}

/** Mean readiness per bucket, oldest first; null where no point had a reading. */
export function readinessBuckets(points: readonly unknown[], from: number): (number | null)[] {
  const sums = new Array<number>(BUCKETS).fill(0);
  const counts = new Array<number>(BUCKETS).fill(0);
  for (const p of points.map(rec)) {
    if (typeof p.startMs !== 'number' || typeof p.readiness !== 'number') continue;
    const i = Math.floor((p.startMs - from) / (BUCKET_HOURS * HOUR_MS));
    if (i < 0 || i >= BUCKETS) continue;
    sums[i] = (sums[i] ?? 0) + p.readiness;
    counts[i] = (counts[i] ?? 0) + 1;
  }
  return sums.map((s, i) => ((counts[i] ?? 0) === 0 ? null : s / (counts[i] ?? 1)));
}

/** One mark per value, 0 → ▁ … 1 → █; null → `·`. */
export function sparkline(values: readonly (number | null)[]): string {
  return values
    .map((x) =>
      x === null
        ? NO_DATA
        : (MARKS[Math.min(MARKS.length - 1, Math.max(0, Math.floor(x * MARKS.length)))] ?? NO_DATA),
    )
    .join('');
}

/** Coverage of the hits in hour points: permitted of everything not denied (as the rollups define it). */
export function coverageOf(points: readonly unknown[]): number | null {
  let permitted = 0;
  let counted = 0;
  for (const p of points.map(rec)) {
    if (typeof p.hits !== 'number' || typeof p.permittedHits !== 'number') continue;
    permitted += p.permittedHits;
    counted += p.hits - (typeof p.deniedHits === 'number' ? p.deniedHits : 0);
  }
  return counted === 0 ? null : permitted / counted;
}

export interface StatusInput {
  nowMs: number;
  readiness: unknown;
  history: unknown;
  proposals: unknown;
  /** Null: the ISE status could not be read (it never blocks the rest). */
  ise: unknown;
  names: SgtNames;
}

/** Everything `status` knows, as `--format json` prints it. */
export function statusData(i: StatusInput) {
  const r = rec(i.readiness);
  const points = listOf(rec(i.history).points);
  const { from, to } = trendWindow(i.nowMs);
  const buckets = readinessBuckets(points, from);
  const day = points.filter((p) => typeof p.startMs === 'number' && p.startMs >= to - 24 * HOUR_MS);
  const flows = rec(r.flows);
  const p = rec(i.proposals);
  const ise = rec(i.ise);
  return {
    tenant: typeof p.tenant === 'string' ? p.tenant : typeof ise.tenant === 'string' ? ise.tenant : null,
    readiness: {
      ratio: typeof r.ratio === 'number' ? r.ratio : null,
      coveredHits: r.coveredHits ?? null,
      totalHits: r.totalHits ?? null,
      criticalBlockers: r.criticalBlockers ?? null,
      measuredAtMs: r.atMs ?? null,
    },
    trend: { from, to, bucketHours: BUCKET_HOURS, readiness: buckets, sparkline: sparkline(buckets) },
    coverage: {
      flows: {
        total: flows.total ?? null,
        covered: flows.covered ?? null,
        uncovered: flows.uncovered ?? null,
      },
      last24h: coverageOf(day),
    },
    proposals: {
      open: p.open ?? null,
      byCategory: rec(p.byCategory),
      infrastructure: p.infrastructure ?? null,
      urgent: p.urgent ?? null,
    },
    blockers: listOf(r.blockers)
      .slice(0, TOP_BLOCKERS)
      .map((b) => ({
        flowId: b.flowId,
        pair: flowPair(b.flowId, i.names),
        hits: b.hits,
        service: b.service ?? null,
        critical: b.critical === true,
      })),
    matrix: { version: r.version ?? null },
    ise:
      i.ise === null
        ? null
        : {
            configured: ise.configured === true,
            lastPush: ise.lastPush ?? null,
            lastDrift: ise.lastDrift ?? null,
            monitoring: listOf(ise.monitoring).length,
          },
  };
}

export type StatusData = ReturnType<typeof statusData>;

export interface Paint {
  bold(text: string): string;
  red(text: string): string;
  dim(text: string): string;
}

export const NO_PAINT: Paint = { bold: (t) => t, red: (t) => t, dim: (t) => t };

const CATEGORY_LABEL: Record<string, string> = {
  harmful: 'harmful',
  needs_review: 'needs review',
  business_irrelevant: 'business irrelevant',
  default: 'default',
  business_relevant: 'business relevant',
};

function trendText(d: StatusData): string {
  const known = d.trend.readiness.filter((x): x is number => x !== null);
  if (known.length === 0) return `${d.trend.sparkline}  no readings yet`;
  const first = known[0] ?? 0;
  const last = known[known.length - 1] ?? 0;
  return `${d.trend.sparkline}  ${percent(first)} → ${percent(last)}`;
}

function iseText(d: StatusData): string | null {
  if (d.ise === null || !d.ise.configured) return null;
  const push = rec(d.ise.lastPush);
  const drift = rec(d.ise.lastDrift);
  const pushed =
    push.atMs === undefined
      ? 'never pushed'
      : `pushed ${String(push.stage)} of version ${String(push.version)}`;
  const drifted =
    drift.atMs === undefined
      ? 'drift not checked'
      : `${num(drift.count)} drift difference${drift.count === 1 ? '' : 's'} at ${when(drift.atMs)}`;
  return `${pushed}; ${drifted}`;
}

export function statusText(d: StatusData, paint: Paint = NO_PAINT): string {
  const r = d.readiness;
  const pairs: [string, string][] = [];
  if (d.tenant !== null) pairs.push(['tenant', d.tenant]);
  pairs.push(
    [
      'readiness',
      `${paint.bold(percent(r.ratio))} of hits covered (${num(r.coveredHits)} of ${num(r.totalHits)})`,
    ],
    [`last ${TREND_DAYS} days`, trendText(d)],
    ['', paint.dim(`one mark per ${BUCKET_HOURS} h, oldest left; ${NO_DATA}: no reading`)],
    [
      'coverage',
      `${num(d.coverage.flows.covered)} of ${num(d.coverage.flows.total)} flows; ` +
        `${percent(d.coverage.last24h)} of hits in the last 24 h`,
    ],
    [
      'matrix version',
      d.matrix.version === null || d.matrix.version === 0 ? 'none yet' : String(d.matrix.version),
    ],
  );
  const ise = iseText(d);
  if (ise !== null) pairs.push(['ISE', ise]);
  const parts = [fields(pairs)];

  const p = d.proposals;
  const counted = Object.entries(p.byCategory).filter(([, n]) => typeof n === 'number' && n > 0);
  const open = `open proposals: ${num(p.open)}`;
  if (counted.length === 0) parts.push(open);
  else {
    // The label last: a coloured cell may only be the one the table does not pad.
    const rows = counted.map(([c, n]) => {
      const label = CATEGORY_LABEL[c] ?? c;
      return [num(n), c === 'harmful' ? paint.red(label) : label];
    });
    const extra = [
      typeof p.infrastructure === 'number' && p.infrastructure > 0
        ? `${num(p.infrastructure)} infrastructure (DNS, NTP, RADIUS …): review in bulk with npx scopilot proposal decide --filter service:infrastructure`
        : '',
      typeof p.urgent === 'number' && p.urgent > 0 ? `${num(p.urgent)} urgent (threat intel)` : '',
    ].filter(Boolean);
    parts.push(
      `${open}\n${table(['OPEN', 'CATEGORY'], rows, ['right', 'left'])}${extra.map((e) => `\n${e}`).join('')}`,
    );
  }

  const blockers = d.blockers;
  const criticals = typeof r.criticalBlockers === 'number' && r.criticalBlockers > 0;
  parts.push(
    blockers.length === 0
      ? 'blockers: none: no uncovered traffic stands in the way of deny-default'
      : `top blockers (uncovered traffic a deny-default would drop)${criticals ? `, ${paint.red(`${num(r.criticalBlockers)} critical`)}` : ''}:\n` +
          table(
            ['SGT → DGT', 'FLOW', 'HITS', 'SERVICE', 'CRITICAL'],
            blockers.map((b) => [
              b.pair,
              String(b.flowId ?? '-'),
              num(b.hits),
              String(b.service ?? '-'),
              b.critical ? paint.red('yes') : 'no',
            ]),
            ['left', 'left', 'right', 'left', 'left'],
          ),
  );
  return parts.join('\n\n');
}
