/**
 * Ingestion of lines handed over in code (the REST `ingest` endpoint, the demo
 * campus): parse, aggregate, publish one delta per flow. `origin` names the
 * batch (a request id): publishing the same batch twice stores it once.
 */
import { Analysis, type AnalysisStats } from '../../domain/analysis.ts';
import type { EventLog } from '../../engine/types.ts';
import type { Subjects } from '../../streams/mod.ts';
import { observedEffects } from './deltas.ts';
import { publishAll } from './publish.ts';

/** Where ingestion reports what it read (metrics), so this code never imports a registry. */
export interface IngestMetrics {
  /** One batch or interval: its stats and the deltas published; `source` is `tail`, `api` or `demo`. */
  ingested(tenant: string, source: string, stats: AnalysisStats, deltas: number): void;
}

export interface IngestInput {
  log: EventLog;
  subjects: Subjects;
  tenant: string;
  lines: readonly string[];
  /** Unique per batch, e.g. a request id. */
  origin: string;
  /** Shown as the flows' source, e.g. `api` or `demo`. */
  source: string;
  nowMs: number;
  metrics?: IngestMetrics;
}

export interface IngestResult {
  stats: AnalysisStats;
  deltas: number;
}

export async function ingestLines(input: IngestInput): Promise<IngestResult> {
  const analysis = new Analysis({ referenceMs: input.nowMs });
  analysis.addLines(input.lines);
  const { flows, stats } = analysis.result();
  const effects = observedEffects(
    input.subjects,
    input.tenant,
    flows,
    input.source,
    input.origin,
    input.nowMs,
  );
  await publishAll(input.log, effects);
  input.metrics?.ingested(input.tenant, input.source, stats, effects.length);
  return { stats, deltas: effects.length };
}
