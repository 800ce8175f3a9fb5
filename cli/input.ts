/**
 * Where `analyze` reads from: files (plain or gzip, recognised by their magic
 * bytes, not their name) or standard input (`-`). A plain file can be read at
 * any offset, so it is cut into stretches parsed side by side; gzip and stdin
 * come as a stream of chunks. Either way input of any size takes bounded memory.
 */
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { UsageError } from './usage.ts';

export interface Source {
  name: string;
  /** Bytes on disk, when known (for the progress bar). */
  size: number | null;
  /** Dates year-less stamps: the file's modification time, or now for stdin. */
  referenceMs: number;
  /** A plain file, readable at any offset; null for gzip and stdin, which are read as a stream. */
  path: string | null;
  /** The (decompressed) bytes in chunks; for stdin, once only. */
  chunks(): AsyncIterable<Uint8Array>;
  /** Bytes on disk (compressed, for gzip) consumed so far. */
  bytesRead(): number;
  /** Count bytes of a plain file as consumed (they are read elsewhere). */
  consumed(n: number): void;
}

const isGzip = (head: Uint8Array): boolean => head[0] === 0x1f && head[1] === 0x8b;

/** A gzip stream decompressed; data that is not gzip or ends early is the input's fault, named as such. */
async function* gunzip(name: string, stream: ReadableStream<Uint8Array>): AsyncGenerator<Uint8Array> {
  try {
    yield* stream.pipeThrough(
      new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
    );
  } catch (error) {
    throw new UsageError(`${name} is not valid gzip: ${(error as Error).message}`);
  }
}

function counted(
  stream: ReadableStream<Uint8Array>,
  onChunk: (n: number) => void,
): ReadableStream<Uint8Array> {
  return stream.pipeThrough(
    new TransformStream<Uint8Array, Uint8Array>({
      transform(chunk, controller) {
        onChunk(chunk.byteLength);
        controller.enqueue(chunk);
      },
    }),
  );
}

/** Peek at the first bytes of a stream without losing them. */
async function sniff(stream: ReadableStream<Uint8Array>): Promise<[boolean, ReadableStream<Uint8Array>]> {
  const reader = stream.getReader();
  const first = await reader.read();
  const head = first.value ?? new Uint8Array();
  const rest = new ReadableStream<Uint8Array>({
    start(controller) {
      if (head.byteLength > 0) controller.enqueue(head);
      if (first.done) controller.close();
    },
    async pull(controller) {
      const { done, value } = await reader.read();
      if (done) controller.close();
      else controller.enqueue(value);
    },
    cancel: (reason) => reader.cancel(reason),
  });
  return [isGzip(head), rest];
}

function stdinSource(): Source {
  let read = 0;
  return {
    name: 'stdin',
    size: null,
    referenceMs: Date.now(),
    path: null,
    chunks: () => ({
      async *[Symbol.asyncIterator]() {
        const [gzip, stream] = await sniff(counted(Bun.stdin.stream(), (n) => (read += n)));
        yield* gzip ? gunzip('stdin', stream) : stream;
      },
    }),
    bytesRead: () => read,
    consumed: (n) => (read += n),
  };
}

/** The first two bytes of a file (fewer when it is shorter). */
function head(path: string): Uint8Array {
  const fd = openSync(path, 'r');
  try {
    const bytes = new Uint8Array(2);
    return bytes.subarray(0, readSync(fd, bytes, 0, 2, 0));
  } finally {
    closeSync(fd);
  }
}

export function openSource(path: string): Source {
  if (path === '-') return stdinSource();
  let size: number;
  let referenceMs: number;
  let gzip: boolean;
  try {
    const info = statSync(path);
    if (!info.isFile()) throw new UsageError(`${path} is not a file`);
    size = info.size;
    referenceMs = info.mtimeMs;
    gzip = isGzip(head(path));
  } catch (error) {
    if (error instanceof UsageError) throw error;
    throw new UsageError(
      `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
    );
  }
  let read = 0;
  return {
    name: path,
    size,
    referenceMs,
    path: gzip ? null : path,
    chunks: () => {
      const stream = counted(Bun.file(path).stream(), (n) => (read += n));
      return gzip ? gunzip(path, stream) : stream;
    },
    bytesRead: () => read,
    consumed: (n) => (read += n),
  };
}
