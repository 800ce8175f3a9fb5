/**
 * Reading every source of `analyze` into one result, on every core. A large
 * plain file is cut into ranges at line ends; gzip and stdin are cut into
 * segments as they stream in (decompressed on this thread). Ranges and
 * segments are parsed by worker threads and by this thread too (which takes
 * the next task whenever the workers have enough queued, so their start-up is
 * never waited for), and their parts merge in input order into exactly the
 * result of one pass: `--jobs 1` is that pass. Memory stays bounded: a few
 * segments in flight, one read buffer per thread, the flows.
 */
import { Analysis, type AnalysisPart, type AnalysisResult } from '../domain/analysis.ts';
import { AnalysisMerger } from '../domain/analysis-parts.ts';
import {
  planRanges,
  type RangeTask,
  READ_BYTES,
  rangePart,
  readRange,
  type SegmentTask,
  segmentPart,
  TOO_LONG_PART,
  type Window,
} from './analyze-tasks.ts';
import type { PartMessage, TaskMessage } from './analyze-worker.ts';
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
  /** Lines parsed so far, as parts come in (for a progress bar). */
  onLines?: (lines: number) => void;
}

const MB = 1024 * 1024;
/** Ranges a plain file is cut into per thread. */
const RANGES_PER_THREAD = 2;
/** Segments queued per worker: one parsing, one waiting. */
const DEPTH = 2;

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
  queued: number;
}

/** The workers, this thread, and the parts on their way back to be merged in order. */
class Crew {
  readonly #size: number;
  readonly #threads: Thread[] = [];
  readonly #parts = new Map<number, AnalysisPart>();
  readonly #merger = new AnalysisMerger();
  readonly #buffer = new Uint8Array(READ_BYTES);
  readonly #onLines: ((lines: number) => void) | undefined;
  #next = 0;
  #merged = 0;
  /** Tasks sent to workers and not answered yet. */
  #out = 0;
  #drained: { resolve: () => void; reject: (e: Error) => void } | null = null;
  #failure: Error | null = null;

  constructor(workers: number, onLines?: (lines: number) => void) {
    this.#size = workers;
    this.#onLines = onLines;
  }

  /** Start the workers (once): only when there is more than one task to share. */
  #start(): void {
    if (this.#threads.length > 0 || this.#size === 0) return;
    for (let i = 0; i < this.#size; i++) {
      const thread = { worker: new Worker(new URL('./analyze-worker.ts', import.meta.url).href), queued: 0 };
      thread.worker.onmessage = (event: MessageEvent<PartMessage>) => this.#answer(thread, event.data);
      thread.worker.onerror = (event) => this.#fail(new Error(`analyze worker: ${event.message}`));
      this.#threads.push(thread);
    }
  }

  #fail(error: Error): void {
    this.#failure ??= error;
    this.#drained?.reject(error);
  }

  #answer(thread: Thread, m: PartMessage): void {
    thread.queued--;
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
    this.#parts.set(id, part);
    for (let p = this.#parts.get(this.#merged); p !== undefined; p = this.#parts.get(this.#merged)) {
      this.#parts.delete(this.#merged++);
      this.#merger.add(p);
    }
    this.#onLines?.(this.#merger.linesRead);
  }

  /** Run a task: on a worker with room, else on this thread; `share` says more tasks follow. */
  async run(task: { range: RangeTask } | { segment: SegmentTask }, share: boolean): Promise<void> {
    if (this.#failure !== null) throw this.#failure;
    const id = this.#next++;
    if (share) this.#start();
    // A range is long: one at a time per worker, so this thread, taking the
    // next whenever the workers are busy, gets its share of a few big ones.
    const depth = 'range' in task ? 1 : DEPTH;
    let thread: Thread | null = null;
    for (const t of this.#threads)
      if (t.queued < depth && (thread === null || t.queued < thread.queued)) thread = t;
    if (thread !== null) {
      thread.queued++;
      this.#out++;
      if ('range' in task) thread.worker.postMessage({ id, range: task.range } satisfies TaskMessage);
      else
        thread.worker.postMessage({ id, segment: task.segment } satisfies TaskMessage, [
          task.segment.bytes.buffer as ArrayBuffer,
        ]);
      return;
    }
    this.#done(id, 'range' in task ? rangePart(task.range, this.#buffer) : segmentPart(task.segment));
    // Let the workers' answers in before the next task.
    await new Promise((resolve) => setImmediate(resolve));
  }

  /** A part made here without parsing (a line too long for any segment). */
  add(part: AnalysisPart): void {
    this.#done(this.#next++, part);
  }

  /** Every task answered: the merged result. */
  async result(): Promise<AnalysisResult> {
    try {
      if (this.#failure === null && this.#out > 0) {
        await new Promise<void>((resolve, reject) => {
          this.#drained = { resolve, reject };
        });
      }
      if (this.#failure !== null) throw this.#failure;
      return this.#merger.result();
    } finally {
      for (const t of this.#threads) t.worker.terminate();
    }
  }
}

export async function readSources(sources: readonly Source[], o: ReadOptions): Promise<AnalysisResult> {
  if (o.jobs <= 1) return sequential(sources, o);
  const crew = new Crew(o.jobs - 1, o.onLines);
  const parallelFrom = o.parallelFrom ?? 16 * MB;
  for (const source of sources) {
    const window = windowOf(source, o);
    if (source.path !== null) {
      const size = source.size ?? 0;
      // Few ranges: each costs a fresh aggregation (every flow's first events
      // sampled again, its part serialised and merged), which at 64 MB ranges
      // made a 10M-line file cost twice the CPU of one pass. Two per thread
      // still lets a thread that is ahead take more.
      const rangeBytes = o.rangeBytes ?? Math.max(4 * MB, size / (o.jobs * RANGES_PER_THREAD));
      const count = size < parallelFrom ? 1 : Math.ceil(size / rangeBytes);
      const ranges = planRanges(source.path, size, count);
      for (const [start, end] of ranges) {
        await crew.run({ range: { ...window, path: source.path, start, end } }, ranges.length > 1);
        source.consumed(end - start);
      }
      continue;
    }
    let first = true;
    for await (const s of segments(source.chunks(), o.segmentBytes ?? 8 * MB)) {
      if (s === 'too long') crew.add(TOO_LONG_PART());
      else await crew.run({ segment: { ...window, bytes: s.bytes, midSource: !first } }, !s.last);
      first = false;
    }
  }
  return crew.result();
}
