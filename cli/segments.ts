/**
 * A stream of bytes (gunzip, stdin) cut into segments that end at a line's
 * end, for parsing apart. Each segment is a buffer of its own (it may be handed
 * to another thread). A line longer than a whole segment is far over the
 * parser's cap anyway: it comes out as 'too long' and is skipped to its
 * newline, so memory stays bounded whatever the input.
 */
import { MAX_LINE_BYTES } from '../domain/syslog/lines.ts';

export interface Segment {
  bytes: Uint8Array;
  /** The stream's end: no segment follows. */
  last: boolean;
}

export async function* segments(
  chunks: AsyncIterable<Uint8Array>,
  wanted: number,
): AsyncGenerator<Segment | 'too long'> {
  // Every line the parser would read whole must fit a segment with its newline.
  const size = Math.max(wanted, MAX_LINE_BYTES + 1);
  let buf = new Uint8Array(size);
  let length = 0;
  let skipping = false;
  for await (let chunk of chunks) {
    while (chunk.length > 0) {
      if (skipping) {
        const nl = chunk.indexOf(10);
        if (nl === -1) break;
        skipping = false;
        chunk = chunk.subarray(nl + 1);
        continue;
      }
      const n = Math.min(size - length, chunk.length);
      buf.set(chunk.subarray(0, n), length);
      length += n;
      chunk = chunk.subarray(n);
      if (length < size) break;
      const cut = buf.lastIndexOf(10) + 1;
      const next = new Uint8Array(size);
      if (cut === 0) {
        // Not one line end in a whole segment: a single line, far too long.
        skipping = true;
        length = 0;
        yield 'too long';
      } else {
        next.set(buf.subarray(cut), 0);
        length = size - cut;
        yield { bytes: buf.subarray(0, cut), last: false };
      }
      buf = next;
    }
  }
  if (skipping) return;
  yield { bytes: buf.subarray(0, length), last: true };
}
