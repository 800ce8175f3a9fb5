/**
 * On-demand analysis runs (`scopilot_runs`, `<t>.<runId>`, 30 days): what a
 * `POST /api/v1/runs` computed, enough to answer its metadata and render its
 * matrix again in any format. Kept under ~900 KB (NATS' default 1 MB payload):
 * the contracts and stats in full, the busiest flows only, `truncated` when cut.
 *
 * A staged run goes through its stages one request at a time: `open` (lines
 * are appended, aggregated on arrival; only the aggregate is stored, with each
 * flow's days so later lines merge exactly), `classified`, then `done` with
 * contracts. A one-shot upload is `done` at once.
 */
import * as v from 'valibot';
import type { Engine } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../streams/namespace.ts';
import { Bucket, bucketName } from './buckets.ts';
import { ClassificationRecord, Contract } from './records.ts';
import { TypedBucket } from './typed.ts';

const Iso = v.pipe(v.string(), v.isoTimestamp());
const Ms = v.pipe(v.number(), v.integer());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Port = v.union([Count, v.literal('any')]);

/** The analysis counters (domain/analysis.ts AnalysisStats). */
export const RunStats = v.object({
  linesRead: Count,
  events: Count,
  hits: Count,
  notSgaclHit: Count,
  outsideWindow: Count,
  rejected: v.record(v.string(), v.object({ count: Count, firstLine: Count })),
  rejectedTotal: Count,
  tagsSeen: v.array(Tag),
});
export type RunStats = v.InferOutput<typeof RunStats>;

/** A flow as a run keeps it: no address samples, switches or interfaces (renderers do not use them). */
export const RunFlow = v.object({
  id: Text(64),
  sgt: Tag,
  dgt: Tag,
  protocol: Text(8),
  srcPort: Port,
  dstPort: Port,
  hits: Count,
  events: Count,
  firstSeenMs: Ms,
  lastSeenMs: Ms,
  daysSeen: Count,
  permitHits: Count,
  denyHits: Count,
  sgaclNames: v.array(Text(256)),
  /** Staged runs only: the distinct UTC days (epoch day numbers) behind daysSeen. */
  days: v.optional(v.array(Count)),
});
export type RunFlow = v.InferOutput<typeof RunFlow>;

export const RunClassifier = v.picklist(['heuristic', 'auto']);

export const RunStatus = v.picklist(['open', 'classified', 'done']);
export type RunStatus = v.InferOutput<typeof RunStatus>;

export const RunRecord = v.object({
  id: Text(64),
  tenant: Text(63),
  status: RunStatus,
  createdAt: Iso,
  /** Staged runs: the last change. */
  updatedAt: v.optional(Iso),
  createdBy: Text(200),
  params: v.object({
    since: v.nullable(Iso),
    until: v.nullable(Iso),
    classifier: RunClassifier,
  }),
  /** What was uploaded: one entry per file (a text or gzip body is one). */
  sources: v.array(v.object({ name: Text(255), bytes: Count, gzip: v.boolean() })),
  stats: RunStats,
  /** Totals of the whole run, whatever was kept below. */
  flowCount: Count,
  contractCount: Count,
  missingSgts: v.array(Tag),
  /** The names the run used (tenant dictionary overlaid by the upload), for tags it saw. */
  sgtNames: v.array(v.tuple([Tag, Text(128)])),
  /** The busiest flows, at most 2,000, and their classifications. */
  flows: v.array(RunFlow),
  classifications: v.array(ClassificationRecord),
  contracts: v.array(Contract),
  /** Flows were left out, or contracts' flow id lists shortened, to fit the size budget. */
  truncated: v.boolean(),
  /** Staged runs: the ids of the latest line batches, so a batch sent again is counted once. */
  batchIds: v.optional(v.array(Text(64))),
});
export type RunRecord = v.InferOutput<typeof RunRecord>;

export type RunStore = TypedBucket<typeof RunRecord>;

/** The typed `scopilot_runs` bucket (Stores does not carry it). Key with `keys.run`. */
export async function openRunStore(engine: Engine, ns: Namespace = DEFAULT_NAMESPACE): Promise<RunStore> {
  return new TypedBucket(await engine.kv.bucket(bucketName(Bucket.Runs, ns)), RunRecord);
}
