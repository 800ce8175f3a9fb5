/**
 * One analysis over a body of syslog: parse, filter by time window, aggregate,
 * and count everything refused with its reason. Pure and synchronous per batch
 * of lines, so the same code serves `scopilot analyze`, API runs and the tail.
 */
import { FlowAggregator } from './aggregate.ts';
import { emptyHit, LineParser, RejectReason } from './syslog/parse.ts';
import type { Flow } from './types.ts';

export interface AnalysisOptions {
  /** Dates stamps without a year: the file's time, or now. */
  referenceMs: number;
  sinceMs?: number;
  untilMs?: number;
}

export interface RejectCount {
  count: number;
  /** 1-based line number of the first line refused for this reason. */
  firstLine: number;
}

export interface AnalysisStats {
  linesRead: number;
  /** SGACLHIT lines accepted (inside the window). */
  events: number;
  /** Sum of their logging_interval_hits. */
  hits: number;
  /** Other syslog traffic: counted, not an error. */
  notSgaclHit: number;
  /** SGACLHIT lines outside --since/--until. */
  outsideWindow: number;
  rejected: Partial<Record<RejectReason, RejectCount>>;
  rejectedTotal: number;
  /** Tags seen on either side of a flow, ascending. */
  tagsSeen: number[];
}

export interface AnalysisResult {
  flows: Flow[];
  stats: AnalysisStats;
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

  constructor(options: AnalysisOptions) {
    this.#parser = new LineParser(options.referenceMs);
    this.#since = options.sinceMs ?? Number.NEGATIVE_INFINITY;
    this.#until = options.untilMs ?? Number.POSITIVE_INFINITY;
  }

  get linesRead(): number {
    return this.#lines;
  }

  /** Start the next input: its own reference time dates its year-less stamps. */
  nextSource(referenceMs: number): void {
    this.#parser = new LineParser(referenceMs);
  }

  addLines(lines: readonly string[]): void {
    const hit = this.#hit;
    for (const line of lines) {
      this.#lines++;
      const reason = this.#parser.parse(line, hit);
      if (reason === null) {
        if (hit.timestampMs < this.#since || hit.timestampMs > this.#until) {
          this.#outside++;
          continue;
        }
        this.#events++;
        this.#hits += hit.hits;
        this.#aggregator.add(hit);
      } else if (reason === RejectReason.NotSgaclHit) {
        // An empty line is not traffic of any kind.
        if (line.length > 0) this.#notSgaclHit++;
      } else {
        this.#rejectedTotal++;
        const entry = this.#rejected[reason];
        if (entry === undefined) this.#rejected[reason] = { count: 1, firstLine: this.#lines };
        else entry.count++;
      }
    }
  }

  result(): AnalysisResult {
    const flows = this.#aggregator.flows();
    const tags = new Set<number>();
    for (const f of flows) {
      tags.add(f.sgt);
      tags.add(f.dgt);
    }
    return {
      flows,
      stats: {
        linesRead: this.#lines,
        events: this.#events,
        hits: this.#hits,
        notSgaclHit: this.#notSgaclHit,
        outsideWindow: this.#outside,
        rejected: { ...this.#rejected },
        rejectedTotal: this.#rejectedTotal,
        tagsSeen: [...tags].sort((a, b) => a - b),
      },
    };
  }
}
