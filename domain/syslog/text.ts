/**
 * Text inside byte buffers: UTF-8 validation, decoding a field only when it
 * is kept, comparing and hashing it in place, and turning a string line into
 * bytes for callers that hold strings. The parser works on bytes so that no
 * line ever becomes a string on the hot path (DESIGN §12).
 */
import { isAscii } from 'node:buffer';

const decoder = new TextDecoder('utf-8', { fatal: false, ignoreBOM: true });

/**
 * True when bytes[start, end) hold neither NUL nor anything ≥ 0x80. Native
 * (SIMD) checks: a whole chunk costs about as much as finding its newlines.
 */
export function plainAscii(bytes: Uint8Array, start: number, end: number): boolean {
  const part = start === 0 && end === bytes.length ? bytes : bytes.subarray(start, end);
  return isAscii(part) && part.indexOf(0) === -1;
}

/** Strict UTF-8 (RFC 3629): no overlong forms, no surrogates, nothing above U+10FFFF. */
export function validUtf8(b: Uint8Array, start: number, end: number): boolean {
  let i = start;
  while (i < end) {
    const c = b[i]!;
    if (c < 0x80) {
      i++;
      continue;
    }
    let need: number;
    let lo = 0x80;
    let hi = 0xbf;
    if (c >= 0xc2 && c <= 0xdf) need = 1;
    else if (c >= 0xe0 && c <= 0xef) {
      need = 2;
      // After E0 only A0–BF (else overlong); after ED only 80–9F (else a surrogate).
      if (c === 0xe0) lo = 0xa0;
      else if (c === 0xed) hi = 0x9f;
    } else if (c >= 0xf0 && c <= 0xf4) {
      need = 3;
      // After F0 only 90–BF (else overlong); after F4 only 80–8F (else above U+10FFFF).
      if (c === 0xf0) lo = 0x90;
      else if (c === 0xf4) hi = 0x8f;
    } else return false;
    if (i + need >= end) return false; // cut off by the line's end
    const c1 = b[i + 1]!;
    if (c1 < lo || c1 > hi) return false;
    for (let k = 2; k <= need; k++) {
      const ck = b[i + k]!;
      if (ck < 0x80 || ck > 0xbf) return false;
    }
    i += need + 1;
  }
  return true;
}

/**
 * bytes[start, end) as a string that shares no memory with the buffer. The
 * bytes are valid UTF-8 (the parser checked). TextDecoder beats building the
 * string from char codes here, even for short ASCII, and `Interner` makes
 * decoding rare anyway.
 */
export const decodeText = (b: Uint8Array, start: number, end: number): string =>
  decoder.decode(b.subarray(start, end));

/** True when bytes[start, end) decode to `s`, without decoding in the common (ASCII) case. */
export function textEquals(b: Uint8Array, start: number, end: number, s: string): boolean {
  const n = end - start;
  // UTF-8 never takes fewer bytes than UTF-16 takes code units.
  if (n < s.length) return false;
  if (n === s.length) {
    let i = 0;
    while (i < n && b[start + i] === s.charCodeAt(i)) i++;
    if (i === n) return true;
    // An ASCII mismatch after an ASCII prefix is a real difference.
    if (b[start + i]! < 0x80) return false;
  }
  return decodeText(b, start, end) === s;
}

/** FNV-1a over bytes[start, end). */
export function hashBytes(b: Uint8Array, start: number, end: number): number {
  let h = 0x811c9dc5;
  for (let i = start; i < end; i++) h = Math.imul(h ^ b[i]!, 0x01000193);
  return h;
}

/** The two halves of the last `fingerprint`. */
export const print = { a: 0, b: 0 };

/**
 * A 64-bit fingerprint of bytes[start, end) in `print`: FNV-1a, and a
 * multiply-rotate hash seeded with the length. Two distinct values share one
 * with odds of about 2^-64, so it can stand for the value without a compare.
 */
export function fingerprint(b: Uint8Array, start: number, end: number): void {
  let a = 0x811c9dc5;
  let h = Math.imul(end - start, 0x9e3779b1);
  for (let i = start; i < end; i++) {
    const c = b[i]!;
    a = Math.imul(a ^ c, 0x01000193);
    h = Math.imul((h ^ c) + 0x7f4a7c15, 0x5bd1e995);
    h ^= h >>> 15;
  }
  print.a = a;
  print.b = h;
}

/** Values longer than this are decoded every time rather than kept. */
const INTERN_MAX_BYTES = 64;

/**
 * The same host, interface or SGACL name turns up in many flows: decode each
 * distinct value once and hand out the same string. Direct-mapped by hash, so
 * bounded; a collision just decodes again.
 */
export class Interner {
  readonly #strings: (string | undefined)[];
  readonly #hashes: Int32Array;
  readonly #mask: number;

  constructor(slots = 8192) {
    this.#strings = new Array(slots).fill(undefined);
    this.#hashes = new Int32Array(slots);
    this.#mask = slots - 1;
  }

  /** bytes[start, end) as a string; `hash` is their hashBytes. */
  text(b: Uint8Array, start: number, end: number, hash: number): string {
    if (end - start > INTERN_MAX_BYTES) return decodeText(b, start, end);
    const slot = hash & this.#mask;
    const known = this.#strings[slot];
    if (known !== undefined && this.#hashes[slot] === hash && textEquals(b, start, end, known)) return known;
    const s = decodeText(b, start, end);
    this.#strings[slot] = s;
    this.#hashes[slot] = hash;
    return s;
  }
}

const encoder = new TextEncoder();

/**
 * String lines to bytes for the byte parser. A string has already lost any
 * invalid input to U+FFFD (that is what TextDecoder leaves) and may hold lone
 * surrogates; both are written as 0xFF bytes so the parser refuses the line as
 * invalid UTF-8, exactly as it refuses the raw bytes.
 */
export class LineEncoder {
  #buf = new Uint8Array(4096);

  /** The buffer holding the last encoded line (valid until the next call). */
  get bytes(): Uint8Array {
    return this.#buf;
  }

  /** Encode `line` into `bytes` from 0; returns its length in bytes. */
  encode(line: string): number {
    if (this.#buf.length < line.length * 3) this.#buf = new Uint8Array(line.length * 3 + 64);
    const b = this.#buf;
    const { written } = encoder.encodeInto(line, b);
    // As many bytes as code units: pure ASCII, nothing replaced.
    if (written === line.length) return written;
    for (let i = 0; i + 2 < written; i++) {
      if (b[i] === 0xef && b[i + 1] === 0xbf && b[i + 2] === 0xbd) {
        b[i] = 0xff;
        b[i + 1] = 0xff;
        b[i + 2] = 0xff;
        i += 2;
      }
    }
    return written;
  }
}
