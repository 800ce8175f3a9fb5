/**
 * A run's result as stored and as rendered again: the busiest flows kept
 * until the record's size budget (and at most 2,000), contracts in full (their
 * flow id lists cut only when even they do not fit), and the way back to a
 * renderer's input.
 */
import type { AnalysisStats, RejectCount } from '../../domain/analysis.ts';
import type { Contract } from '../../domain/contracts.ts';
import type { RenderInput } from '../../domain/render/mod.ts';
import type { RejectReason } from '../../domain/syslog/parse.ts';
import type { Classification, Flow, SgtDictionary } from '../../domain/types.ts';
import type { RunFlow, RunRecord } from '../../kv-schema/run-record.ts';
import { tooLarge } from '../problem.ts';

/** Stored value budget: under NATS' default 1 MB max payload, with room for the envelope. */
export const RUN_RECORD_BUDGET = 900_000;
export const RUN_MAX_FLOWS = 2_000;
/** ACE flow id lists are cut to this many when the contracts alone are over budget. */
const CUT_FLOW_IDS = 16;

const encoder = new TextEncoder();
const sizeOf = (value: unknown): number => encoder.encode(JSON.stringify(value)).byteLength;

export type RunHead = Omit<RunRecord, 'flows' | 'classifications' | 'contracts' | 'truncated'>;

export interface RunResult {
  flows: readonly Flow[];
  classifications: readonly Classification[];
  contracts: readonly Contract[];
}

function storedFlow(f: Flow): RunFlow {
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
    permitHits: f.permitHits,
    denyHits: f.denyHits,
    sgaclNames: f.sgaclNames.map((n) => n.slice(0, 256)),
  };
}

function storedClassification(c: Classification): RunRecord['classifications'][number] {
  return {
    flowId: c.flowId,
    category: c.category,
    rationale: c.rationale.slice(0, 2000),
    source: c.source,
    risk: c.risk,
    ...(c.model === undefined ? {} : { model: c.model.slice(0, 100) }),
    atMs: c.atMs,
  };
}

const cutFlowIds = (contracts: readonly Contract[]): Contract[] =>
  contracts.map((c) => ({
    ...c,
    aces: c.aces.map((a) => ({ ...a, flowIds: a.flowIds.slice(0, CUT_FLOW_IDS) })),
  }));

/** The record to store: `head` plus as much of `result` as fits `budget` bytes. */
export function runRecord(head: RunHead, result: RunResult, budget = RUN_RECORD_BUDGET): RunRecord {
  let contracts: Contract[] = [...result.contracts];
  let truncated = false;
  const base = (): RunRecord => ({ ...head, flows: [], classifications: [], contracts, truncated: true });
  let size = sizeOf(base());
  if (size > budget) {
    contracts = cutFlowIds(contracts);
    truncated = true;
    size = sizeOf(base());
    if (size > budget) {
      throw tooLarge(`the run's ${contracts.length} contracts are too large to store (${size} bytes)`);
    }
  }
  const byFlow = new Map(result.classifications.map((c) => [c.flowId, c]));
  const busiest = [...result.flows].sort((a, b) => b.hits - a.hits || (a.id < b.id ? -1 : 1));
  const flows: RunFlow[] = [];
  const classifications: RunRecord['classifications'] = [];
  for (const f of busiest) {
    if (flows.length === RUN_MAX_FLOWS) break;
    const flow = storedFlow(f);
    const found = byFlow.get(f.id);
    const c = found === undefined ? null : storedClassification(found);
    const cost = sizeOf(flow) + 1 + (c === null ? 0 : sizeOf(c) + 1);
    if (size + cost > budget) break;
    size += cost;
    flows.push(flow);
    if (c !== null) classifications.push(c);
  }
  if (flows.length < result.flows.length) truncated = true;
  return { ...head, flows, classifications, contracts, truncated };
}

export const dictionaryOf = (record: RunRecord): SgtDictionary => new Map(record.sgtNames);

/** What the run's own stats say, back in the analysis' types. */
export function statsOf(record: RunRecord): AnalysisStats {
  const rejected: Partial<Record<RejectReason, RejectCount>> = {};
  for (const [reason, r] of Object.entries(record.stats.rejected)) rejected[reason as RejectReason] = r;
  return { ...record.stats, rejected };
}

/** A renderer's input, from a stored run. */
export function renderInputOf(record: RunRecord): RenderInput {
  return {
    flows: record.flows.map((f) => ({ ...f, srcSamples: [], dstSamples: [], switches: [], interfaces: [] })),
    classifications: record.classifications as Classification[],
    // Validated on read by the same schema the matrix versions use.
    contracts: record.contracts as Contract[],
    stats: statsOf(record),
    sgtNames: dictionaryOf(record),
    generatedAtMs: Date.parse(record.createdAt),
    title: `Segmentation Copilot: run ${record.id}`,
  };
}
