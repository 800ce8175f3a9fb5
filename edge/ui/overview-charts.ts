/**
 * The overview's charts, from the history actor's hourly rollups: readiness
 * and coverage over the last days with approvals (new versions), moves
 * of the live pointer and pushes to Cisco ISE marked, and hits per hour of the busiest uncovered
 * cells. Each with its numbers as a table.
 */
import { html } from 'hono/html';
import type { IseSync } from '../../integrations/ise/sync/types.ts';
import {
  type HistoryPoint,
  type IsePushMark,
  keys,
  matrixVersions,
  type Stores,
} from '../../kv-schema/mod.ts';
import { historyPoints } from '../rest/history.ts';
import { mapParallel } from '../rest/matrix-data.ts';
import { ChartKind, chart } from './charts.ts';
import { type Html, num, pct, tagLabel, when } from './layout.ts';

const DAY_MS = 86_400_000;
const SPAN_DAYS = 7;
const TOP_UNCOVERED = 5;

export interface OverviewHistory {
  points: HistoryPoint[];
  /** [ms, label]: approvals, live pointer moves and ISE pushes. */
  marks: [number, string][];
}

export async function overviewHistory(
  stores: Stores,
  tenant: string,
  nowMs: number,
  ise?: IseSync,
): Promise<OverviewHistory> {
  const from = nowMs - SPAN_DAYS * DAY_MS;
  const noPushes: IsePushMark[] = [];
  const [points, numbers, flips, pushes] = await Promise.all([
    historyPoints(stores, tenant, 'hour', from, nowMs),
    matrixVersions(stores, tenant),
    stores.pointer.history(keys.matrixCurrent(tenant)).catch(() => []),
    ise === undefined ? noPushes : ise.recentPushes(tenant).catch(() => noPushes),
  ]);
  const versions = await mapParallel(numbers.slice(-50), (n) =>
    stores.matrix.get(keys.matrixVersion(tenant, n)),
  );
  const marks: [number, string][] = [];
  for (const v of versions)
    if (v !== null && v.value.atMs >= from) marks.push([v.value.atMs, `v${v.value.version}`]);
  for (const f of flips) {
    const at = Date.parse(f.value.at);
    if (at >= from && /rollback/i.test(f.value.reason)) marks.push([at, `live v${f.value.version}`]);
  }
  for (const p of pushes)
    if (p.atMs >= from)
      marks.push([p.atMs, `ISE ${p.stage} v${p.version}${p.failed > 0 ? ` (${p.failed} failed)` : ''}`]);
  return { points, marks: marks.sort((a, b) => a[0] - b[0]) };
}

const ratio = (x: number | null): string => (x === null ? '—' : pct(x));

export function historySection(h: OverviewHistory): Html {
  const data = { points: h.points.map((p) => [p.startMs, p.readiness, p.coverage]), marks: h.marks };
  const last = h.points.at(-1);
  const first = h.points[0];
  const summary =
    last === undefined || first === undefined
      ? 'No history yet: the hourly rollups start with the first traffic.'
      : `${num(h.points.length)} hours from ${when(first.startMs)}: readiness ${ratio(first.readiness)} then ${ratio(last.readiness)}, coverage ${ratio(first.coverage)} then ${ratio(last.coverage)}; ${num(h.marks.length)} approvals, rollbacks or ISE pushes marked.`;
  const table = html`<table><thead><tr><th scope="col">Hour</th><th scope="col" class="n">Readiness</th><th scope="col" class="n">Coverage</th><th scope="col" class="n">Hits</th><th scope="col" class="n">Uncovered hits</th><th scope="col">Live version</th></tr></thead>
<tbody>${h.points.map((p) => html`<tr><td>${when(p.startMs)}</td><td class="n">${ratio(p.readiness)}</td><td class="n">${ratio(p.coverage)}</td><td class="n">${num(p.hits)}</td><td class="n">${num(p.uncoveredHits)}</td><td>v${p.version}</td></tr>`)}</tbody></table>
${h.marks.length === 0 ? '' : html`<ul>${h.marks.map(([at, label]) => html`<li>${when(at)}: ${label}</li>`)}</ul>`}`;
  return html`<section aria-labelledby="trend"><h2 id="trend">Readiness and coverage, last ${SPAN_DAYS} days</h2>
${chart({ id: 'history-chart', kind: ChartKind.History, label: 'Readiness and coverage per hour', summary, data, table })}</section>`;
}

export function uncoveredSection(h: OverviewHistory, names: ReadonlyMap<number, string>): Html {
  const totals = new Map<string, number>();
  for (const p of h.points)
    for (const x of p.pairs)
      if (x.status === 'uncovered')
        totals.set(`${x.sgt}>${x.dgt}`, (totals.get(`${x.sgt}>${x.dgt}`) ?? 0) + x.hits);
  const top = [...totals.entries()].sort((a, b) => b[1] - a[1]).slice(0, TOP_UNCOVERED);
  const label = (k: string): string => {
    const [s, d] = k.split('>').map(Number) as [number, number];
    return `${tagLabel(names, s)} → ${tagLabel(names, d)}`;
  };
  const series = top.map(([k]) => ({
    name: label(k),
    data: h.points.map(
      (p) => p.pairs.find((x) => x.status === 'uncovered' && `${x.sgt}>${x.dgt}` === k)?.hits ?? 0,
    ),
  }));
  const data = { hours: h.points.map((p) => p.startMs), series };
  const summary =
    top.length === 0
      ? 'No uncovered traffic in the rollups.'
      : `The ${top.length} busiest uncovered cells: ${top.map(([k, n]) => `${label(k)} ${num(n)} hits`).join('; ')}.`;
  const table = html`<table><thead><tr><th scope="col">Hour</th>${series.map((s) => html`<th scope="col" class="n">${s.name}</th>`)}</tr></thead>
<tbody>${h.points.map((p, i) => html`<tr><td>${when(p.startMs)}</td>${series.map((s) => html`<td class="n">${num(s.data[i] ?? 0)}</td>`)}</tr>`)}</tbody></table>`;
  return html`<section aria-labelledby="uncovered-trend"><h2 id="uncovered-trend">Busiest uncovered cells, hits per hour</h2>
${top.length === 0 ? html`<p>${summary}</p>` : chart({ id: 'uncovered-chart', kind: ChartKind.Uncovered, label: 'Hits per hour of the busiest uncovered cells', summary, data, table })}</section>`;
}
