/**
 * Staged runs, the pure part: an open run's record, and one batch of lines'
 * aggregate merged into it. Only aggregates are kept, never lines: per flow
 * the counters, first and last time, switch actions, SGACL names and the days
 * it was seen; the analysis counters summed. Days are what each batch proves
 * (its first and last day per flow, as the live aggregator keeps them), with
 * daysSeen never below what one batch counted.
 */
import type { AnalysisStats } from '../../domain/analysis.ts';
import type { Flow } from '../../domain/types.ts';
import type { RunFlow, RunRecord, RunStats } from '../../kv-schema/run-record.ts';
import { RUN_MAX_FLOWS } from './run-result.ts';

/** A staged run holds at most this many distinct flows (as many as a stored run keeps). */
export const STAGED_MAX_FLOWS = RUN_MAX_FLOWS;
/** Batch ids remembered for deduplication. */
export const STAGED_BATCH_IDS = 64;
const MAX_SGACL_NAMES = 8;
const MAX_DAYS = 366;
const DAY_MS = 86_400_000;

export const StageErrorCode = { TooManyFlows: 'STAGE_TOO_MANY_FLOWS' } as const;
export type StageErrorCode = (typeof StageErrorCode)[keyof typeof StageErrorCode];

export class StageError extends Error {
  readonly code: StageErrorCode;
  constructor(code: StageErrorCode, message: string) {
    super(message);
    this.name = 'StageError';
    this.code = code;
  }
}

export interface OpenRunInput {
  id: string;
  tenant: string;
  createdBy: string;
  nowMs: number;
  params: RunRecord['params'];
}

export const EMPTY_STATS: RunStats = {
  linesRead: 0,
  events: 0,
  hits: 0,
  notSgaclHit: 0,
  outsideWindow: 0,
  rejected: {},
  rejectedTotal: 0,
  tagsSeen: [],
};

/** A new open run: no lines yet. */
export function openRunRecord(i: OpenRunInput): RunRecord {
  const at = new Date(i.nowMs).toISOString();
  return {
    id: i.id,
    tenant: i.tenant,
    status: 'open',
    createdAt: at,
    updatedAt: at,
    createdBy: i.createdBy,
    params: i.params,
    sources: [{ name: 'lines', bytes: 0, gzip: false }],
    stats: EMPTY_STATS,
    flowCount: 0,
    contractCount: 0,
    missingSgts: [],
    sgtNames: [],
    flows: [],
    classifications: [],
    contracts: [],
    truncated: false,
    batchIds: [],
  };
}

export interface Batch {
  flows: readonly Flow[];
  stats: AnalysisStats;
  /** Bytes of the lines, for the run's source entry. */
  bytes: number;
  /** The caller's id for the batch: a batch sent again is counted once. */
  batchId?: string;
}

function mergeStats(a: RunStats, b: AnalysisStats): RunStats {
  const rejected = { ...a.rejected };
  for (const [reason, r] of Object.entries(b.rejected)) {
    if (r === undefined) continue;
    const before = rejected[reason];
    // Line numbers count from the run's first line.
    rejected[reason] =
      before === undefined
        ? { count: r.count, firstLine: a.linesRead + r.firstLine }
        : { count: before.count + r.count, firstLine: before.firstLine };
  }
  return {
    linesRead: a.linesRead + b.linesRead,
    events: a.events + b.events,
    hits: a.hits + b.hits,
    notSgaclHit: a.notSgaclHit + b.notSgaclHit,
    outsideWindow: a.outsideWindow + b.outsideWindow,
    rejected,
    rejectedTotal: a.rejectedTotal + b.rejectedTotal,
    tagsSeen: [...new Set([...a.tagsSeen, ...b.tagsSeen])].sort((x, y) => x - y),
  };
}

const dayOf = (ms: number): number => Math.floor(ms / DAY_MS);

function mergeFlow(before: RunFlow | undefined, f: Flow): RunFlow {
  const days = new Set([...(before?.days ?? []), dayOf(f.firstSeenMs), dayOf(f.lastSeenMs)]);
  const sorted = [...days].sort((a, b) => a - b).slice(-MAX_DAYS);
  const names = [...new Set([...(before?.sgaclNames ?? []), ...f.sgaclNames.map((n) => n.slice(0, 256))])];
  return {
    id: f.id,
    sgt: f.sgt,
    dgt: f.dgt,
    protocol: f.protocol,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    hits: (before?.hits ?? 0) + f.hits,
    events: (before?.events ?? 0) + f.events,
    firstSeenMs: Math.min(before?.firstSeenMs ?? f.firstSeenMs, f.firstSeenMs),
    lastSeenMs: Math.max(before?.lastSeenMs ?? f.lastSeenMs, f.lastSeenMs),
    daysSeen: Math.max(sorted.length, before?.daysSeen ?? 0, f.daysSeen),
    permitHits: (before?.permitHits ?? 0) + f.permitHits,
    denyHits: (before?.denyHits ?? 0) + f.denyHits,
    sgaclNames: names.slice(0, MAX_SGACL_NAMES),
    days: sorted,
  };
}

/**
 * The open run with `batch` added; `duplicate` when its id was seen already
 * (the record is then returned as it was). Throws StageError when the run
 * would hold more than STAGED_MAX_FLOWS flows: the whole batch is refused.
 */
export function addBatch(
  record: RunRecord,
  batch: Batch,
  nowMs: number,
): { record: RunRecord; duplicate: boolean } {
  const ids = record.batchIds ?? [];
  if (batch.batchId !== undefined && ids.includes(batch.batchId)) return { record, duplicate: true };
  const flows = new Map(record.flows.map((f) => [f.id, f]));
  for (const f of batch.flows) flows.set(f.id, mergeFlow(flows.get(f.id), f));
  if (flows.size > STAGED_MAX_FLOWS) {
    throw new StageError(
      StageErrorCode.TooManyFlows,
      `the run would hold ${flows.size} flows; a staged run holds at most ${STAGED_MAX_FLOWS} ` +
        '(upload large logs in one go with POST /runs)',
    );
  }
  const merged = [...flows.values()].sort((a, b) => b.hits - a.hits || (a.id < b.id ? -1 : 1));
  const bytes = (record.sources[0]?.bytes ?? 0) + batch.bytes;
  return {
    duplicate: false,
    record: {
      ...record,
      updatedAt: new Date(nowMs).toISOString(),
      sources: [{ name: 'lines', bytes, gzip: false }],
      stats: mergeStats(record.stats, batch.stats),
      flows: merged,
      flowCount: merged.length,
      batchIds: batch.batchId === undefined ? ids : [...ids, batch.batchId].slice(-STAGED_BATCH_IDS),
    },
  };
}

/** A stored flow as the domain code takes it (no samples, switches or interfaces are kept). */
export function flowOf(f: RunFlow): Flow {
  return {
    id: f.id,
    sgt: f.sgt,
    dgt: f.dgt,
    protocol: f.protocol,
    srcPort: f.srcPort,
    dstPort: f.dstPort,
    hits: f.hits,
    events: f.events,
    firstSeenMs: f.firstSeenMs,
    lastSeenMs: f.lastSeenMs,
    daysSeen: f.daysSeen,
    srcSamples: [],
    dstSamples: [],
    permitHits: f.permitHits,
    denyHits: f.denyHits,
    switches: [],
    interfaces: [],
    sgaclNames: f.sgaclNames,
  };
}
