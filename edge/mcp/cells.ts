/**
 * A cell diff (GET /matrix/versions/{n}/diff, GET /proposals/{id}/preview)
 * as short markdown for a model: per changed cell its kind, its ACE lines and
 * the observed flows each decides, with how they fare. Contract names come
 * from people or imports: escaped like every other untrusted string.
 */
import { type Ace, aceText } from '../../domain/ace.ts';
import type { AceLineChange, CellDiff, MatrixCellDiff } from '../../domain/matrix-cells.ts';
import { namedPair, type SgtNames } from './names.ts';
import { num, text } from './render.ts';

/** Cells and flows written out; the structured result has them all. */
const MAX_CELLS = 40;
const MAX_FLOWS = 5;

const SIGN = { added: '+', changed: '~', removed: '-' } as const;

/** `1 flow`, `3 flows`. */
const plural = (n: number, word: string): string => `${num(n)} ${word}${n === 1 ? '' : 's'}`;
const MARK = { added: 'A', changed: 'C', removed: 'R' } as const;

function line(l: AceLineChange): string {
  const ace =
    l.kind === 'changed'
      ? `\`${aceText(l.before as Ace)}\` → \`${aceText(l.after as Ace)}\``
      : `\`${aceText((l.after ?? l.before) as Ace)}\``;
  const flows = l.flows
    .slice(0, MAX_FLOWS)
    .map((f) => `${f.flowId} ${num(f.hits)} ${f.before === f.after ? f.after : `${f.before}→${f.after}`}`);
  const more = l.flowCount - flows.length;
  const decides = l.kind === 'removed' ? 'decided' : 'decides';
  return (
    `  ${SIGN[l.kind]} ${ace}: ${decides} ${plural(l.flowCount, 'flow')}, ${num(l.hits)} hits` +
    (flows.length === 0 ? '' : ` (${flows.join('; ')}${more > 0 ? `; …${num(more)} more` : ''})`)
  );
}

function cell(c: CellDiff, names: SgtNames): string {
  const name = text(c.nameAfter ?? c.nameBefore ?? '', 64);
  const head = `[${MARK[c.kind]}] ${c.kind} ${namedPair(c.sgt, c.dgt, names)} (${name})${c.reordered ? ', ACEs reordered' : ''}`;
  return [head, ...c.aces.map(line)].join('\n');
}

export function cellDiffText(d: MatrixCellDiff, names: SgtNames): string {
  const rule = d.defaultRule ? [`Default: \`${d.defaultRule.before}\` → \`${d.defaultRule.after}\``] : [];
  if (d.cells.length === 0)
    return [...rule, d.identical ? 'No policy change.' : 'No cell changes.'].join('\n');
  const t = d.totals;
  const lines = [
    ...rule,
    `${plural(d.cells.length, 'cell')} change${d.cells.length === 1 ? 's' : ''} (${num(t.added)} added, ${num(t.changed)} changed, ${num(t.removed)} removed); ` +
      `${plural(t.flows, 'observed flow')} (${num(t.hits)} hits) change${t.flows === 1 ? 's' : ''} status: ${num(t.nowPermitted)} hits now permitted, ` +
      `${num(t.nowDenied)} now denied, ${num(t.nowUncovered)} now uncovered.`,
    ...d.cells.slice(0, MAX_CELLS).map((c) => cell(c, names)),
  ];
  if (d.cells.length > MAX_CELLS)
    lines.push(`…and ${num(d.cells.length - MAX_CELLS)} more cells in the structured result.`);
  return lines.join('\n');
}
