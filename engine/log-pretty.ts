/**
 * Readable log lines for a person at a terminal: `12:04:05.123 INFO  listening
 * url=http://127.0.0.1:8000 role=all`, the level coloured, an error's stack on
 * the lines below. It is a pino destination, not a transport: pino has already
 * serialised the line (redaction included) when it arrives here, so the same
 * secrets stay hidden as in JSON, and no worker thread or package is added.
 * Formatting a line is a parse and a join, done on the caller's turn; the
 * write goes to the same asynchronous stdout stream JSON lines use.
 *
 * Log fields carry text from the network (syslog fields, SSH banners, model
 * output): control characters are escaped so no field can forge a line or
 * drive the terminal.
 */

/** The fields every line has, shown in their own places rather than as key=value. */
const PLACED = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname', 'err', 'error']);

const COLOURS: Record<string, string> = {
  trace: '\x1b[90m',
  debug: '\x1b[36m',
  info: '\x1b[32m',
  warn: '\x1b[33m',
  error: '\x1b[31m',
  fatal: '\x1b[35m',
};
const DIM = '\x1b[2m';
const RESET = '\x1b[0m';

/** pino's numeric levels, for a line logged without the level formatter. */
const NUMERIC: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};

// biome-ignore lint/suspicious/noControlCharactersInRegex: matching control characters is the point.
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Text with every control character visible: `\n`, `\t`, `\u001b`. */
export function visible(text: string): string {
  return text
    .replace(/\\/g, '\\\\')
    .replace(/\n/g, '\\n')
    .replace(/\r/g, '\\r')
    .replace(/\t/g, '\\t')
    .replace(CONTROL, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** What JSON leaves unescaped: DEL and the C1 controls. */
const C1 = /[\u007f-\u009f]/g;

/** A field's value: bare when it is one plain word, quoted otherwise; objects as JSON. */
export function fieldValue(value: unknown): string {
  if (typeof value === 'string')
    return /^[\w.:/@+,-]+$/.test(value) ? value : `"${visible(value).replace(/"/g, '\\"')}"`;
  if (value === null || typeof value !== 'object') return String(value);
  // JSON escapes C0 controls and quotes, not DEL and C1 (a CSI is one byte there).
  return JSON.stringify(value).replace(C1, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
}

/** `12:04:05.123` of an ISO time (the logger's `isoTime`) or epoch ms. */
function clock(time: unknown): string {
  const ms = typeof time === 'number' ? time : typeof time === 'string' ? Date.parse(time) : Number.NaN;
  if (Number.isNaN(ms)) return '--:--:--.---';
  return new Date(ms).toISOString().slice(11, 23);
}

function levelName(level: unknown): string {
  if (typeof level === 'number') return NUMERIC[level] ?? String(level);
  return typeof level === 'string' ? level : 'info';
}

/** An error's message and stack, indented under the line. */
function errorLines(err: unknown): string[] {
  if (err === undefined || err === null) return [];
  if (typeof err !== 'object') return [`    ${visible(String(err))}`];
  const e = err as { type?: unknown; message?: unknown; stack?: unknown };
  const stack = typeof e.stack === 'string' && e.stack !== '' ? e.stack : undefined;
  const head = `${typeof e.type === 'string' ? e.type : 'Error'}: ${visible(String(e.message ?? ''))}`;
  const lines = stack === undefined ? [head] : stack.split('\n').map((l) => visible(l));
  return lines.map((l) => `    ${l}`);
}

export interface PrettyOptions {
  /** ANSI colours: only for a terminal, and never with NO_COLOR. */
  colour: boolean;
}

/** One serialised pino line (JSON) as readable text ending in a newline; not JSON: as it came. */
export function prettyLine(json: string, o: PrettyOptions): string {
  let entry: Record<string, unknown>;
  try {
    const parsed: unknown = JSON.parse(json);
    if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
      throw new Error('not an object');
    entry = parsed as Record<string, unknown>;
  } catch {
    return json.endsWith('\n') ? json : `${json}\n`;
  }
  const level = levelName(entry.level);
  const label = level.toUpperCase().padEnd(5);
  const paint = (code: string | undefined, text: string) =>
    o.colour && code ? `${code}${text}${RESET}` : text;
  const fields = Object.entries(entry)
    .filter(([k, v]) => !PLACED.has(k) && v !== undefined)
    .map(([k, v]) => `${paint(DIM, `${visible(k)}=`)}${fieldValue(v)}`);
  const msg = typeof entry.msg === 'string' ? visible(entry.msg) : '';
  const err = entry.err ?? (typeof entry.error === 'object' ? entry.error : undefined);
  if (entry.error !== undefined && err !== entry.error) fields.push(`error=${fieldValue(entry.error)}`);
  const head = [paint(DIM, clock(entry.time)), paint(COLOURS[level], label), msg, ...fields]
    .filter((part) => part !== '')
    .join(' ');
  return `${[head, ...errorLines(err)].join('\n')}\n`;
}

/** Where formatted lines go: pino's own stdout stream (SonicBoom), or anything with `write`. */
export interface LineSink {
  write(text: string): unknown;
  flush?(cb?: (err?: Error) => void): void;
  flushSync?(): void;
}

/** A pino destination that writes each line made readable to `sink`. */
export function prettyDestination(sink: LineSink, o: PrettyOptions): LineSink {
  return {
    write: (line: string) => sink.write(prettyLine(line, o)),
    flush: (cb?: (err?: Error) => void) => (sink.flush === undefined ? cb?.() : sink.flush(cb)),
    flushSync: () => sink.flushSync?.(),
  };
}
