/**
 * CSV export, one row per ACE, for spreadsheets and review tools. RFC 4180
 * (CRLF line ends, quoted fields, `""` inside quotes), and any text cell a
 * spreadsheet would read as a formula (`=`, `+`, `-`, `@`, tab, CR first) is
 * defused with a leading `'`, since SGT names and rationales are untrusted.
 */
import { aceText, type PortMatch } from '../ace.ts';
import type { RenderInput } from './input.ts';

/**
 * The columns the product documents, then `source_port` and the full `ace`
 * line, appended so that an ACE with both ports loses nothing while the first
 * thirteen columns keep their places.
 */
export const CSV_COLUMNS = [
  'source_sgt',
  'source_name',
  'destination_sgt',
  'destination_name',
  'contract',
  'action',
  'protocol',
  'port',
  'hits',
  'events',
  'category',
  'source',
  'rationale',
  'source_port',
  'ace',
] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** A port column: the port of a single `eq`, else the clause as written (`range 8000 8080`), else empty. */
const portCell = (port: number | undefined, clause: PortMatch | undefined): number | string | undefined =>
  port ?? (clause === undefined ? undefined : `${clause.op} ${clause.ports.join(' ')}`);

/** One field: defused if it could be a formula, quoted if it holds a quote, comma or line break. */
export function csvField(value: string | number | null | undefined): string {
  if (value === null || value === undefined) return '';
  if (typeof value === 'number') return String(value);
  const text = FORMULA_START.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
}

export function renderCsv(input: RenderInput): string {
  const rows: string[] = [CSV_COLUMNS.join(',')];
  for (const c of input.contracts) {
    for (const a of c.aces) {
      rows.push(
        [
          c.sgt,
          c.sourceName,
          c.dgt,
          c.destinationName,
          c.name,
          a.action,
          a.protocol,
          portCell(a.dstPort, a.dst),
          a.hits,
          a.events,
          a.decision.category,
          a.decision.source,
          a.decision.rationale,
          portCell(a.srcPort, a.src),
          aceText(a),
        ]
          .map(csvField)
          .join(','),
      );
    }
  }
  return `${rows.join('\r\n')}\r\n`;
}
