/**
 * Small text helpers shared by the cards and the chat replies. Anything that
 * came from logs, operators, a model or WebEx goes through `mdText` (escaped,
 * one line, capped), so an SGT named `<@all>` or `[click](…)` cannot mention
 * a room or plant a link.
 */
import { sgtDisplayName } from '../../domain/contract-names.ts';
import { mdText } from '../../domain/render/mod.ts';
import type { SgtDictionary } from '../../domain/types.ts';

export { mdText };

/** WebEx refuses a message longer than 7439 bytes. */
export const MAX_MARKDOWN_BYTES = 7_000;

const encoder = new TextEncoder();

/** `Web Servers (20)`, escaped. */
export const tagLabel = (tag: number, names: SgtDictionary): string =>
  `${mdText(sgtDisplayName(tag, names), 64)} (${tag})`;

/** `Employees (10) → Web Servers (20)`, escaped. */
export const pairLabel = (sgt: number, dgt: number, names: SgtDictionary): string =>
  `${tagLabel(sgt, names)} → ${tagLabel(dgt, names)}`;

/** `2026-06-18 10:00 UTC`: what an operator reads at a glance. */
export const when = (ms: number): string =>
  `${new Date(ms).toISOString().slice(0, 16).replace('T', ' ')} UTC`;

export const count = (n: number): string => n.toLocaleString('en-US');

export const plural = (n: number, word: string): string => `${count(n)} ${word}${n === 1 ? '' : 's'}`;

/** A proposal id reduced to `[-_a-zA-Z0-9]` (what valid ids are made of), safe inside a code span. */
export const safeId = (id: string): string => id.replace(/[^-_a-zA-Z0-9]/g, '').slice(0, 64);

/** A proposal id as inline code. */
export const idCode = (id: string): string => `\`${safeId(id)}\``;

const CHANNEL_WORDS: Record<string, string> = {
  api: 'via the REST API',
  cli: 'via the CLI',
  ui: 'via the dashboard',
  mcp: 'via MCP',
  webex: 'via WebEx',
  system: 'by the system',
};

export const channelWords = (channel: string): string => CHANNEL_WORDS[channel] ?? 'via an unknown channel';

/** Lines joined until the next one would pass `maxBytes`; then a note of what was left out. */
export function fitLines(lines: readonly string[], maxBytes = MAX_MARKDOWN_BYTES): string {
  const out: string[] = [];
  let size = 0;
  for (const [i, line] of lines.entries()) {
    const bytes = encoder.encode(line).length + 1;
    if (size + bytes > maxBytes - 40) {
      out.push(`… (${lines.length - i} more lines left out)`);
      break;
    }
    out.push(line);
    size += bytes;
  }
  return out.join('\n');
}
