/**
 * A growable byte buffer of newline-ended lines: received messages are copied
 * here (normalised when needed) and handed to the analysis a block at a time,
 * which is much cheaper than one call, or one string, per message.
 */

const LF = 10;
const SPACE = 32;
const encoder = new TextEncoder();

export class LineWriter {
  bytes = new Uint8Array(16_384);
  length = 0;

  #ensure(extra: number): void {
    if (this.length + extra <= this.bytes.length) return;
    const grown = new Uint8Array(Math.max(this.length + extra, this.bytes.length * 2));
    grown.set(this.bytes.subarray(0, this.length));
    this.bytes = grown;
  }

  /**
   * Copy src[start, end). A LF inside a message (possible with octet counting)
   * would split it into two lines, so it becomes a space.
   */
  copy(src: Uint8Array, start: number, end: number): void {
    const n = end - start;
    this.#ensure(n);
    const part = src.subarray(start, end);
    const at = this.length;
    this.bytes.set(part, at);
    this.length += n;
    for (let lf = part.indexOf(LF); lf !== -1; lf = part.indexOf(LF, lf + 1)) this.bytes[at + lf] = SPACE;
  }

  /** Text of our own making (a stamp, an address): ASCII, no newline. */
  text(s: string): void {
    this.#ensure(s.length * 3);
    this.length += encoder.encodeInto(s, this.bytes.subarray(this.length)).written;
  }

  byte(c: number): void {
    this.#ensure(1);
    this.bytes[this.length++] = c;
  }

  endLine(): void {
    this.byte(LF);
  }

  /** What has been written, as a view (valid until the next write or reset). */
  view(): Uint8Array {
    return this.bytes.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
  }
}
