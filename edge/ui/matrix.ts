/**
 * Matrix `/ui/matrix`: the live matrix as an SGT × SGT grid (rows source,
 * columns destination), each cell permit, deny or uncovered (traffic in the
 * inventory that no ACE matches), told by a letter as well as a colour,
 * under a heat map of the same cells (search, filter, collapse by class) and
 * a Sankey of the traffic between tag classes (matrix-charts.ts).
 * `/ui/matrix/cell/{sgt}/{dgt}` shows one cell's contract and its evidence.
 */
import { Hono } from 'hono';
import { html } from 'hono/html';
import { CoverageStatus, coverage } from '../../domain/coverage.ts';
import type { Matrix } from '../../domain/matrix.ts';
import type { ApiDeps } from '../rest/deps.ts';
import {
  type CoverageFlowRecord,
  inventory,
  type LiveMatrix,
  liveMatrix,
  stampedInventory,
} from '../rest/matrix-data.ts';
import { allProposals, OPEN_STATUSES, sgtNames } from './data.ts';
import { aceLine, errorPage, flowService, type Html, num, page, tagLabel, tagName, when } from './layout.ts';
import { heatCells, heatmapSection, type StateCode, sankeySection, tagGroups } from './matrix-charts.ts';
import { PartCache } from './part-cache.ts';
import type { UiEnv } from './session.ts';

type CellState = 'permit' | 'deny' | 'uncovered' | 'empty';
const LETTER: Record<CellState, string> = { permit: 'P', deny: 'D', uncovered: 'U', empty: '' };
const pairKey = (s: number, d: number): string => `${s}>${d}`;
/** The heat map's state codes as the grid's letters (a contract without traffic shows what it does). */
const GRID_STATE: Record<StateCode, CellState> = { 0: 'permit', 1: 'deny', 2: 'uncovered', 3: 'permit' };
/** Above this many tags the page shows no letter grid (the heat map and its table stand in). */
const GRID_MAX = 60;

/** Per cell: uncovered when any of its traffic has no ACE, else what its contract does. */
export function cellStates(matrix: Matrix, flows: readonly CoverageFlowRecord[]): Map<string, CellState> {
  const states = new Map<string, CellState>();
  for (const cell of matrix.cells)
    states.set(pairKey(cell.sgt, cell.dgt), cell.aces.some((a) => a.action === 'permit') ? 'permit' : 'deny');
  for (const c of coverage(
    matrix,
    flows.map((f) => ({ ...f, id: f.flowId })),
  )) {
    if (c.status === CoverageStatus.Uncovered) states.set(pairKey(c.sgt, c.dgt), 'uncovered');
  }
  return states;
}

const LEGEND = html`<ul class="legend" aria-label="Legend">
<li><span class="s-permit">P</span>permit: the contract permits (some of) this traffic</li>
<li><span class="s-deny">D</span>deny: the contract only denies</li>
<li><span class="s-uncovered">U</span>uncovered: traffic seen that no ACE matches (a deny ip default drops it)</li>
<li><span>&nbsp;</span>no contract, no traffic</li></ul>`;

function grid(tags: number[], states: Map<string, CellState>, names: ReadonlyMap<number, string>): Html {
  const head = tags.map(
    (t) =>
      html`<th scope="col" title="${tagLabel(names, t)}">${tagName(names, t)}<br><span class="muted">${t}</span></th>`,
  );
  const rows = tags.map((s) => {
    const cells = tags.map((d) => {
      const state = states.get(pairKey(s, d)) ?? 'empty';
      const label = `${tagLabel(names, s)} to ${tagLabel(names, d)}: ${state === 'empty' ? 'no contract' : state}`;
      return state === 'empty'
        ? html`<td><span title="${label}"><span class="muted" aria-hidden="true">·</span></span></td>`
        : html`<td class="s-${state}"><a href="/ui/matrix/cell/${s}/${d}" title="${label}" aria-label="${label}">${LETTER[state]}</a></td>`;
    });
    return html`<tr><th scope="row">${tagName(names, s)} <span class="muted">${s}</span></th>${cells}</tr>`;
  });
  return html`<div class="scroll"><table class="grid"><caption class="muted">Rows: source SGT · columns: destination SGT</caption>
<thead><tr><th scope="col">source \\ destination</th>${head}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/** The page's body: the counts, the heat map, the Sankey and (up to GRID_MAX tags) the grid of letters. */
function matrixBody(live: LiveMatrix, flows: CoverageFlowRecord[], names: ReadonlyMap<number, string>): Html {
  const groupOf = tagGroups(names);
  const heat = heatCells(live.matrix, flows);
  const states = new Map<string, CellState>(heat.map((h) => [pairKey(h.sgt, h.dgt), GRID_STATE[h.state]]));
  const tags = new Set<number>(names.keys());
  for (const h of heat) tags.add(h.sgt).add(h.dgt);
  const sorted = [...tags].sort((a, b) => a - b);
  const counts = { permit: 0, deny: 0, uncovered: 0 };
  for (const s of states.values()) if (s !== 'empty') counts[s]++;
  return html`<p>Live matrix: ${live.version === 0 ? 'none approved yet (empty)' : html`<a href="/ui/versions/${live.version}">version ${live.version}</a>`}, default <code>${live.matrix.defaultRule}</code>.
${num(counts.permit)} permit, ${num(counts.deny)} deny, ${num(counts.uncovered)} uncovered cells.</p>
${
  sorted.length === 0
    ? html`<p>No SGTs named and no traffic seen yet.</p>`
    : html`${heatmapSection(heat, sorted, names, groupOf)}${sankeySection(heat, names, groupOf)}
<section aria-labelledby="grid"><h2 id="grid">Grid</h2>${LEGEND}
${sorted.length <= GRID_MAX ? grid(sorted, states, names) : html`<p>${num(sorted.length)} tags are too many for a grid of letters: the heat map's table lists the busiest cells, each a link.</p>`}</section>`
}`;
}

/** The matrix page's body of each large tenant, kept until its matrix, inventory or names change. */
const drawn = new PartCache();

export function matrixRoutes(deps: ApiDeps): Hono<UiEnv> {
  const app = new Hono<UiEnv>();
  app.get('/', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const [live, inv, names] = await Promise.all([
      liveMatrix(deps.stores, tenant),
      stampedInventory(deps.stores, tenant),
      sgtNames(deps.stores, tenant),
    ]);
    // A version never changes once written, and the stamp moves with every flow written or deleted.
    const key = inv.stamp === null ? null : `${live.version}\n${inv.stamp}\n${[...names].join('\n')}`;
    const body = await drawn.get(deps.stores, tenant, key, () => matrixBody(live, inv.flows, names));
    return page(c, { title: 'Matrix', active: '/ui/matrix', principal, charts: true }, body);
  });

  app.get('/cell/:sgt/:dgt', async (c) => {
    const principal = c.get('principal');
    const tenant = principal.tenant;
    const [sgt, dgt] = [c.req.param('sgt'), c.req.param('dgt')].map(Number) as [number, number];
    if (![sgt, dgt].every((t) => Number.isInteger(t) && t >= 0 && t <= 65535))
      return errorPage(c, 404, 'Not found', 'An SGT is a whole number 0–65535.', principal);
    const prefix = `${sgt}-${dgt}-`;
    const [live, flows, names, proposals] = await Promise.all([
      liveMatrix(deps.stores, tenant),
      inventory(deps.stores, tenant, (id) => id.startsWith(prefix)),
      sgtNames(deps.stores, tenant),
      allProposals(deps.stores, tenant),
    ]);
    const cell = live.matrix.cells.find((x) => x.sgt === sgt && x.dgt === dgt);
    const status = new Map(
      coverage(
        live.matrix,
        flows.map((f) => ({ ...f, id: f.flowId })),
      ).map((x) => [x.flowId, x]),
    );
    const open = proposals.filter((p) => p.sgt === sgt && p.dgt === dgt && OPEN_STATUSES.includes(p.status));
    const contract =
      cell === undefined
        ? html`<p>No contract: only the default (<code>${live.matrix.defaultRule}</code>) decides this cell.</p>`
        : html`<p>SGACL <code>${cell.name}</code></p><pre>${cell.aces.map((a) => `${aceLine(a)}\n`)}</pre>`;
    const rows = flows
      .sort((a, b) => b.hits - a.hits)
      .map((f) => {
        const st = status.get(f.flowId)?.status ?? 'uncovered';
        return html`<tr><td><code>${flowService(f)}</code></td><td class="s-${st}">${st}</td>
<td class="n">${num(f.hits)}</td><td class="n">${num(f.events)}</td><td>${when(f.firstSeenMs)}</td><td>${when(f.lastSeenMs)}</td>
<td class="n">${num(f.days.length)}</td><td class="mono">${f.srcSamples.slice(0, 3).join(' ')}</td><td class="mono">${f.dstSamples.slice(0, 3).join(' ')}</td></tr>`;
      });
    const body = html`<p><a href="/ui/matrix">← Matrix</a></p>
<h2>Contract</h2>${contract}
<h2>Evidence</h2>
${
  rows.length === 0
    ? html`<p>No traffic seen in this cell.</p>`
    : html`<table><thead><tr><th scope="col">Service</th><th scope="col">Status</th><th scope="col" class="n">Hits</th><th scope="col" class="n">Events</th>
<th scope="col">First seen</th><th scope="col">Last seen</th><th scope="col" class="n">Days</th><th scope="col">Sources</th><th scope="col">Destinations</th></tr></thead><tbody>${rows}</tbody></table>`
}
<h2>Open proposals</h2>
${open.length === 0 ? html`<p>None.</p>` : html`<ul>${open.map((p) => html`<li><a href="/ui/proposals/${p.id}">${p.id}</a> (${p.status})</li>`)}</ul>`}`;
    return page(
      c,
      { title: `${tagLabel(names, sgt)} → ${tagLabel(names, dgt)}`, active: '/ui/matrix', principal },
      body,
    );
  });
  return app;
}
