/**
 * Where `analyze` reads from: files (plain or gzip, recognised by their magic
 * bytes, not their name) or standard input (`-`). Each source streams in
 * chunks, so input of any size takes constant memory.
 */
import { stat } from 'node:fs/promises';
import { UsageError } from './usage.ts';

export interface Source {
  name: string;
  /** Bytes on disk, when known (for the progress bar). */
  size: number | null;
  /** Dates year-less stamps: the file's modification time, or now for stdin. */
  referenceMs: number;
  chunks: AsyncIterable<Uint8Array>;
  /** Compressed bytes consumed so far. */
  bytesRead(): number;
}

const GZIP_MAGIC = [0x1f, 0x8b];

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
  const gzip = head[0] === GZIP_MAGIC[0] && head[1] === GZIP_MAGIC[1];
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
  return [gzip, rest];
}

export async function openSource(path: string): Promise<Source> {
  let read = 0;
  let raw: ReadableStream<Uint8Array>;
  let size: number | null = null;
  let referenceMs = Date.now();
  if (path === '-') {
    raw = Bun.stdin.stream();
  } else {
    try {
      const info = await stat(path);
      if (!info.isFile()) throw new UsageError(`${path} is not a file`);
      size = info.size;
      referenceMs = info.mtimeMs;
    } catch (error) {
      if (error instanceof UsageError) throw error;
      throw new UsageError(
        `cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`,
      );
    }
    raw = Bun.file(path).stream();
  }
  const [gzip, stream] = await sniff(counted(raw, (n) => (read += n)));
  const chunks = gzip
    ? stream.pipeThrough(
        new DecompressionStream('gzip') as unknown as TransformStream<Uint8Array, Uint8Array>,
      )
    : stream;
  return { name: path === '-' ? 'stdin' : path, size, referenceMs, chunks, bytesRead: () => read };
}
