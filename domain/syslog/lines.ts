/**
 * Bytes to lines, streaming: chunks go in as they come from a file, a socket
 * or gunzip, and each line comes out as a [start, end) range of the chunk it
 * lies in: no decoding and no string per line. A line cut by a chunk boundary
 * is carried over (in one reused buffer) and joined with its rest. CRLF
 * endings are trimmed; a UTF-8 BOM at the start of a source is dropped, as
 * TextDecoder would. A line longer than `maxLineBytes` is reported once as too
 * long and skipped to its newline, whether it fits one chunk or spans many, so
 * memory stays bounded and the outcome does not depend on chunk sizes.
 *
 * Each chunk is checked once, natively, for NUL and bytes ≥ 0x80; lines in
 * clean 4 KB blocks are passed on as `plain` so the parser skips that check.
 */
import { plainAscii } from './text.ts';

/** Default cap on one line, in bytes. */
export const MAX_LINE_BYTES = 65_536;
/** Granularity of the NUL / non-ASCII check in a chunk that is not clean throughout. */
const BLOCK = 4096;

export interface LineSink {
  /**
   * One line: bytes[start, end), without its ending; the bytes are only valid
   * during the call. `plain`: they hold neither NUL nor bytes ≥ 0x80.
   */
  line(bytes: Uint8Array, start: number, end: number, plain: boolean): void;
  /** A line over the length cap, counted where a line would be. */
  tooLong(): void;
}

export class LineSplitter {
  readonly #sink: LineSink;
  readonly #max: number;
  #carry = new Uint8Array(1024);
  #carryLength = 0;
  /** The line in progress began in an earlier chunk (or is a source's first): it is in `#carry`. */
  #carrying = true;
  /** The line in progress is too long: its bytes are dropped up to its newline. */
  #skipping = false;
  #firstLine = true;
  /** Starts of the 4 KB blocks of the current chunk that hold NUL or bytes ≥ 0x80. */
  #dirty = new Int32Array(64);
  #dirtyCount = 0;

  constructor(sink: LineSink, maxLineBytes = MAX_LINE_BYTES) {
    this.#sink = sink;
    this.#max = maxLineBytes;
  }

  push(chunk: Uint8Array): void {
    let pos = 0;
    if (this.#carrying) {
      const nl = chunk.indexOf(10);
      if (nl === -1) {
        this.#append(chunk, 0, chunk.length);
        return;
      }
      this.#append(chunk, 0, nl);
      this.#flush(false);
      pos = nl + 1;
    }
    this.#scan(chunk, pos);
    const sink = this.#sink;
    const max = this.#max;
    const dirty = this.#dirty;
    const dirtyCount = this.#dirtyCount;
    let d = 0;
    for (let nl = chunk.indexOf(10, pos); nl !== -1; nl = chunk.indexOf(10, pos)) {
      if (nl - pos > max) sink.tooLong();
      else {
        const end = nl > pos && chunk[nl - 1] === 13 ? nl - 1 : nl;
        while (d < dirtyCount && dirty[d]! + BLOCK <= pos) d++;
        sink.line(chunk, pos, end, d === dirtyCount || dirty[d]! >= end);
      }
      pos = nl + 1;
    }
    if (pos < chunk.length) {
      this.#carrying = true;
      this.#append(chunk, pos, chunk.length);
    }
  }

  /**
   * The bytes to come continue a source right after a line's end (a stretch
   * of a file parsed apart from the rest): a BOM there is data, not a marker.
   */
  midSource(): void {
    this.#firstLine = false;
  }

  /** The source ended: pass on its last line if it had no newline, and expect a new source. */
  end(): void {
    if (this.#carrying) this.#flush(true);
    this.#carrying = true;
    this.#firstLine = true;
  }

  /** Find the blocks of chunk[from, …) that need the parser's own check. */
  #scan(chunk: Uint8Array, from: number): void {
    this.#dirtyCount = 0;
    if (plainAscii(chunk, from, chunk.length)) return;
    for (let block = from; block < chunk.length; block += BLOCK) {
      if (plainAscii(chunk, block, Math.min(block + BLOCK, chunk.length))) continue;
      if (this.#dirtyCount === this.#dirty.length) {
        const grown = new Int32Array(this.#dirty.length * 2);
        grown.set(this.#dirty);
        this.#dirty = grown;
      }
      this.#dirty[this.#dirtyCount++] = block;
    }
  }

  #append(chunk: Uint8Array, from: number, to: number): void {
    if (this.#skipping) return;
    const length = this.#carryLength + to - from;
    if (length > this.#max) {
      this.#sink.tooLong();
      this.#skipping = true;
      this.#carryLength = 0;
      return;
    }
    if (length > this.#carry.length) {
      const grown = new Uint8Array(Math.min(this.#max, Math.max(length, this.#carry.length * 2)));
      grown.set(this.#carry.subarray(0, this.#carryLength));
      this.#carry = grown;
    }
    this.#carry.set(chunk.subarray(from, to), this.#carryLength);
    this.#carryLength = length;
  }

  /** The carried line is complete (`last`: the source ended without a newline). */
  #flush(last: boolean): void {
    const carry = this.#carry;
    let start = 0;
    let end = this.#carryLength;
    this.#carryLength = 0;
    this.#carrying = false;
    if (this.#skipping) {
      this.#skipping = false;
      this.#firstLine = false;
      return;
    }
    if (this.#firstLine && end >= 3 && carry[0] === 0xef && carry[1] === 0xbb && carry[2] === 0xbf) start = 3;
    this.#firstLine = false;
    if (last && start === end) return;
    if (end > start && carry[end - 1] === 13) end--;
    this.#sink.line(carry, start, end, false);
  }
}
