/**
 * Reading every source of `analyze` into one result, on every core. A large
 * plain file is cut into ranges at line ends; gzip and stdin are cut into
 * segments as they stream in. Every thread, this one included, takes a
 * file's next range from a shared counter the moment it is free (so no
 * worker waits for this one to hand it work, and none is waited for while it
 * starts). A stream is read and decompressed on this thread while the
 * workers parse its segments, a run of them (a stretch) into one part each.
 * Parts merge in input order into exactly the result of one pass: `--jobs 1`
 * is that pass. Memory stays bounded: a few segments in flight, one read
 * buffer per thread, the flows.
 */
import { Analysis, type AnalysisPart, type AnalysisResult } from '../domain/analysis.ts';
import { AnalysisMerger } from '../domain/analysis-parts.ts';
import {
  planRanges,
  type RangeBatch,
  type RangeTask,
  READ_BYTES,
  rangePart,
  readRange,
  type StretchPiece,
  TOO_LONG_PART,
  takeRange,
  type Window,
} from './analyze-tasks.ts';
import type { TaskMessage, WorkerMessage } from './analyze-worker.ts';
import type { Source } from './input.ts';
import { segments } from './segments.ts';

export interface ReadOptions {
  sinceMs?: number;
  untilMs?: number;
  /** Threads that parse, this one included; 1 reads sequentially. */
  jobs: number;
  /** Plain files smaller than this are read by this thread alone. */
  parallelFrom?: number;
  /** Size of a plain file's ranges (default: the file cut into two per thread). */
  rangeBytes?: number;
  /** Size of a stream's segments. */
  segmentBytes?: number;
  /** Size of a stream's stretches. */
  stretchBytes?: number;
  /** Lines parsed so far, as parts come in (for a progress bar). */
  onLines?: (lines: number) => void;
}

const MB = 1024 * 1024;
/** Ranges a plain file is cut into per thread. */
const RANGES_PER_THREAD = 2;
/** Pieces of a stream queued per worker: one parsing, one waiting. */
const DEPTH = 2;
/** A stream's segments (what crosses to a worker at once). */
const SEGMENT_BYTES = 4 * MB;
/** A stream's stretches (what one part covers). */
const STRETCH_BYTES = 64 * MB;

const windowOf = (source: Source, o: ReadOptions): Window => ({
  referenceMs: source.referenceMs,
  ...(o.sinceMs === undefined ? {} : { sinceMs: o.sinceMs }),
  ...(o.untilMs === undefined ? {} : { untilMs: o.untilMs }),
});

/** One pass on this thread: the reference the parallel reading must equal. */
async function sequential(sources: readonly Source[], o: ReadOptions): Promise<AnalysisResult> {
  const analysis = new Analysis(windowOf(sources[0]!, o));
  const buffer = new Uint8Array(READ_BYTES);
  for (const source of sources) {
    analysis.nextSource(source.referenceMs);
    if (source.path !== null) {
      readRange(source.path, 0, source.size ?? 0, analysis, buffer);
      source.consumed(source.size ?? 0);
    } else for await (const chunk of source.chunks()) analysis.addChunk(chunk);
    analysis.finish();
    o.onLines?.(analysis.linesRead);
  }
  return analysis.result();
}

interface Thread {
  worker: Worker;
  /** Stretch pieces sent and not answered yet. */
  queued: number;
}

/** A stream's stretch being sent: its part's id, the worker parsing it, its bytes so far. */
interface Stretch {
  id: number;
  thread: Thread;
  bytes: number;
}

/** The workers, this thread, and the parts on their way back to be merged in order. */
class Crew {
  readonly #size: number;
  readonly #threads: Thread[] = [];
  readonly #parts = new Map<number, AnalysisPart>();
  readonly #merger = new AnalysisMerger();
  readonly #buffer = new Uint8Array(READ_BYTES);
  readonly #onLines: ((lines: number) => void) | undefined;
  /** What to do when a part of a range comes in (count its bytes as read), by part id. */
  readonly #onPart = new Map<number, () => void>();
  /** Called whenever a worker answers a piece (it has room again). */
  #room: (() => void) | null = null;
  #next = 0;
  #merged = 0;
  /** Parts expected from workers and not in yet. */
  #out = 0;
  #drained: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #failure: Error | null = null;

  constructor(workers: number, onLines?: (lines: number) => void) {
    this.#size = workers;
    this.#onLines = onLines;
  }

  /** Start the workers (once). */
  #start(): void {
    if (this.#threads.length > 0) return;
    for (let i = 0; i < this.#size; i++) {
      const thread = { worker: new Worker(new URL('./analyze-worker.ts', import.meta.url).href), queued: 0 };
      thread.worker.onmessage = (event: MessageEvent<WorkerMessage>) => this.#answer(thread, event.data);
      thread.worker.onerror = (event) => this.#fail(new Error(`analyze worker: ${event.message}`));
      this.#threads.push(thread);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#drained?.reject(error);
    this.#room?.();
  }

  #answer(thread: Thread, m: WorkerMessage): void {
    if ('piece' in m) {
      thread.queued--;
      this.#room?.();
      if ('ack' in m) return;
    }
    this.#out--;
    if ('error' in m) this.#fail(new Error(`cannot read: ${m.error}`));
    else {
      try {
        this.#done(m.id, JSON.parse(m.part) as AnalysisPart);
      } catch (error) {
        this.#fail(error as Error);
      }
    }
    if (this.#out === 0) this.#drained?.resolve();
  }

  #done(id: number, part: AnalysisPart): void {
    this.#onPart.get(id)?.();
    this.#onPart.delete(id);
    this.#parts.set(id, part);
    for (let p = this.#parts.get(this.#merged); p !== undefined; p = this.#parts.get(this.#merged)) {
      this.#parts.delete(this.#merged++);
      this.#merger.add(p);
    }
    this.#onLines?.(this.#merger.linesRead);
  }

  /**
   * The ranges of a plain file: shared with the workers through one counter
   * (RangeBatch), this thread taking its share too. A single range is parsed
   * here without starting any worker.
   */
  async ranges(ranges: RangeTask[], onRange: (bytes: number) => void): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const batch: RangeBatch = { ranges, firstId: this.#next, next: new SharedArrayBuffer(4) };
    this.#next += ranges.length;
    for (const [i, r] of ranges.entries())
      this.#onPart.set(batch.firstId + i, () => onRange(r.end - r.start));
    if (ranges.length > 1) this.#start();
    const shared = this.#threads.length > 0;
    if (shared) {
      // Every part of the batch is expected: those this thread makes are counted back below.
      this.#out += ranges.length;
      for (const t of this.#threads) t.worker.postMessage({ batch } satisfies TaskMessage);
    }
    for (let i = takeRange(batch); i >= 0; i = takeRange(batch)) {
      this.#done(batch.firstId + i, rangePart(ranges[i]!, this.#buffer));
      if (shared) this.#out--;
    }
    // Let the workers' answers in before what follows.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** Until `thread` (or, without one, any worker) has room for another piece: that worker. */
  async #roomOn(thread: Thread | null): Promise<Thread> {
    for (;;) {
      if (this.#failure !== null) throw this.#failure;
      const candidates = thread === null ? this.#threads : [thread];
      let best: Thread | null = null;
      for (const t of candidates) if (t.queued < DEPTH && (best === null || t.queued < best.queued)) best = t;
      if (best !== null) return best;
      await new Promise<void>((resolve) => {
        this.#room = resolve;
      });
      this.#room = null;
    }
  }

  /**
   * A stream, segment by segment: this thread reads (and decompresses) while
   * the workers parse. Consecutive segments form a stretch parsed by one
   * worker into one part.
   */
  async stream(source: Source, window: Window, o: ReadOptions): Promise<void> {
    this.#start();
    const stretchBytes = o.stretchBytes ?? STRETCH_BYTES;
    let open: Stretch | null = null;
    let first = true;
    const send = async (s: Stretch, bytes: Uint8Array, end: boolean) => {
      const thread = await this.#roomOn(s.thread);
      thread.queued++;
      const piece: StretchPiece = { ...window, id: s.id, bytes, midSource: !first, end };
      thread.worker.postMessage({ piece } satisfies TaskMessage, [bytes.buffer as ArrayBuffer]);
    };
    for await (const s of segments(source.chunks(), o.segmentBytes ?? SEGMENT_BYTES)) {
      if (s === 'too long') {
        // The stretch ends before the line, which is a part of its own.
        if (open !== null) await send(open, new Uint8Array(0), true);
        open = null;
        this.add(TOO_LONG_PART());
      } else {
        if (open === null) {
          open = { id: this.#next++, thread: await this.#roomOn(null), bytes: 0 };
          this.#out++;
        }
        open.bytes += s.bytes.length;
        const end = s.last || open.bytes >= stretchBytes;
        await send(open, s.bytes, end);
        if (end) open = null;
      }
      first = false;
    }
    // segments() ends on a `last` segment or a line too long, both of which close the
    // stretch; closing here too means no stretch can stay open and leave the read waiting.
    if (open !== null) await send(open, new Uint8Array(0), true);
  }

  /** A part made here without parsing (a line too long for any segment). */
  add(part: AnalysisPart): void {
    this.#done(this.#next++, part);
  }

  /** Every task answered: the merged result. */
  async result(): Promise<AnalysisResult> {
    if (this.#failure === null && this.#out > 0) {
      await new Promise<void>((resolve, reject) => {
        this.#drained = { resolve, reject };
      });
    }
    if (this.#failure !== null) throw this.#failure;
    return this.#merger.result();
  }

  /** Stop the workers (done or not). */
  close(): void {
    for (const t of this.#threads) t.worker.terminate();
  }
}

export async function readSources(sources: readonly Source[], o: ReadOptions): Promise<AnalysisResult> {
  if (o.jobs <= 1) return sequential(sources, o);
  const crew = new Crew(o.jobs - 1, o.onLines);
  try {
    const parallelFrom = o.parallelFrom ?? 16 * MB;
    for (const source of sources) {
      const window = windowOf(source, o);
      if (source.path === null) {
        await crew.stream(source, window, o);
        continue;
      }
      const size = source.size ?? 0;
      // Each range costs a fresh aggregation (every flow's first events sampled
      // again, its part serialised and merged), so not too many; a few per
      // thread let a thread that is ahead take more.
      const rangeBytes = o.rangeBytes ?? Math.max(4 * MB, size / (o.jobs * RANGES_PER_THREAD));
      const count = size < parallelFrom ? 1 : Math.ceil(size / rangeBytes);
      const path = source.path;
      const ranges = planRanges(path, size, count).map(([start, end]) => ({ ...window, path, start, end }));
      await crew.ranges(ranges, (bytes) => source.consumed(bytes));
    }
    return await crew.result();
  } finally {
    crew.close();
  }
}
