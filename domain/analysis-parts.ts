/**
 * One analysis's outcome over one stretch of input, and how the stretches'
 * outcomes add up. Input parsed on several threads comes back as parts; added
 * in input order they give exactly the result one pass over the whole input
 * gives, which is how that pass reports too (a single part). Plain data: a
 * part crosses threads.
 */
import { FlowMerger, type FlowPart } from './flow-parts.ts';
import type { RejectReason } from './syslog/hit.ts';
import type { Flow } from './types.ts';

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

/** Counts of one stretch; line numbers in `rejected` count from the stretch's start. */
export type PartStats = Omit<AnalysisStats, 'tagsSeen'>;

export interface AnalysisPart {
  stats: PartStats;
  flows: FlowPart[];
}

/** Parts in (in input order), the result out. */
export class AnalysisMerger {
  readonly #flows = new FlowMerger();
  readonly #stats: PartStats = {
    linesRead: 0,
    events: 0,
    hits: 0,
    notSgaclHit: 0,
    outsideWindow: 0,
    rejected: {},
    rejectedTotal: 0,
  };

  /** The next stretch's part; the merger owns it from now on. */
  add(part: AnalysisPart): void {
    const s = this.#stats;
    const p = part.stats;
    for (const [reason, r] of Object.entries(p.rejected) as [RejectReason, RejectCount][]) {
      const known = s.rejected[reason];
      if (known === undefined) s.rejected[reason] = { count: r.count, firstLine: s.linesRead + r.firstLine };
      else known.count += r.count;
    }
    s.linesRead += p.linesRead;
    s.events += p.events;
    s.hits += p.hits;
    s.notSgaclHit += p.notSgaclHit;
    s.outsideWindow += p.outsideWindow;
    s.rejectedTotal += p.rejectedTotal;
    this.#flows.add(part.flows);
  }

  get linesRead(): number {
    return this.#stats.linesRead;
  }

  result(): AnalysisResult {
    const flows = this.#flows.flows();
    const tags = new Set<number>();
    for (const f of flows) {
      tags.add(f.sgt);
      tags.add(f.dgt);
    }
    const s = this.#stats;
    return {
      flows,
      stats: { ...s, rejected: { ...s.rejected }, tagsSeen: [...tags].sort((a, b) => a - b) },
    };
  }
}
