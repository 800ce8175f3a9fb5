/**
 * Live flows' sparklines: hits per minute of the busiest tag pairs over the
 * last hour, from the history actor's minute rollups; the chart script adds
 * each live delta to its pair's last minute. The numbers as a table too.
 */
import { html } from 'hono/html';
import type { HistoryPoint } from '../../kv-schema/mod.ts';
import { ChartKind, chart } from './charts.ts';
import { type Html, num, tagLabel } from './layout.ts';

export const SPARK_MINUTES = 60;
const PAIRS = 12;
const MINUTE_MS = 60_000;

export function sparkSection(
  points: readonly HistoryPoint[],
  names: ReadonlyMap<number, string>,
  nowMs: number,
): Html {
  const last = Math.floor(nowMs / MINUTE_MS) * MINUTE_MS;
  const first = last - (SPARK_MINUTES - 1) * MINUTE_MS;
  const pairs = new Map<
    string,
    { sgt: number; dgt: number; uncovered: boolean; total: number; data: number[] }
  >();
  for (const p of points) {
    const i = Math.round((p.startMs - first) / MINUTE_MS);
    if (i < 0 || i >= SPARK_MINUTES) continue;
    for (const x of p.pairs) {
      const k = `${x.sgt}>${x.dgt}`;
      const e = pairs.get(k) ?? {
        sgt: x.sgt,
        dgt: x.dgt,
        uncovered: false,
        total: 0,
        data: new Array<number>(SPARK_MINUTES).fill(0),
      };
      e.data[i] = (e.data[i] ?? 0) + x.hits;
      e.total += x.hits;
      e.uncovered ||= x.status === 'uncovered';
      pairs.set(k, e);
    }
  }
  const top = [...pairs.values()].sort((a, b) => b.total - a.total).slice(0, PAIRS);
  const label = (p: { sgt: number; dgt: number }) => `${tagLabel(names, p.sgt)} → ${tagLabel(names, p.dgt)}`;
  const data = {
    pairs: top.map((p) => ({
      sgt: p.sgt,
      dgt: p.dgt,
      label: label(p),
      uncovered: p.uncovered,
      data: p.data,
    })),
  };
  const summary =
    top.length === 0
      ? 'No traffic in the last hour.'
      : `Hits per minute over the last hour of the ${top.length} busiest pairs: ${top.map((p) => `${label(p)} ${num(p.total)}${p.uncovered ? ' (uncovered)' : ''}`).join('; ')}.`;
  const table = html`<table><thead><tr><th scope="col">Pair</th><th scope="col" class="n">Hits, last hour</th><th scope="col" class="n">Busiest minute</th><th scope="col">Uncovered</th></tr></thead>
<tbody>${top.map((p) => html`<tr><td>${label(p)}</td><td class="n">${num(p.total)}</td><td class="n">${num(Math.max(...p.data))}</td><td>${p.uncovered ? 'yes' : 'no'}</td></tr>`)}</tbody></table>`;
  return html`<section aria-labelledby="rates"><h2 id="rates">Rate per pair</h2>
${top.length === 0 ? html`<p>${summary}</p>` : chart({ id: 'flow-sparks', kind: ChartKind.Spark, label: 'Hits per minute per tag pair', summary, data, table })}</section>`;
}
