/**
 * One analysis over a body of syslog: split, parse, filter by time window,
 * aggregate, and count everything refused with its reason. Input is bytes,
 * chunk by chunk as they arrive (files, gunzip, the tail, an upload), parsed
 * in place; string lines go through the very same path. Pure and synchronous
 * per chunk, so the same code serves `scopilot analyze`, API runs and the tail.
 */
import { FlowAggregator } from './aggregate.ts';
import {
  AnalysisMerger,
  type AnalysisPart,
  type AnalysisResult,
  type RejectCount,
} from './analysis-parts.ts';
import { LineSplitter, MAX_LINE_BYTES } from './syslog/lines.ts';
import { emptyHit, LineParser, RejectReason } from './syslog/parse.ts';
import { LineEncoder } from './syslog/text.ts';

export type { AnalysisPart, AnalysisResult, AnalysisStats, RejectCount } from './analysis-parts.ts';

export interface AnalysisOptions {
  /** Dates stamps without a year: the file's time, or now. */
  referenceMs: number;
  sinceMs?: number;
  untilMs?: number;
  /** The input starts inside a source, right after a line's end (not at its start). */
  midSource?: boolean;
}

export class Analysis {
  #parser: LineParser;
  readonly #hit = emptyHit();
  readonly #aggregator = new FlowAggregator();
  readonly #since: number;
  readonly #until: number;
  readonly #rejected: Partial<Record<RejectReason, RejectCount>> = {};
  #lines = 0;
  #events = 0;
  #hits = 0;
  #notSgaclHit = 0;
  #outside = 0;
  #rejectedTotal = 0;
  #encoder: LineEncoder | undefined;
  readonly #splitter = new LineSplitter({
    line: (bytes, start, end, plain) => this.#line(bytes, start, end, plain),
    tooLong: () => this.#tooLong(),
  });

  constructor(options: AnalysisOptions) {
    this.#parser = new LineParser(options.referenceMs);
    this.#since = options.sinceMs ?? Number.NEGATIVE_INFINITY;
    this.#until = options.untilMs ?? Number.POSITIVE_INFINITY;
    if (options.midSource === true) this.#splitter.midSource();
  }

  get linesRead(): number {
    return this.#lines;
  }

  /**
   * The next chunk of the current source's bytes, cut anywhere (inside a line,
   * inside a character). Lines are parsed as soon as they are complete.
   */
  addChunk(bytes: Uint8Array): void {
    this.#splitter.push(bytes);
  }

  /** The current source ended: parse its last line if it had no newline. */
  finish(): void {
    this.#splitter.end();
  }

  /** Start the next input (finishing the current one): its reference time dates its year-less stamps. */
  nextSource(referenceMs: number): void {
    this.#splitter.end();
    this.#parser = new LineParser(referenceMs);
  }

  /**
   * Lines already split, as strings (without their endings): each is encoded
   * and takes the byte path, so the rules are the same. A string carries
   * invalid input as U+FFFD (what TextDecoder leaves): refused as invalid UTF-8.
   */
  addLines(lines: readonly string[]): void {
    this.#encoder ??= new LineEncoder();
    const encoder = this.#encoder;
    for (const line of lines) {
      const n = encoder.encode(line);
      if (n > MAX_LINE_BYTES) this.#tooLong();
      else this.#line(encoder.bytes, 0, n, false);
    }
  }

  #line(bytes: Uint8Array, start: number, end: number, plain: boolean): void {
    this.#lines++;
    const hit = this.#hit;
    const reason = this.#parser.parse(bytes, start, end, hit, plain);
    if (reason === null) {
      if (hit.timestampMs < this.#since || hit.timestampMs > this.#until) this.#outside++;
      else {
        this.#events++;
        this.#hits += hit.hits;
        this.#aggregator.add(hit);
      }
    } else if (reason === RejectReason.NotSgaclHit) {
      // An empty line is not traffic of any kind.
      if (end > start) this.#notSgaclHit++;
    } else this.#reject(reason);
  }

  #tooLong(): void {
    this.#lines++;
    this.#reject(RejectReason.TooLong);
  }

  #reject(reason: RejectReason): void {
    this.#rejectedTotal++;
    const entry = this.#rejected[reason];
    if (entry === undefined) this.#rejected[reason] = { count: 1, firstLine: this.#lines };
    else entry.count++;
  }

  /**
   * The counts and flows so far as a part (analysis-parts.ts), to be merged
   * with the parts of other stretches of the input.
   */
  part(): AnalysisPart {
    return {
      stats: {
        linesRead: this.#lines,
        events: this.#events,
        hits: this.#hits,
        notSgaclHit: this.#notSgaclHit,
        outsideWindow: this.#outside,
        rejected: structuredClone(this.#rejected),
        rejectedTotal: this.#rejectedTotal,
      },
      flows: this.#aggregator.parts(),
    };
  }

  /**
   * The flows and stats so far. A source's last line without a newline is
   * only in them once the source is finished (finish() or nextSource()).
   */
  result(): AnalysisResult {
    const merger = new AnalysisMerger();
    merger.add(this.part());
    return merger.result();
  }
}
