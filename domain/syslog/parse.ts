/**
 * The SGACLHIT line parser. It is the hot path of the product (DESIGN §12:
 * a million lines a second on one core), so it reads a line's bytes in place
 * (the input chunk as it came from the file: no decoding, no string per line),
 * records where text fields are instead of cutting them out (most are never
 * needed once a flow has its samples), and fills a caller-owned record.
 * Every line it refuses gets a reason; nothing is dropped silently.
 */
import { canonicalFields } from './canonical.ts';
import { fields } from './fields.ts';
import { MAX_LINE_LENGTH, RejectReason, type SgaclHit } from './hit.ts';
import { LineEncoder, validUtf8 } from './text.ts';
import { HeaderReader, type HeaderTime } from './timestamp.ts';

export {
  emptyHit,
  HitText,
  hitRecord,
  hitText,
  hitTextEquals,
  MAX_LINE_LENGTH,
  MAX_VALUE_LENGTH,
  Proto,
  protocolName,
  RejectReason,
  type SgaclHit,
} from './hit.ts';

/** `%RBM-` at `i`, the facility digit at `i + 5`, then `-SGACLHIT:`. */
const TAG_LENGTH = 16;
const word = (s: string): number =>
  s.charCodeAt(0) | (s.charCodeAt(1) << 8) | (s.charCodeAt(2) << 16) | (s.charCodeAt(3) << 24);
const W_RBM = word('%RBM');
const W_SGAC = word('-SGA');
const W_CLHI = word('CLHI');
const T_COLON = 0x3a54; // `T:` as a little-endian uint16

/** First `%RBM-` in [start, end), or -1: `%` looked for four bytes at a time. */
function findRbm(v: DataView, b: Uint8Array, start: number, end: number): number {
  // `%RBM-` needs five bytes, so every word read from i < end - 4 lies inside the line.
  for (let i = start, stop = end - 4; i < stop; ) {
    const x = v.getInt32(i, true) ^ 0x25252525;
    const m = (x - 0x01010101) & ~x & 0x80808080; // the lowest flagged byte is the first `%`
    if (m === 0) {
      i += 4;
      continue;
    }
    i += (31 - Math.clz32(m & -m)) >> 3;
    if (i >= stop) return -1;
    if (v.getInt32(i, true) === W_RBM && b[i + 4] === 45) return i;
    i++;
  }
  return -1;
}

/** The rest of the tag after `%RBM-`: a digit, then `-SGACLHIT:`. */
function isTag(v: DataView, b: Uint8Array, rbm: number, end: number): boolean {
  if (rbm + TAG_LENGTH > end) return false;
  const sev = b[rbm + 5]!;
  return (
    sev >= 48 &&
    sev <= 57 &&
    v.getInt32(rbm + 6, true) === W_SGAC &&
    v.getInt32(rbm + 10, true) === W_CLHI &&
    v.getUint16(rbm + 14, true) === T_COLON
  );
}

/** NUL anywhere, else a byte ≥ 0x80 that is not part of valid UTF-8: the reason, or null. */
function textProblem(b: Uint8Array, start: number, end: number): RejectReason | null {
  let high = 0;
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    if (c === 0) return RejectReason.NulByte;
    high |= c;
  }
  return high >= 0x80 && !validUtf8(b, start, end) ? RejectReason.InvalidUtf8 : null;
}

/**
 * Parses lines of one source. `referenceMs` (the file's time, or now for a
 * live source) dates stamps that carry no year.
 */
export class LineParser {
  readonly #headers: HeaderReader;
  readonly #header: HeaderTime = { ms: 0, hostStart: 0, hostEnd: 0 };
  #encoder: LineEncoder | undefined;
  /** A DataView of the buffer being parsed, made once per buffer (chunk), not per line. */
  #bytes: Uint8Array = new Uint8Array(0);
  #view: DataView = new DataView(this.#bytes.buffer);

  constructor(referenceMs: number) {
    this.#headers = new HeaderReader(referenceMs);
  }

  /**
   * Parse the line bytes[start, end) (without its ending) into `out`: null on
   * success, else why it was refused. `plain` says the caller has already
   * checked these bytes for NUL and bytes ≥ 0x80 (a whole chunk at once) and
   * found none; otherwise the parser checks the line itself.
   */
  parse(b: Uint8Array, start: number, end: number, out: SgaclHit, plain = false): RejectReason | null {
    if (b !== this.#bytes) {
      this.#bytes = b;
      this.#view = new DataView(b.buffer, b.byteOffset, b.byteLength);
    }
    const v = this.#view;
    const rbm = findRbm(v, b, start, end);
    if (rbm === -1 || !isTag(v, b, rbm, end)) return RejectReason.NotSgaclHit;
    if (end - start > MAX_LINE_LENGTH) return RejectReason.TooLong;
    if (!plain) {
      const problem = textProblem(b, start, end);
      if (problem !== null) return problem;
    }
    const header = this.#header;
    this.#headers.read(v, b, start, rbm, end, header);
    if (Number.isNaN(header.ms)) return RejectReason.BadTimestamp;
    out.bytes = b;
    out.timestampMs = header.ms;
    const spans = out.spans;
    // A loop, not fill(): a native call per line costs more than 14 stores.
    for (let k = 2; k < 14; k++) spans[k] = 0;
    spans[0] = header.hostStart;
    spans[1] = header.hostEnd;
    if (canonicalFields(v, b, rbm + TAG_LENGTH, end, out)) return null;
    // Not as IOS-XE prints it: start over with the general reader, which has the last word.
    for (let k = 2; k < 14; k++) spans[k] = 0;
    out.srcPort = 0;
    out.dstPort = 0;
    return fields(v, b, rbm + TAG_LENGTH, end, out);
  }

  /**
   * Parse a line held as a string (tests, the REST ingest): the same parser
   * over its UTF-8 bytes, where U+FFFD and lone surrogates count as invalid
   * input (see LineEncoder).
   */
  parseLine(line: string, out: SgaclHit): RejectReason | null {
    this.#encoder ??= new LineEncoder();
    const n = this.#encoder.encode(line);
    return this.parse(this.#encoder.bytes, 0, n, out);
  }
}
