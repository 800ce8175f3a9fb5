/**
 * Syslog headers, pure: recognise RFC 5424, RFC 3164 and the bare `<PRI>`
 * messages IOS sends by default, and write a line the domain parser takes.
 *
 * The domain parser reads the collector stamp and host right after `<PRI>`
 * (RFC 3164 `Mmm dd hh:mm:ss host`, RFC 5424 `1 <RFC 3339> host …`, or an
 * RFC 3339 stamp as rsyslog forwards it), so those lines pass as they are.
 * Everything else is rewritten to RFC 5424 with nothing but the parts the
 * parser needs, before the message itself:
 * - STRUCTURED-DATA is dropped (a quoted parameter may hold anything,
 *   `%RBM-…` included), and a UTF-8 BOM before MSG is removed;
 * - a NILVALUE stamp, or no stamp at all (`<189>123: *Jun 18 …: %RBM-…`),
 *   takes the time of receipt; a NILVALUE or absent host takes the sender's
 *   address, so every flow still says which switch saw it.
 * A message without `<PRI>`, or with an RFC 5424 header cut off, is passed
 * on as it is: the parser reads bare IOS and collector lines too, and counts
 * whatever it refuses with its reason, so nothing is lost silently here.
 */
import type { LineWriter } from './writer.ts';

/** What a message's header was; every message is passed on, so the parser counts what it refuses. */
export const SyslogFormat = {
  Rfc5424: 'rfc5424',
  /** RFC 3164, or its variant with an RFC 3339 stamp (rsyslog forwarding). */
  Rfc3164: 'rfc3164',
  /** `<PRI>` and then the message: IOS's own format, or a stamp the parser does not read. */
  PriOnly: 'pri_only',
  /** RFC 5424 with header fields or structured data cut off: passed on as it is. */
  BadHeader: 'bad_header',
  /** No `<PRI>` (0–191): passed on as it is (a relay forwarding raw log lines). */
  NotSyslog: 'not_syslog',
} as const;
export type SyslogFormat = (typeof SyslogFormat)[keyof typeof SyslogFormat];

/** Where a message came from, for the parts its header leaves out. */
export interface Origin {
  /** The sender's address (IPv4-mapped IPv6 already unwrapped). */
  sender: string;
  /** The time of receipt as an RFC 3339 stamp (called only when needed). */
  receivedAt(): string;
}

const LT = 60;
const GT = 62;
const SPACE = 32;
const DASH = 45;
const COLON = 58;
const OPEN = 91; // [
const CLOSE = 93; // ]
const QUOTE = 34;
const BACKSLASH = 92;
/** Month names as three bytes in one number: looked up without making a string per message. */
const month3 = (a: number, b: number, c: number) => (a << 16) | (b << 8) | c;
const MONTHS = new Set(
  ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'].map((m) =>
    month3(m.charCodeAt(0), m.charCodeAt(1), m.charCodeAt(2)),
  ),
);

const isDigit = (c: number | undefined) => c !== undefined && c >= 48 && c <= 57;

/** Index just after `<PRI>` at `start`, or -1. */
export function afterPri(b: Uint8Array, start: number, end: number): number {
  if (b[start] !== LT) return -1;
  let pri = 0;
  let i = start + 1;
  for (; i < end && i <= start + 3 && isDigit(b[i]); i++) pri = pri * 10 + b[i]! - 48;
  return i > start + 1 && i < end && b[i] === GT && pri <= 191 ? i + 1 : -1;
}

/** Index after the space that ends the token at `i`, or -1 when the token is empty or unended. */
function token(b: Uint8Array, i: number, end: number): number {
  if (i >= end || b[i] === SPACE) return -1;
  // A loop, not subarray().indexOf(): header tokens are short, and this runs per message.
  for (let k = i + 1; k < end; k++) if (b[k] === SPACE) return k + 1;
  return -1;
}

const nil = (b: Uint8Array, i: number, next: number) => next === i + 2 && b[i] === DASH;

/** `hh:mm:ss` at `i`. */
const clock = (b: Uint8Array, i: number) =>
  isDigit(b[i]) &&
  isDigit(b[i + 1]) &&
  b[i + 2] === COLON &&
  isDigit(b[i + 3]) &&
  isDigit(b[i + 4]) &&
  b[i + 5] === COLON &&
  isDigit(b[i + 6]) &&
  isDigit(b[i + 7]);

/** An RFC 3164 `Mmm dd hh:mm:ss host ` at `p`, exactly as the domain parser reads it. */
function rfc3164Stamp(b: Uint8Array, p: number, end: number): boolean {
  if (p + 16 > end || b[p + 3] !== SPACE) return false;
  if (!MONTHS.has(month3(b[p]!, b[p + 1]!, b[p + 2]!))) return false;
  let i = p + 4;
  if (b[i] === SPACE) i++;
  const day = i;
  while (isDigit(b[i]) && i - day < 2) i++;
  if (i === day || b[i] !== SPACE || !clock(b, i + 1) || b[i + 9] !== SPACE) return false;
  return token(b, i + 10, end) !== -1;
}

/** An RFC 3339 stamp and a host at `p` (rsyslog's forwarding format), as the domain parser reads it. */
const isoStamp = (b: Uint8Array, p: number, end: number) =>
  isDigit(b[p]) && b[p + 4] === DASH && b[p + 10] === 84 /* T */ && token(b, p, end) !== -1;

/** Index after RFC 5424 STRUCTURED-DATA at `i` (`-` or `[…]…`), or -1. */
export function afterStructuredData(b: Uint8Array, i: number, end: number): number {
  if (b[i] === DASH) return i + 1;
  if (b[i] !== OPEN) return -1;
  while (i < end && b[i] === OPEN) {
    let quoted = false;
    for (i++; i < end; i++) {
      const c = b[i];
      if (quoted) {
        if (c === BACKSLASH) i++;
        else if (c === QUOTE) quoted = false;
      } else if (c === QUOTE) quoted = true;
      else if (c === CLOSE) break;
    }
    if (i >= end) return -1;
    i++;
  }
  return i;
}

const hasBom = (b: Uint8Array, i: number, end: number) =>
  i + 3 <= end && b[i] === 0xef && b[i + 1] === 0xbb && b[i + 2] === 0xbf;

/** `<PRI>1 <stamp> <host> - - - - `: the RFC 5424 header the parser reads, with nothing it does not. */
function writeHeader(
  out: LineWriter,
  b: Uint8Array,
  start: number,
  pri: number,
  stamp: string,
  host: string,
) {
  out.copy(b, start, pri);
  out.text(`1 ${stamp} ${host} - - - - `);
}

function rfc5424(
  b: Uint8Array,
  start: number,
  pri: number,
  end: number,
  origin: Origin,
  out: LineWriter,
): SyslogFormat {
  const stamp = pri + 2;
  const host = token(b, stamp, end);
  const app = host === -1 ? -1 : token(b, host, end);
  // APP-NAME, PROCID and MSGID: tokens the parser has no use for.
  let sd = app;
  for (let k = 0; k < 3 && sd !== -1; k++) sd = token(b, sd, end);
  const sdEnd = sd === -1 ? -1 : afterStructuredData(b, sd, end);
  if (sdEnd === -1 || (sdEnd < end && b[sdEnd] !== SPACE))
    return asIs(b, start, end, out, SyslogFormat.BadHeader);
  let msg = Math.min(sdEnd + 1, end);
  const bom = hasBom(b, msg, end);
  const nilStamp = nil(b, stamp, host);
  const nilHost = nil(b, host, app);
  if (!nilStamp && !nilHost && sdEnd === sd + 1 && !bom)
    return asIs(b, start, end, out, SyslogFormat.Rfc5424);
  if (bom) msg += 3;
  out.copy(b, start, pri);
  out.text('1 ');
  if (nilStamp) out.text(origin.receivedAt());
  else out.copy(b, stamp, host - 1);
  out.byte(SPACE);
  if (nilHost) out.text(origin.sender);
  else out.copy(b, host, app - 1);
  out.text(' - - - - ');
  out.copy(b, msg, end);
  out.endLine();
  return SyslogFormat.Rfc5424;
}

function asIs(
  b: Uint8Array,
  start: number,
  end: number,
  out: LineWriter,
  format: SyslogFormat,
): SyslogFormat {
  out.copy(b, start, end);
  out.endLine();
  return format;
}

/**
 * Append the message bytes[start, end) (its framing trailer removed) to `out`
 * as one line for the domain parser, and say what its header was.
 */
export function normalise(
  b: Uint8Array,
  start: number,
  end: number,
  origin: Origin,
  out: LineWriter,
): SyslogFormat {
  const p = afterPri(b, start, end);
  if (p === -1) return asIs(b, start, end, out, SyslogFormat.NotSyslog);
  if (b[p] === 49 /* 1 */ && b[p + 1] === SPACE) return rfc5424(b, start, p, end, origin, out);
  if (rfc3164Stamp(b, p, end) || isoStamp(b, p, end)) return asIs(b, start, end, out, SyslogFormat.Rfc3164);
  writeHeader(out, b, start, p, origin.receivedAt(), origin.sender);
  out.copy(b, p, end);
  out.endLine();
  return SyslogFormat.PriOnly;
}
