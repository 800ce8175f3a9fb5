/**
 * The units of work of a parallel `analyze`: a byte range of a plain file, or
 * a segment of a stream (gunzip, stdin) already in memory. Each begins right
 * after a line's end and ends right after one (or at the input's end), so each
 * parses on its own into a part; parts merge in input order (analysis-parts.ts).
 * The same code runs on the main thread and in the workers.
 */
import { closeSync, openSync, readSync } from 'node:fs';
import { Analysis, type AnalysisPart } from '../domain/analysis.ts';

/** What every task of one source shares. */
export interface Window {
  referenceMs: number;
  sinceMs?: number;
  untilMs?: number;
}

export interface RangeTask extends Window {
  path: string;
  start: number;
  end: number;
}

/**
 * The ranges of one plain file, shared by every thread: each takes the next
 * untaken range from `next` (an Int32 in shared memory) until none is left,
 * so a thread that is ahead takes more and none waits to be handed work.
 */
export interface RangeBatch {
  ranges: RangeTask[];
  /** The id of the first range's part; the others follow in order. */
  firstId: number;
  next: SharedArrayBuffer;
}

/** The index of the next untaken range of the batch, or -1 when all are taken. */
export function takeRange(batch: RangeBatch): number {
  const i = Atomics.add(new Int32Array(batch.next), 0, 1);
  return i < batch.ranges.length ? i : -1;
}

/**
 * One segment of a stream, on its way to the worker parsing its stretch. A
 * stretch is consecutive segments aggregated into one part: segments stay
 * small (bounded memory in flight) while parts stay few (each part samples
 * every flow's first events again and is serialised and merged).
 */
export interface StretchPiece extends Window {
  /** The stretch, which is also its part's id. */
  id: number;
  bytes: Uint8Array;
  /** The stretch starts inside its source (a BOM at its start is data); read from its first piece. */
  midSource: boolean;
  /** The stretch's last piece: its part follows. */
  end: boolean;
}

/** Size of the reads a range is parsed from: small enough to stay in the CPU's cache. */
export const READ_BYTES = 1 << 20;

/** Feed bytes [start, end) of the file to `analysis`, read into `buffer`. */
export function readRange(
  path: string,
  start: number,
  end: number,
  analysis: Analysis,
  buffer: Uint8Array,
): void {
  const fd = openSync(path, 'r');
  try {
    for (let pos = start; pos < end; ) {
      const n = readSync(fd, buffer, 0, Math.min(buffer.length, end - pos), pos);
      if (n === 0) break;
      analysis.addChunk(n === buffer.length ? buffer : buffer.subarray(0, n));
      pos += n;
    }
  } finally {
    closeSync(fd);
  }
}

export const analysisOptions = (w: Window, midSource: boolean) => ({
  referenceMs: w.referenceMs,
  midSource,
  ...(w.sinceMs === undefined ? {} : { sinceMs: w.sinceMs }),
  ...(w.untilMs === undefined ? {} : { untilMs: w.untilMs }),
});

export function rangePart(task: RangeTask, buffer: Uint8Array): AnalysisPart {
  const analysis = new Analysis(analysisOptions(task, task.start > 0));
  readRange(task.path, task.start, task.end, analysis, buffer);
  analysis.finish();
  return analysis.part();
}

/** The part of a line too long to keep (a segment never holds it): one line, refused. */
export const TOO_LONG_PART = (): AnalysisPart => ({
  stats: {
    linesRead: 1,
    events: 0,
    hits: 0,
    notSgaclHit: 0,
    outsideWindow: 0,
    rejected: { too_long: { count: 1, firstLine: 1 } },
    rejectedTotal: 1,
  },
  flows: [],
});

/** Offset just after the first newline at or after `from` (the file's size when there is none). */
function lineStart(fd: number, from: number, size: number, buffer: Uint8Array): number {
  for (let pos = from; pos < size; ) {
    const n = readSync(fd, buffer, 0, Math.min(buffer.length, size - pos), pos);
    if (n === 0) break;
    const nl = buffer.subarray(0, n).indexOf(10);
    if (nl !== -1) return pos + nl + 1;
    pos += n;
  }
  return size;
}

/**
 * Cut [0, size) into about `count` ranges, each starting right after a
 * newline (the first at 0). The cut points are found by reading a little
 * after each even split.
 */
export function planRanges(path: string, size: number, count: number): [number, number][] {
  const cuts = [0];
  const fd = openSync(path, 'r');
  try {
    const buffer = new Uint8Array(64 * 1024);
    for (let k = 1; k < count; k++) {
      const at = lineStart(fd, Math.max(Math.floor((size * k) / count) - 1, cuts.at(-1)!), size, buffer);
      if (at > cuts.at(-1)! && at < size) cuts.push(at);
    }
  } finally {
    closeSync(fd);
  }
  cuts.push(size);
  return cuts.slice(1).map((end, i) => [cuts[i]!, end]);
}
