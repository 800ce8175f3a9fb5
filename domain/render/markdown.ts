/**
 * Markdown report of an analysis: summary, the matrix as a table, each
 * contract's ACEs with their evidence, and the `deny ip` default the whole
 * proposal works towards. A stored matrix version (`input.matrix`) states its
 * own default and the inventory's figures instead. SGT names, switch SGACL names and rationales come
 * from logs, operators or a model: every one goes through `mdText` so it
 * cannot end a table cell, start a heading or inject HTML.
 */
import { aceText } from '../ace.ts';
import { sgtDisplayName } from '../contract-names.ts';
import { indexClassifications } from '../contracts.ts';
import type { DefaultRule } from '../matrix.ts';
import { categoryAction } from '../types.ts';
import { count, DEFAULT_TITLE, iso, type MatrixFacts, type RenderInput, type Tally } from './input.ts';

const MAX_TEXT = 300;

/** Untrusted text as inline Markdown: one line, capped, punctuation that means something escaped. */
export function mdText(raw: string, max = MAX_TEXT): string {
  let text = raw.replace(/[\p{Cc}\u2028\u2029]+/gu, ' ').trim();
  if (text.length > max) text = `${text.slice(0, max - 1)}…`;
  return text.replace(/[\\`*_[\]<>|#~!&]/g, (c) => `\\${c}`);
}

/** Only for text this product generated (ACE lines, sanitised names): no backticks inside. */
const code = (s: string): string => `\`${s}\``;

const row = (cells: readonly string[]): string => `| ${cells.join(' | ')} |`;
const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** A stored version: its own default, and the inventory's traffic read against it. */
function matrixSummary(input: RenderInput, m: MatrixFacts): string[] {
  const aces = input.contracts.flatMap((c) => c.aces);
  const denyAces = aces.filter((a) => a.action === 'deny').length;
  const inv = m.inventory;
  const tally = (t: Tally) => `${plural(t.flows, 'flow')} (${plural(t.hits, 'hit')})`;
  return [
    '## Summary',
    '',
    `- **Version:** ${count(m.version)}, ` +
      (m.live ? 'the live one.' : `not live (version ${count(m.liveVersion)} is).`),
    `- **Default rule:** ${code(m.defaultRule)}: ${defaultMeaning(m.defaultRule)}`,
    `- **Observed traffic (inventory):** ${plural(inv.flows, 'flow')}, ${plural(inv.hits, 'hit')}, ` +
      `${plural(inv.events, 'SGACLHIT event')}: ${tally(inv.permitted)} permitted by a contract, ` +
      `${tally(inv.denied)} denied by one, ${tally(inv.uncovered)} matched by none and left to the default.`,
    `- **Contracts:** ${plural(input.contracts.length, 'cell')}, ${plural(aces.length, 'ACE')} ` +
      `(${count(aces.length - denyAces)} permit, ${count(denyAces)} deny).`,
  ];
}

const defaultMeaning = (rule: DefaultRule): string =>
  rule === 'deny ip'
    ? 'traffic no contract permits is dropped.'
    : 'traffic no contract matches is permitted; the matrix is still on its way to `deny ip`.';

function summary(input: RenderInput): string[] {
  if (input.matrix !== undefined) return matrixSummary(input, input.matrix);
  const { stats, flows, contracts } = input;
  const picked = indexClassifications(input.classifications);
  let permit = 0;
  let deny = 0;
  let unclassified = 0;
  for (const f of flows) {
    const p = picked.get(f.id);
    if (p === undefined) unclassified++;
    else if (categoryAction(p.classification.category) === 'permit') permit++;
    else deny++;
  }
  const aces = contracts.flatMap((c) => c.aces);
  const denyAces = aces.filter((a) => a.action === 'deny').length;
  const conflicts = aces.filter((a) => a.conflict).length;
  const tags = new Set(flows.flatMap((f) => [f.sgt, f.dgt]));
  return [
    '## Summary',
    '',
    `- **Input:** ${plural(stats.linesRead, 'line')} read, ${plural(stats.events, 'SGACLHIT event')}, ` +
      `${plural(stats.hits, 'hit')}; ${count(stats.notSgaclHit)} other syslog, ` +
      `${count(stats.rejectedTotal)} rejected, ${count(stats.outsideWindow)} outside the window.`,
    `- **Flows:** ${count(flows.length)} between ${plural(tags.size, 'SGT')}: ${count(permit)} to permit, ` +
      `${count(deny)} to deny, ${count(unclassified)} unclassified (left to the default rule).`,
    `- **Contracts:** ${plural(contracts.length, 'cell')}, ${plural(aces.length, 'ACE')} ` +
      `(${count(aces.length - denyAces)} permit, ${count(denyAces)} deny; ` +
      `${plural(conflicts, 'permit/deny conflict')} resolved to deny).`,
    `- **Default rule:** ${code('deny ip')}: anything no contract permits is dropped.`,
  ];
}

const tagLabel = (tag: number, input: RenderInput): string =>
  `${mdText(sgtDisplayName(tag, input.sgtNames), 64)} (${tag})`;

function matrixTable(input: RenderInput): string[] {
  const sources = new Set<number>();
  const destinations = new Set<number>();
  const withFlows = new Set<string>();
  for (const f of input.flows) {
    sources.add(f.sgt);
    destinations.add(f.dgt);
    withFlows.add(`${f.sgt}>${f.dgt}`);
  }
  for (const c of input.contracts) {
    sources.add(c.sgt);
    destinations.add(c.dgt);
  }
  const byCell = new Map(input.contracts.map((c) => [`${c.sgt}>${c.dgt}`, c]));
  const cols = [...destinations].sort((a, b) => a - b);
  const lines = [
    '## Matrix',
    '',
    'Rows are source SGTs, columns destination SGTs. A cell without a contract falls to the default rule.',
    '',
    row(['Source ↓ · Destination →', ...cols.map((t) => tagLabel(t, input))]),
    row(['---', ...cols.map(() => '---')]),
  ];
  for (const src of [...sources].sort((a, b) => a - b)) {
    const cells = cols.map((dst) => {
      const c = byCell.get(`${src}>${dst}`);
      if (c !== undefined) return `${code(c.name)} (${plural(c.aces.length, 'ACE')})`;
      return withFlows.has(`${src}>${dst}`) ? 'unclassified' : '·';
    });
    lines.push(row([`**${tagLabel(src, input)}**`, ...cells]));
  }
  return lines;
}

function contractSections(input: RenderInput): string[] {
  const flowsById = new Map(input.flows.map((f) => [f.id, f]));
  const lines = ['## Contracts'];
  for (const c of input.contracts) {
    // A stored version's figures are the inventory flows its ACEs decide (matrix-input.ts).
    const flowCount =
      input.matrix === undefined
        ? Object.values(c.classification).reduce((n, s) => n + s.flows, 0)
        : new Set(c.aces.flatMap((a) => a.flowIds)).size;
    lines.push(
      '',
      `### ${code(c.name)}`,
      '',
      `From **${mdText(c.sourceName, 64)}** (${c.sgt}) to **${mdText(c.destinationName, 64)}** (${c.dgt}): ` +
        `${plural(c.aces.length, 'ACE')}, ${plural(c.hits, 'hit')} in ${plural(flowCount, 'flow')}` +
        (c.classification.unclassified.flows > 0
          ? `, of which ${count(c.classification.unclassified.flows)} unclassified.`
          : '.'),
      '',
      row(['#', 'ACE', 'Hits', 'Events', 'Category', 'Source', 'Rationale', 'Switch SGACLs']),
      row(['--:', '---', '--:', '--:', '---', '---', '---', '---']),
    );
    c.aces.forEach((a, i) => {
      const sgacls = [...new Set(a.flowIds.flatMap((id) => flowsById.get(id)?.sgaclNames ?? []))].slice(0, 3);
      const rationale =
        mdText(a.decision.rationale) + (a.conflict ? ' *(permit/deny conflict: deny wins)*' : '');
      lines.push(
        row([
          String(i + 1),
          code(aceText(a)),
          count(a.hits),
          count(a.events),
          a.decision.category,
          a.decision.source,
          rationale,
          sgacls.map((s) => mdText(s, 64)).join(', '),
        ]),
      );
    });
  }
  return lines;
}

function defaultSection(m: MatrixFacts): string[] {
  return [
    '',
    '## Default rule',
    '',
    code(m.defaultRule),
    '',
    m.defaultRule === 'deny ip'
      ? 'Traffic between SGTs flows only where a contract permits it.'
      : 'This is the default switches apply to traffic no contract matches: it is permitted. The goal is a ' +
        '`deny ip` default; readiness says how much of the observed traffic would survive that flip.',
    '',
  ];
}

export function renderMarkdown(input: RenderInput): string {
  const lines = [`# ${mdText(input.title ?? DEFAULT_TITLE, 120)}`, ''];
  if (input.generatedAtMs !== undefined) lines.push(`Generated ${iso(input.generatedAtMs)}.`, '');
  lines.push(...summary(input), '', ...matrixTable(input), '', ...contractSections(input));
  if (input.matrix !== undefined) return [...lines, ...defaultSection(input.matrix)].join('\n');
  lines.push(
    '',
    '## Default rule',
    '',
    code('deny ip'),
    '',
    'The goal of this proposal is a matrix whose default is `deny ip`: traffic between SGTs flows only where ' +
      'a contract permits it. Apply the contracts in monitor mode first, check that the logs show no ' +
      'legitimate traffic falling to the default, and only then flip the default.',
    '',
  );
  return lines.join('\n');
}
