/**
 * Chart markup shared by dashboard pages: a chart's data travels as a JSON
 * data island (`<script type="application/json">`, never executed, so the
 * CSP allows it) that the chart script reads; the chart itself is a `div`
 * the script fills, labelled, with a text summary and a table next to it for
 * screen readers and for anyone without scripts.
 */
import { html, raw } from 'hono/html';
import { profileOf } from '../../domain/classify/classes.ts';
import type { Html } from './layout.ts';

/** JSON safe inside a `<script>` element: no `<`, `>` or `&` can end it or start markup. */
export function jsonForScript(value: unknown): string {
  return JSON.stringify(value).replace(
    /[<>&\u2028\u2029]/g,
    (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}

/** The island the chart script reads by id. */
export const dataIsland = (id: string, value: unknown): Html =>
  html`<script type="application/json" id="${id}">${raw(jsonForScript(value))}</script>`;

export const ChartKind = {
  History: 'history',
  Uncovered: 'uncovered',
  Heatmap: 'heatmap',
  Sankey: 'sankey',
  Spark: 'spark',
} as const;
export type ChartKind = (typeof ChartKind)[keyof typeof ChartKind];

/**
 * A chart: the drawing (an image to assistive technology, described by its
 * summary) and, under it, the same numbers as a table in a `<details>`.
 */
export function chart(o: {
  id: string;
  kind: ChartKind;
  label: string;
  summary: Html | string;
  data: unknown;
  table: Html;
  tall?: boolean;
}): Html {
  return html`<div class="chart${o.tall ? ' tall' : ''}" id="${o.id}" data-chart="${o.kind}" data-src="${o.id}-data" role="img" aria-label="${o.label}" aria-describedby="${o.id}-summary"></div>
<p id="${o.id}-summary" class="muted">${o.summary}</p>
${dataIsland(`${o.id}-data`, o.data)}
<details><summary>${o.label}: as a table</summary>${o.table}</details>`;
}

/**
 * The group a tag collapses into: its class when the name (or tag 0) says
 * one, else the name's prefix before `_`, `-` or a space, else a range of
 * a hundred tag numbers.
 */
export function tagGroup(tag: number, name: string | undefined): string {
  const p = profileOf(tag, name);
  if (p.source !== 'none' && p.cls !== 'unknown') return p.cls;
  if (tag === 0) return 'unknown';
  const prefix = name?.split(/[-_ ]/)[0];
  if (prefix !== undefined && prefix !== '' && name !== undefined) return prefix.toLowerCase();
  const from = Math.floor(tag / 100) * 100;
  return `SGT ${from}–${from + 99}`;
}
