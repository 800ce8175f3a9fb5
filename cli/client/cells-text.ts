/**
 * A cell diff (`GET /api/v1/matrix/versions/{n}/diff`, `GET
 * /api/v1/proposals/{id}/preview`) for a terminal: a summary line, a small
 * grid of the changed cells (A added, C changed, R removed: letters, since a
 * terminal may have no colour), then each cell with its ACE changes and the
 * observed flows each decides. Reads the answer defensively, like every
 * client renderer.
 */
import { ace, cell, isRecord, listOf, num, pair, type SgtNames, table, tagName } from './output.ts';

/** Wider than this, the grid is left out; the list below has every cell. */
const GRID_MAX_COLUMNS = 12;
const MARK: Record<string, string> = { added: 'A', changed: 'C', removed: 'R' };
const SIGN: Record<string, string> = { added: '+', changed: '~', removed: '-' };

const rec = (x: unknown): Record<string, unknown> => (isRecord(x) ? x : {});
const tags = (x: unknown): number[] => (Array.isArray(x) ? x.filter((t) => typeof t === 'number') : []);
const plural = (n: unknown, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;

/** `1 cell changes`, `2 cells change`. */
const changes = (n: unknown, word: string): string => `${plural(n, word)} change${n === 1 ? 's' : ''}`;

function summary(d: Record<string, unknown>, cells: number): string {
  const t = rec(d.totals);
  const moved =
    t.flows === 0
      ? 'no observed flow changes status'
      : `${changes(t.flows, 'observed flow')} status (${num(t.hits)} hits): ` +
        `${num(t.nowPermitted)} hits now permitted, ${num(t.nowDenied)} now denied, ${num(t.nowUncovered)} now uncovered`;
  return `${changes(cells, 'cell')}: ${num(t.added)} added, ${num(t.changed)} changed, ${num(t.removed)} removed; ${moved}`;
}

function grid(d: Record<string, unknown>, cells: Record<string, unknown>[], names: SgtNames): string | null {
  const sources = tags(d.sources);
  const destinations = tags(d.destinations);
  if (destinations.length === 0 || destinations.length > GRID_MAX_COLUMNS) return null;
  const kind = new Map(cells.map((c) => [`${c.sgt}>${c.dgt}`, MARK[String(c.kind)] ?? '?']));
  return `${table(
    ['SGT ↓ DGT →', ...destinations.map((t) => tagName(t, names))],
    sources.map((s) => [tagName(s, names), ...destinations.map((t) => kind.get(`${s}>${t}`) ?? '.')]),
  )}\n(A added, C changed, R removed, . unchanged)`;
}

function line(l: Record<string, unknown>): string[] {
  const kind = String(l.kind);
  const text =
    kind === 'changed' ? `${ace(rec(l.before))} → ${ace(rec(l.after))}` : ace(rec(l.after ?? l.before));
  const verb = kind === 'removed' ? 'decided' : 'decides';
  const flows = listOf(l.flows);
  const more = typeof l.flowCount === 'number' ? l.flowCount - flows.length : 0;
  return [
    `  ${SIGN[kind] ?? '?'} ${text}: ${verb} ${plural(l.flowCount, 'flow')}, ${num(l.hits)} hits`,
    ...flows.map((f) => {
      const fare = f.before === f.after ? String(f.after) : `${String(f.before)} → ${String(f.after)}`;
      return `      ${cell(f.flowId)}  ${num(f.hits)} hits  ${fare}${typeof f.service === 'string' ? `  (${f.service})` : ''}`;
    }),
    ...(more > 0 ? [`      …and ${num(more)} more`] : []),
  ];
}

function cellBlock(c: Record<string, unknown>, names: SgtNames): string {
  const before = typeof c.nameBefore === 'string' ? c.nameBefore : null;
  const after = typeof c.nameAfter === 'string' ? c.nameAfter : null;
  const name =
    before !== null && after !== null && before !== after ? `${after} (was ${before})` : (after ?? before);
  const aces = listOf(c.aces);
  return [
    `${MARK[String(c.kind)] ?? '?'} ${String(c.kind)}  ${pair(c.sgt, c.dgt, names)}  ${cell(name ?? '-')}${c.reordered === true ? '  (ACEs reordered)' : ''}`,
    ...(aces.length === 0 ? ['  only the order of its ACEs changes'] : aces.flatMap(line)),
  ].join('\n');
}

/** The cell diff under `header`; `header: no differences` when nothing changes. */
export function cellDiffText(body: unknown, header: string, names: SgtNames = new Map()): string {
  const d = rec(body);
  const rule = rec(d.defaultRule);
  const parts = [header];
  if (rule.before !== undefined) parts.push(`default rule: ${String(rule.before)} → ${String(rule.after)}`);
  const cells = listOf(d.cells);
  if (cells.length === 0) return parts.length === 1 ? `${header}: no differences` : parts.join('\n\n');
  parts.push(summary(d, cells.length));
  const drawn = grid(d, cells, names);
  if (drawn !== null) parts.push(drawn);
  parts.push(...cells.map((c) => cellBlock(c, names)));
  return parts.join('\n\n');
}
