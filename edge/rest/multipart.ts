/**
 * A streaming multipart/form-data reader (RFC 7578): parts one after the
 * other, each body handed out chunk by chunk as it arrives, so a file field of
 * any size passes through in constant memory. Only the few bytes that might
 * start a boundary are held back between chunks.
 */
import { badRequest } from '../problem.ts';
import { concat } from './upload.ts';

const CR = 13;
const LF = 10;
const DASH = 45;
const MAX_HEADER_BYTES = 16 * 1024;
const encoder = new TextEncoder();

export interface PartInfo {
  /** The form field name. */
  name: string;
  filename: string | null;
  contentType: string | null;
}

/** The boundary of a `multipart/form-data` media type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary\s*=\s*(?:"([^"]{1,70})"|([^\s;]{1,70}))/i.exec(contentType);
  const boundary = m?.[1] ?? m?.[2];
  if (boundary === undefined) throw badRequest('multipart/form-data without a boundary');
  return boundary;
}

function param(header: string, name: string): string | null {
  const re = new RegExp(`;\\s*${name}\\s*=\\s*(?:"((?:[^"\\\\]|\\\\.)*)"|([^;\\s]*))`, 'i');
  const m = re.exec(header);
  if (m === null) return null;
  return m[1] !== undefined ? m[1].replace(/\\(.)/g, '$1') : (m[2] ?? null);
}

function partInfo(headerText: string): PartInfo {
  const headers = new Map<string, string>();
  for (const line of headerText.split('\r\n')) {
    const colon = line.indexOf(':');
    if (colon > 0) headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  const disposition = headers.get('content-disposition') ?? '';
  const name = /^form-data\s*(;|$)/i.test(disposition) ? param(disposition, 'name') : null;
  if (name === null) throw badRequest('a multipart part has no Content-Disposition: form-data; name=…');
  return { name, filename: param(disposition, 'filename'), contentType: headers.get('content-type') ?? null };
}

type State = 'preamble' | 'headers' | 'body' | 'done';

export class MultipartReader {
  readonly #source: AsyncIterator<Uint8Array>;
  /** `\r\n--boundary`: the body starts as if after a line break, so the first delimiter matches too. */
  readonly #delimiter: Uint8Array;
  #buf: Uint8Array = new Uint8Array([CR, LF]);
  #eof = false;
  #state: State = 'preamble';

  constructor(source: AsyncIterable<Uint8Array>, boundary: string) {
    this.#source = source[Symbol.asyncIterator]();
    this.#delimiter = encoder.encode(`\r\n--${boundary}`);
  }

  /** The next part's headers (skipping what is left of the current part), or null after the last. */
  async next(): Promise<PartInfo | null> {
    if (this.#state === 'preamble' || this.#state === 'body') for await (const _ of this.body());
    if (this.#state === 'done') return null;
    return this.#headers();
  }

  /** The current part's bytes, until its closing boundary. */
  async *body(): AsyncGenerator<Uint8Array> {
    const keep = this.#delimiter.byteLength - 1;
    for (;;) {
      const at = this.#find(this.#delimiter);
      if (at >= 0) {
        const data = this.#buf.subarray(0, at);
        this.#buf = this.#buf.subarray(at + this.#delimiter.byteLength);
        this.#state = 'headers';
        if (data.byteLength > 0) yield data;
        return;
      }
      if (this.#eof) throw badRequest('the multipart body ends inside a part');
      if (this.#buf.byteLength > keep) {
        const data = this.#buf.subarray(0, this.#buf.byteLength - keep);
        this.#buf = this.#buf.subarray(this.#buf.byteLength - keep);
        yield data;
      }
      await this.#fill();
    }
  }

  async close(): Promise<void> {
    await this.#source.return?.();
  }

  async #headers(): Promise<PartInfo | null> {
    // After a delimiter: `--` closes the body; otherwise optional padding, then CRLF and the headers.
    for (;;) {
      const b = this.#buf;
      if (b.byteLength >= 2 && b[0] === DASH && b[1] === DASH) {
        this.#state = 'done';
        return null;
      }
      const end = this.#find(new Uint8Array([CR, LF, CR, LF]));
      if (end >= 0) {
        const raw = new TextDecoder().decode(b.subarray(0, end));
        // A boundary line is the delimiter, optional blanks, CRLF: anything else is not one.
        const lead = /^[ \t]*\r\n/.exec(raw);
        if (lead === null) throw badRequest('a multipart boundary is followed by other text');
        const text = raw.slice(lead[0].length);
        this.#buf = b.subarray(end + 4);
        this.#state = 'body';
        return partInfo(text);
      }
      if (b.byteLength > MAX_HEADER_BYTES) throw badRequest('a multipart part has over 16 KiB of headers');
      if (this.#eof) throw badRequest('the multipart body ends without its closing boundary');
      await this.#fill();
    }
  }

  async #fill(): Promise<void> {
    const next = await this.#source.next();
    if (next.done) this.#eof = true;
    else if (next.value.byteLength > 0) this.#buf = concat([this.#buf, next.value]);
  }

  #find(needle: Uint8Array): number {
    const b = this.#buf;
    const first = needle[0]!;
    for (
      let i = b.indexOf(first);
      i >= 0 && i + needle.byteLength <= b.byteLength;
      i = b.indexOf(first, i + 1)
    ) {
      let j = 1;
      while (j < needle.byteLength && b[i + j] === needle[j]) j++;
      if (j === needle.byteLength) return i;
    }
    return -1;
  }
}
