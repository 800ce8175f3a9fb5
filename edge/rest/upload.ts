/**
 * Request bodies as streams, never buffered whole: chunks counted against a
 * byte limit (413 past it), gzip recognised by its header or its magic bytes
 * and inflated with the web-standard DecompressionStream (the inflated size
 * counts too, so a small bomb is refused), and text split into lines.
 */
import { MAX_LINE_BYTES } from '../../domain/syslog/lines.ts';
import { badRequest, HttpError, tooLarge } from '../problem.ts';

export const unsupportedMedia = (detail: string) => new HttpError(415, 'Unsupported media type', detail);

/** Counts bytes; throws 413 once more than `max` went by. */
export class ByteLimit {
  readonly max: number;
  readonly what: string;
  #bytes = 0;

  constructor(max: number, what: string) {
    this.max = max;
    this.what = what;
  }

  get bytes(): number {
    return this.#bytes;
  }

  add(n: number): void {
    this.#bytes += n;
    if (this.#bytes > this.max) throw tooLarge(`${this.what} is over ${this.max} bytes`);
  }
}

/** 413 at once when the declared length is already over the limit. */
export function checkDeclaredLength(header: string | undefined, limit: ByteLimit): void {
  const declared = Number(header ?? 0);
  if (Number.isFinite(declared) && declared > limit.max) {
    throw tooLarge(`${limit.what} is ${declared} bytes; at most ${limit.max} are accepted`);
  }
}

/** The body's chunks as they arrive; the stream is cancelled on any early exit. */
export async function* streamChunks(
  body: ReadableStream<Uint8Array>,
  limit: ByteLimit,
): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  try {
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return;
      limit.add(value.byteLength);
      yield value;
    }
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}

const isGzipMagic = (head: Uint8Array): boolean => head[0] === 0x1f && head[1] === 0x8b;

export interface Decoded {
  gzip: boolean;
  chunks: AsyncGenerator<Uint8Array>;
}

/**
 * Peeks at the first bytes: gzip when `declared` (Content-Encoding, media
 * type) or when they are gzip's magic. The chunks come out plain either way;
 * inflated bytes count against `inflated`.
 */
export async function maybeGunzip(
  source: AsyncGenerator<Uint8Array>,
  declared: boolean,
  inflated: ByteLimit,
): Promise<Decoded> {
  const head: Uint8Array[] = [];
  let have = 0;
  let ended = false;
  while (have < 2) {
    const next = await source.next();
    if (next.done) {
      ended = true;
      break;
    }
    head.push(next.value);
    have += next.value.byteLength;
  }
  const first = head.length === 1 ? head[0]! : concat(head);
  const whole = (async function* () {
    try {
      if (head.length > 1) yield first;
      else if (head.length === 1) yield head[0]!;
      if (!ended) yield* source;
    } finally {
      await source.return(undefined);
    }
  })();
  const gzip = declared || isGzipMagic(first);
  return { gzip, chunks: gzip ? gunzip(whole, inflated) : whole };
}

async function* gunzip(source: AsyncGenerator<Uint8Array>, inflated: ByteLimit): AsyncGenerator<Uint8Array> {
  const ds = new DecompressionStream('gzip');
  const writer = ds.writable.getWriter();
  const pump = (async () => {
    // Request bodies are plain ArrayBuffer-backed; the cast only narrows the buffer's type.
    for await (const chunk of source) await writer.write(chunk as Uint8Array<ArrayBuffer>);
    await writer.close();
  })();
  // A failing source (its limit, a dropped connection) errors the readable side with its reason.
  pump.catch((error: unknown) => writer.abort(error).catch(() => undefined));
  const reader = ds.readable.getReader();
  const read = () =>
    reader.read().catch((error: unknown) => {
      if (error instanceof HttpError) throw error;
      throw badRequest(`the body is not valid gzip: ${error instanceof Error ? error.message : error}`);
    });
  try {
    for (;;) {
      const next = await read();
      if (next.done) break;
      inflated.add(next.value.byteLength);
      yield next.value;
    }
    await pump;
  } finally {
    // Errors the writable side too: the pump stops and closes the source.
    await reader.cancel().catch(() => undefined);
  }
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let size = 0;
  for (const p of parts) size += p.byteLength;
  const out = new Uint8Array(size);
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.byteLength;
  }
  return out;
}

/** All of a (small) stream, as text. */
export async function collectText(chunks: AsyncIterable<Uint8Array>): Promise<string> {
  const parts: Uint8Array[] = [];
  for await (const chunk of chunks) parts.push(chunk);
  return new TextDecoder().decode(concat(parts));
}

/**
 * Lines (without `\n` / `\r\n`) in batches of about `batchBytes`, decoded as
 * UTF-8 (invalid bytes become U+FFFD, which the parser refuses as such).
 */
export async function* lineBatches(
  chunks: AsyncIterable<Uint8Array>,
  batchBytes: number,
): AsyncGenerator<string[]> {
  const decoder = new TextDecoder();
  // A line with no end in sight is cut here (still far over the parser's limit, so it is refused as too long).
  const cap = 4 * MAX_LINE_BYTES;
  let rest = '';
  let batch: string[] = [];
  let size = 0;
  const take = (text: string): string[] | null => {
    const lines = text.split('\n');
    rest = lines.pop() ?? '';
    if (rest.length > cap) rest = rest.slice(0, cap);
    for (const line of lines) {
      batch.push(line.endsWith('\r') ? line.slice(0, -1) : line);
      size += line.length + 1;
    }
    if (size < batchBytes) return null;
    const full = batch;
    batch = [];
    size = 0;
    return full;
  };
  for await (const chunk of chunks) {
    const full = take(rest + decoder.decode(chunk, { stream: true }));
    if (full !== null) yield full;
  }
  const tail = rest + decoder.decode();
  if (tail !== '') batch.push(tail.endsWith('\r') ? tail.slice(0, -1) : tail);
  if (batch.length > 0) yield batch;
}
