/**
 * What the client commands print: aligned tables for people (bold headers
 * only on a terminal, and never with NO_COLOR), raw JSON for `--json`, and
 * the small formatters the commands share.
 */

export const colour = (): boolean => process.stdout.isTTY === true && (process.env.NO_COLOR ?? '') === '';

const bold = (text: string): string => (colour() ? `\x1b[1m${text}\x1b[22m` : text);

/** Stdout, waited for: the process exits right after the command returns. */
export async function out(text: string): Promise<void> {
  await Bun.write(Bun.stdout, text.endsWith('\n') ? text : `${text}\n`);
}

export const printJson = (value: unknown): Promise<void> => out(JSON.stringify(value, null, 2));

export type Align = 'left' | 'right';

/** Columns padded to their widest cell; the last column is not padded. */
export function table(headers: readonly string[], rows: readonly (readonly string[])[], align: Align[] = []) {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)));
  const line = (cells: readonly string[], style: (s: string) => string) =>
    cells
      .map((cell, i) => {
        const last = i === cells.length - 1;
        const width = widths[i] ?? 0;
        const padded = align[i] === 'right' ? cell.padStart(width) : last ? cell : cell.padEnd(width);
        return style(padded);
      })
      .join('  ')
      .trimEnd();
  return [line(headers, bold), ...rows.map((r) => line(r, (s) => s))].join('\n');
}

/** `key  value` lines with the keys aligned. */
export function fields(pairs: readonly (readonly [string, string])[]): string {
  const width = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`).join('\n');
}

export const num = (x: unknown): string => (typeof x === 'number' ? x.toLocaleString('en-US') : '-');

export const percent = (ratio: unknown): string =>
  typeof ratio === 'number' ? `${(ratio * 100).toFixed(1)}%` : '-';

/** An instant (epoch ms or ISO text) as ISO 8601 to the second. */
export function when(at: unknown): string {
  const ms = typeof at === 'number' ? at : typeof at === 'string' ? Date.parse(at) : Number.NaN;
  if (Number.isNaN(ms)) return '-';
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, 'Z');
}

/** Text for a table cell: one line, at most `max` characters. */
export function cell(value: unknown, max = 60): string {
  const text =
    value === undefined || value === null
      ? '-'
      : typeof value === 'string'
        ? value
        : typeof value === 'number'
          ? num(value)
          : typeof value === 'boolean'
            ? value
              ? 'yes'
              : 'no'
            : JSON.stringify(value);
  const flat = text.replace(/\s+/g, ' ');
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
}

export interface AceLike {
  action?: unknown;
  protocol?: unknown;
  srcPort?: unknown;
  dstPort?: unknown;
  /** `{op, ports}`: a port clause other than a single `eq` (`range 8000 8080`). */
  src?: unknown;
  dst?: unknown;
  /** `{message}` or `{type, code?}`. */
  icmp?: unknown;
  log?: unknown;
  /** A line kept verbatim, shown as it is. */
  raw?: unknown;
}

function clause(side: string, port: unknown, m: unknown): string | null {
  if (typeof port === 'number') return `${side} eq ${port}`;
  if (typeof m !== 'object' || m === null) return null;
  const { op, ports } = m as { op?: unknown; ports?: unknown };
  return typeof op === 'string' && Array.isArray(ports) ? `${side} ${op} ${ports.join(' ')}` : null;
}

function icmp(m: unknown): string | null {
  if (typeof m !== 'object' || m === null) return null;
  const { message, type, code } = m as { message?: unknown; type?: unknown; code?: unknown };
  if (typeof message === 'string') return message;
  if (typeof type !== 'number') return null;
  return typeof code === 'number' ? `${type} ${code}` : String(type);
}

/** As the switch reads it: `permit tcp dst eq 443`, `permit tcp dst range 8000 8080 log`. */
export function ace(a: AceLike): string {
  if (typeof a.raw === 'string') return a.raw;
  const parts = [String(a.action ?? '?'), String(a.protocol ?? 'ip')];
  for (const part of [icmp(a.icmp), clause('src', a.srcPort, a.src), clause('dst', a.dstPort, a.dst)]) {
    if (part !== null) parts.push(part);
  }
  if (a.log === true) parts.push('log');
  return parts.join(' ');
}

export function aces(list: unknown, max = 3): string {
  if (!Array.isArray(list) || list.length === 0) return '-';
  const shown = (list as AceLike[]).slice(0, max).map(ace);
  return list.length > max ? `${shown.join('; ')}; +${list.length - max} more` : shown.join('; ');
}

/** The tenant's SGT dictionary: tag → name (see names.ts). */
export type SgtNames = ReadonlyMap<number, string>;

const NO_NAMES: SgtNames = new Map();

/** `Employees (4)` when the tag has a name (0 is `Unknown`), else the bare number. */
export function tagName(tag: unknown, names: SgtNames = NO_NAMES): string {
  if (typeof tag !== 'number') return String(tag ?? '?');
  const name = names.get(tag) ?? (tag === 0 ? 'Unknown' : undefined);
  return name === undefined ? String(tag) : `${cell(name, 40)} (${tag})`;
}

export const pair = (sgt: unknown, dgt: unknown, names?: SgtNames): string =>
  `${tagName(sgt, names)} → ${tagName(dgt, names)}`;

/** The tag pair of a flow id (`4-10-tcp-any-443`), named. */
export function flowPair(flowId: unknown, names?: SgtNames): string {
  const m = typeof flowId === 'string' ? /^(\d{1,5})-(\d{1,5})-/.exec(flowId) : null;
  return m === null ? '-' : pair(Number(m[1]), Number(m[2]), names);
}

/**
 * A table of objects whose shape is not fixed: the preferred keys first, then
 * every other key holding a scalar, in order of first appearance.
 */
export function objectsTable(rows: readonly Record<string, unknown>[], preferred: string[] = []): string {
  const keys = preferred.filter((k) => rows.some((r) => k in r));
  for (const row of rows)
    for (const [k, v] of Object.entries(row))
      if (!keys.includes(k) && (v === null || typeof v !== 'object')) keys.push(k);
  const isTime = (k: string) => k.endsWith('Ms') || k.endsWith('At');
  const align: Align[] = keys.map((k) =>
    !isTime(k) && rows.every((r) => typeof r[k] === 'number') ? 'right' : 'left',
  );
  return table(
    keys.map((k) => k.toUpperCase()),
    rows.map((r) => keys.map((k) => (isTime(k) ? when(r[k]) : cell(r[k])))),
    align,
  );
}

export const isRecord = (x: unknown): x is Record<string, unknown> =>
  typeof x === 'object' && x !== null && !Array.isArray(x);

/** The array a list endpoint answered, whether bare or wrapped in `{items: […]}`-like objects. */
export function listOf(body: unknown, ...keys: string[]): Record<string, unknown>[] {
  if (Array.isArray(body)) return body.filter(isRecord);
  if (isRecord(body))
    for (const k of [...keys, 'items', 'data']) {
      const v = body[k];
      if (Array.isArray(v)) return v.filter(isRecord);
    }
  return [];
}
