/**
 * The matrix page's charts: a heat map of every cell with traffic or a
 * contract (hue by state, strength by hits), and a Sankey of the traffic
 * between tag groups (classes, else name prefixes) with uncovered hits as
 * their own links. Both get their numbers as tables too.
 */
import { html } from 'hono/html';
import { CoverageStatus, coverage } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import type { CoverageFlowRecord } from '../rest/matrix-data.ts';
import { ChartKind, chart, tagGroup } from './charts.ts';
import { type Html, num, tagLabel, tagName } from './layout.ts';

/** State codes the chart script knows: 0 covered, 1 denied, 2 uncovered, 3 a contract with no traffic. */
export const StateCode = { Covered: 0, Denied: 1, Uncovered: 2, Idle: 3 } as const;
export type StateCode = (typeof StateCode)[keyof typeof StateCode];
const STATE_NAME = ['covered', 'denied', 'uncovered', 'contract, no traffic'] as const;

/** How many rows the heat map's table shows (the busiest cells). */
const TABLE_ROWS = 500;

export interface HeatCell {
  sgt: number;
  dgt: number;
  hits: number;
  uncoveredHits: number;
  state: StateCode;
}

/**
 * Every cell with a contract or traffic: its hits, its uncovered hits and its
 * state (uncovered when any of its traffic has no ACE, else what the contract does).
 */
export function heatCells(matrix: Matrix, flows: readonly CoverageFlowRecord[]): HeatCell[] {
  const cells = new Map<string, HeatCell>();
  const at = (sgt: number, dgt: number): HeatCell => {
    const k = `${sgt}>${dgt}`;
    let c = cells.get(k);
    if (c === undefined) {
      c = { sgt, dgt, hits: 0, uncoveredHits: 0, state: StateCode.Idle };
      cells.set(k, c);
    }
    return c;
  };
  const contracted = new Set<string>();
  for (const cell of matrix.cells) {
    contracted.add(`${cell.sgt}>${cell.dgt}`);
    if (!cell.aces.some((a) => a.action === 'permit')) at(cell.sgt, cell.dgt).state = StateCode.Denied;
  }
  // Traffic in a cell without a contract is uncovered: only flows under a contract need their ACEs read.
  const judged: (CoverageFlowRecord & { id: string })[] = [];
  for (const f of flows) {
    const c = at(f.sgt, f.dgt);
    c.hits += f.hits;
    if (contracted.has(`${f.sgt}>${f.dgt}`)) judged.push({ ...f, id: f.flowId });
    else {
      c.uncoveredHits += f.hits;
      c.state = StateCode.Uncovered;
    }
  }
  for (const x of coverage(matrix, judged)) {
    if (x.status !== CoverageStatus.Uncovered) continue;
    const c = at(x.sgt, x.dgt);
    c.uncoveredHits += x.hits;
    c.state = StateCode.Uncovered;
  }
  for (const c of cells.values()) if (c.state === StateCode.Idle && c.hits > 0) c.state = StateCode.Covered;
  return [...cells.values()];
}

/** Each tag's group, worked out once per tag: a page of 20,000 cells asks for 500 tags 40,000 times. */
export function tagGroups(names: ReadonlyMap<number, string>): (tag: number) => string {
  const memo = new Map<number, string>();
  return (tag) => {
    let g = memo.get(tag);
    if (g === undefined) {
      g = tagGroup(tag, names.get(tag));
      memo.set(tag, g);
    }
    return g;
  };
}

const CONTROLS = html`<div class="controls" role="group" aria-label="Heat map filters">
<label for="matrix-search">Search tags</label><input type="text" id="matrix-search" placeholder="name or number">
<label for="matrix-state">State</label><select id="matrix-state"><option value="">all</option><option value="0">covered</option>
<option value="1">denied</option><option value="2">uncovered</option><option value="3">contract, no traffic</option></select>
<label><input type="checkbox" id="matrix-collapse"> Collapse by tag class</label>
<span id="matrix-shown" class="muted" role="status"></span></div>`;

export function heatmapSection(
  cells: HeatCell[],
  tags: number[],
  names: ReadonlyMap<number, string>,
  groupOf: (tag: number) => string = tagGroups(names),
): Html {
  const index = new Map(tags.map((t, i) => [t, i]));
  const tagGroup = tags.map(groupOf);
  const groups = [...new Set(tagGroup)].sort();
  const gi = new Map(groups.map((g, i) => [g, i]));
  // Flat, four numbers a cell (source index, destination index, hits, state): a fifth less JSON than a list of lists.
  const flat: number[] = new Array(cells.length * 4);
  cells.forEach((c, i) => {
    flat[i * 4] = index.get(c.sgt) ?? -1;
    flat[i * 4 + 1] = index.get(c.dgt) ?? -1;
    flat[i * 4 + 2] = c.hits;
    flat[i * 4 + 3] = c.state;
  });
  const data = {
    tags,
    names: tags.map((t) => tagName(names, t)),
    group: tagGroup.map((g) => gi.get(g)),
    groups,
    cells: flat,
  };
  const busiest = [...cells].sort((a, b) => b.hits - a.hits).slice(0, TABLE_ROWS);
  const counts = [0, 0, 0, 0];
  for (const c of cells) counts[c.state] = (counts[c.state] ?? 0) + 1;
  const summary = `${num(cells.length)} cells over ${num(tags.length)} tags: ${num(counts[0] ?? 0)} covered, ${num(counts[1] ?? 0)} denied, ${num(counts[2] ?? 0)} uncovered, ${num(counts[3] ?? 0)} with a contract but no traffic. Colour says the state, its strength the hits (log scale).`;
  const table = html`<table><caption class="muted">The ${num(busiest.length)} busiest of ${num(cells.length)} cells</caption>
<thead><tr><th scope="col">Source</th><th scope="col">Destination</th><th scope="col">State</th><th scope="col" class="n">Hits</th></tr></thead>
<tbody>${busiest.map((c) => html`<tr><td>${tagLabel(names, c.sgt)}</td><td>${tagLabel(names, c.dgt)}</td><td><a href="/ui/matrix/cell/${c.sgt}/${c.dgt}">${STATE_NAME[c.state]}</a></td><td class="n">${num(c.hits)}</td></tr>`)}</tbody></table>`;
  return html`<section aria-labelledby="heat"><h2 id="heat">Heat map</h2>${CONTROLS}
${chart({ id: 'matrix-heat', kind: ChartKind.Heatmap, label: 'Matrix heat map: rows source, columns destination', summary, data, table, tall: true })}</section>`;
}

export function sankeySection(
  cells: HeatCell[],
  names: ReadonlyMap<number, string>,
  groupOf: (tag: number) => string = tagGroups(names),
): Html {
  const links = new Map<string, { from: string; to: string; other: number; uncovered: number }>();
  for (const c of cells) {
    if (c.hits === 0) continue;
    const from = groupOf(c.sgt);
    const to = groupOf(c.dgt);
    const l = links.get(`${from}>${to}`) ?? { from, to, other: 0, uncovered: 0 };
    l.other += c.hits - c.uncoveredHits;
    l.uncovered += c.uncoveredHits;
    links.set(`${from}>${to}`, l);
  }
  const list = [...links.values()].sort((a, b) => b.other + b.uncovered - (a.other + a.uncovered));
  const groups = [...new Set(list.flatMap((l) => [l.from, l.to]))].sort();
  const gi = new Map(groups.map((g, i) => [g, i]));
  const data = { groups, links: list.map((l) => [gi.get(l.from), gi.get(l.to), l.other, l.uncovered]) };
  const uncovered = list.reduce((s, l) => s + l.uncovered, 0);
  const total = list.reduce((s, l) => s + l.other + l.uncovered, 0);
  const top = list.find((l) => l.uncovered > 0);
  const summary = `${num(list.length)} group pairs carry ${num(total)} hits, ${num(uncovered)} of them uncovered (highlighted)${top === undefined ? '' : `; the busiest pair with uncovered traffic is ${top.from} to ${top.to}`}.`;
  const table = html`<table><thead><tr><th scope="col">From</th><th scope="col">To</th><th scope="col" class="n">Covered or denied hits</th><th scope="col" class="n">Uncovered hits</th></tr></thead>
<tbody>${list.map((l) => html`<tr><td>${l.from}</td><td>${l.to}</td><td class="n">${num(l.other)}</td><td class="n${l.uncovered > 0 ? ' s-uncovered' : ''}">${num(l.uncovered)}</td></tr>`)}</tbody></table>`;
  return html`<section aria-labelledby="between"><h2 id="between">Traffic between tag classes</h2>
${list.length === 0 ? html`<p>No traffic seen yet.</p>` : chart({ id: 'class-sankey', kind: ChartKind.Sankey, label: 'Traffic between tag classes', summary, data, table, tall: true })}</section>`;
}
