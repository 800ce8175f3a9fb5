/**
 * A cell diff (domain/matrix-cells.ts) as the dashboard shows it: a grid of
 * the changed cells (rows are source tags, columns destination tags, only
 * tags with a change) coloured by added, changed or removed, each with a
 * letter so colour is never the only cue, and below it every cell as a
 * details/summary with its ACE changes and the observed flows each decides.
 * The list is the grid's text alternative and the grid's cells link to it.
 * Plain HTML: keyboard-usable without a script, the CSP untouched.
 */
import { html } from 'hono/html';
import type { AceLineChange, CellDiff, CoveredFlow, MatrixCellDiff } from '../../domain/matrix-cells.ts';
import { aceLine, type Html, num, tagLabel } from './layout.ts';

/** Beyond this many rows or columns the grid is not drawn; the list below still has every cell. */
const GRID_MAX_TAGS = 80;
/** Up to this many cells, their details start open. */
const OPEN_CELLS = 8;

const MARK = { added: 'A', changed: 'C', removed: 'R' } as const;
const STATUS = { permitted: 'permitted', denied: 'denied', uncovered: 'uncovered' } as const;

type Names = ReadonlyMap<number, string>;

/** `1 flow changes`, `3 flows change`. */
const counted = (n: number, word: string, verb: string): string =>
  `${num(n)} ${word}${n === 1 ? '' : 's'} ${verb}${n === 1 ? 's' : ''}`;

const cellId = (prefix: string, c: { sgt: number; dgt: number }): string => `${prefix}-${c.sgt}-${c.dgt}`;
const pair = (names: Names, c: { sgt: number; dgt: number }): string =>
  `${tagLabel(names, c.sgt)} → ${tagLabel(names, c.dgt)}`;

function lineText(l: AceLineChange): Html {
  if (l.kind === 'added') return html`<ins>+ ${aceLine(l.after!)}</ins>`;
  if (l.kind === 'removed') return html`<del>- ${aceLine(l.before!)}</del>`;
  return html`<del>- ${aceLine(l.before!)}</del><br><ins>+ ${aceLine(l.after!)}</ins>`;
}

function flowItem(f: CoveredFlow): Html {
  const moved = f.before === f.after ? STATUS[f.after] : `${STATUS[f.before]} → ${STATUS[f.after]}`;
  return html`<li><code>${f.flowId}</code> ${num(f.hits)} hits, <span class="s-${f.after}">${moved}</span>${f.service === null ? '' : html` <span class="tag">${f.service}</span>`}</li>`;
}

function lineRow(l: AceLineChange): Html {
  const verb = l.kind === 'removed' ? 'decided before' : 'decides';
  const more = l.flowCount - l.flows.length;
  return html`<tr><td>${l.kind}</td><td><code>${lineText(l)}</code></td><td class="n">${num(l.flowCount)}</td><td class="n">${num(l.hits)}</td>
<td>${l.flowCount === 0 ? html`<span class="muted">no observed flow</span>` : html`<span class="muted">${verb}:</span><ul>${l.flows.map(flowItem)}</ul>${more > 0 ? html`<span class="muted">…and ${num(more)} more</span>` : ''}`}</td></tr>`;
}

function cellDetails(c: CellDiff, names: Names, prefix: string, open: boolean): Html {
  const name =
    c.nameBefore !== null && c.nameAfter !== null && c.nameBefore !== c.nameAfter
      ? `${c.nameAfter} (was ${c.nameBefore})`
      : (c.nameAfter ?? c.nameBefore ?? '');
  const e = c.effect;
  return html`<details id="${cellId(prefix, c)}" class="panel"${open ? ' open' : ''}><summary><span class="tag s-${c.kind}">${MARK[c.kind]} ${c.kind}</span>
${pair(names, c)} <code>${name}</code>: ${num(c.aces.length)} ACE change${c.aces.length === 1 ? '' : 's'}${c.reordered ? ', ACEs reordered' : ''}; ${e.flows === 0 ? 'no observed flow changes status' : `${counted(e.flows, 'flow', 'change')} status (${num(e.hits)} hits)`}</summary>
${
  c.aces.length === 0
    ? html`<p>Only the order of its ACEs changes: the first match decides on the switch.</p>`
    : html`<table><caption class="muted">ACE changes and the observed flows each decides</caption><thead><tr><th scope="col">Change</th><th scope="col">ACE</th>
<th scope="col" class="n">Flows</th><th scope="col" class="n">Hits</th><th scope="col">Flows and how they fare</th></tr></thead><tbody>${c.aces.map(lineRow)}</tbody></table>`
}
${e.flows === 0 ? '' : html`<p>Now permitted ${num(e.nowPermitted)} hits, now denied ${num(e.nowDenied)}, now uncovered ${num(e.nowUncovered)}.</p>`}
</details>`;
}

function grid(d: MatrixCellDiff, names: Names, prefix: string, caption: string): Html {
  if (d.sources.length > GRID_MAX_TAGS || d.destinations.length > GRID_MAX_TAGS)
    return html`<p class="muted">${num(d.sources.length)} × ${num(d.destinations.length)} tags change: too many for a grid; every cell is listed below.</p>`;
  const byKey = new Map(d.cells.map((c) => [`${c.sgt}>${c.dgt}`, c]));
  const rows = d.sources.map(
    (s) =>
      html`<tr><th scope="row">${tagLabel(names, s)}</th>${d.destinations.map((t) => {
        const c = byKey.get(`${s}>${t}`);
        if (c === undefined) return html`<td></td>`;
        const label = `${pair(names, c)}: ${c.kind}, ${c.aces.length} ACE changes, ${c.effect.hits} hits change status`;
        return html`<td class="s-${c.kind}"><a href="#${cellId(prefix, c)}" aria-label="${label}" title="${label}">${MARK[c.kind]}</a></td>`;
      })}</tr>`,
  );
  return html`<div class="scroll"><table class="grid diff" id="${prefix}-grid"><caption>${caption}</caption>
<thead><tr><td></td>${d.destinations.map((t) => html`<th scope="col">${tagLabel(names, t)}</th>`)}</tr></thead><tbody>${rows}</tbody></table></div>`;
}

/**
 * The whole picture. `prefix` keeps element ids apart when a page shows two;
 * `caption` says what the grid compares.
 */
export function cellDiffView(d: MatrixCellDiff, names: Names, prefix: string, caption: string): Html {
  const rule =
    d.defaultRule === null
      ? ''
      : html`<p>Default: <del>${d.defaultRule.before}</del> → <ins>${d.defaultRule.after}</ins></p>`;
  if (d.cells.length === 0)
    return html`${rule}<p id="${prefix}-none">${d.identical ? 'No policy change.' : 'No cell changes.'}</p>`;
  const t = d.totals;
  return html`${rule}<p id="${prefix}-summary">${counted(d.cells.length, 'cell', 'change')}: ${num(t.added)} added, ${num(t.changed)} changed, ${num(t.removed)} removed.
${t.flows === 0 ? 'No observed flow changes status.' : `${counted(t.flows, 'observed flow', 'change')} status (${num(t.hits)} hits): ${num(t.nowPermitted)} hits now permitted, ${num(t.nowDenied)} now denied, ${num(t.nowUncovered)} now uncovered.`}</p>
<ul class="legend" aria-label="Legend"><li><span class="s-added">A</span>added cell</li><li><span class="s-changed">C</span>changed cell</li><li><span class="s-removed">R</span>removed cell</li></ul>
${grid(d, names, prefix, caption)}
<div id="${prefix}-cells">${d.cells.map((c) => cellDetails(c, names, prefix, d.cells.length <= OPEN_CELLS))}</div>`;
}
