/**
 * Short markdown for tool results. Anything that came from logs, switches,
 * people or a model (SGT and SGACL names, reasons, rationales) goes through
 * `text()`, the renderers' escaping, so it cannot pose as structure or
 * instructions in the result a model reads.
 */
import { mdText } from '../../domain/render/mod.ts';

/** Untrusted text as one escaped line. */
export const text = (raw: string, max = 200): string => mdText(raw, max);

/** Numbers with thousands separators, as every renderer writes them. */
export const num = (n: number): string => n.toLocaleString('en-US');

export const pct = (ratio: number): string => `${(ratio * 100).toFixed(1)}%`;

/** A table; rows beyond `max` are counted, not shown (the structured content has them all). */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], max = 25): string {
  if (rows.length === 0) return '_none_';
  const line = (cells: readonly string[]) => `| ${cells.join(' | ')} |`;
  const out = [line(headers), line(headers.map(() => '---')), ...rows.slice(0, max).map(line)];
  if (rows.length > max) out.push('', `…and ${num(rows.length - max)} more in the structured result.`);
  return out.join('\n');
}

export const when = (ms: number): string => new Date(ms).toISOString().replace('.000Z', 'Z');

/** `Name (10)` for a tag and its name. */
export const tag = (t: { tag: number; name: string }): string => `${text(t.name, 64)} (${t.tag})`;

/** Cut long text (a rendered matrix) to `max` characters, saying so. */
export function capped(body: string, max: number): { text: string; truncated: boolean } {
  if (body.length <= max) return { text: body, truncated: false };
  return { text: `${body.slice(0, max)}\n\n…(cut at ${num(max)} characters)`, truncated: true };
}
