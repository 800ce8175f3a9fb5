/**
 * The ISE sync state (`scopilot_ise`): what the product last imported from or
 * pushed to each tenant's ISE, one key per cell and per SGACL so that a push
 * records every write on its own key (CAS) while cells run in parallel.
 *
 * A cell's fingerprint covers everything that decides its policy in ISE —
 * status, default rule and the content of its SGACLs in order — so an edit
 * made in ISE to the cell or to any SGACL it uses changes it. That is how a
 * cell changed behind the product's back is told from one the product wrote.
 */
import * as v from 'valibot';
import type { Engine } from '../engine/types.ts';
import { DEFAULT_NAMESPACE, type Namespace } from '../streams/namespace.ts';
import { Bucket, bucketName } from './buckets.ts';
import { TypedBucket } from './typed.ts';

const Ms = v.pipe(v.number(), v.integer());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));
const IseId = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const Fingerprint = v.pipe(v.string(), v.regex(/^[0-9a-f]{16,64}$/));

export const IseCellStatusValue = v.picklist(['ENABLED', 'DISABLED', 'MONITOR']);
export const IseDefaultRuleValue = v.picklist(['NONE', 'DENY_IP', 'PERMIT_IP']);

/** One egress cell (`<t>.cell.<sgt>-<dgt>`; the ANY-ANY default is 65535-65535). */
export const IseCellRecord = v.object({
  sgt: Tag,
  dgt: Tag,
  /** ISE's id; absent while a create is in flight (`pending`). */
  iseId: v.optional(IseId),
  generationId: v.optional(Text(64)),
  /** Of status, default rule and SGACL contents, as last imported or written. */
  fingerprint: v.optional(Fingerprint),
  status: IseCellStatusValue,
  defaultRule: IseDefaultRuleValue,
  /** ISE ids of the SGACLs the cell lists, in order. */
  sgacls: v.pipe(v.array(IseId), v.maxLength(256)),
  /** The product created it: only such a cell is ever deleted or promoted by the product. */
  createdByUs: v.boolean(),
  /**
   * A create was sent and its outcome not yet recorded (the process may have
   * died, or ISE's answer was lost): a cell found in ISE later with this
   * fingerprint is the product's own.
   */
  pending: v.optional(v.object({ atMs: Ms, fingerprint: Fingerprint })),
  /** When it entered MONITOR by a push (its content last changed while in MONITOR). */
  monitorSinceMs: v.optional(Ms),
  /** The matrix version it was last imported from or pushed for. */
  version: Count,
  atMs: Ms,
  by: Text(200),
});
export type IseCellRecord = v.InferOutput<typeof IseCellRecord>;

/** One SGACL the product imported or created (`<t>.sgacl.<iseId>`). */
export const IseSgaclRecord = v.object({
  iseId: IseId,
  name: Text(256),
  /** Of its normalised content. */
  fingerprint: Fingerprint,
  generationId: v.optional(Text(64)),
  createdByUs: v.boolean(),
  readOnly: v.optional(v.boolean()),
  atMs: Ms,
});
export type IseSgaclRecord = v.InferOutput<typeof IseSgaclRecord>;

const Stage = v.picklist(['monitor', 'enforce', 'deny-default']);

/** How many pushes the summary remembers for the dashboard's trend marks. */
export const RECENT_PUSHES = 50;

/** One push, as the readiness trend marks it. */
export const IsePushMark = v.object({
  atMs: Ms,
  version: Count,
  stage: Stage,
  applied: Count,
  failed: Count,
});
export type IsePushMark = v.InferOutput<typeof IsePushMark>;

/** The last import, push and drift check (`<t>.summary`), what `status` shows; the recent pushes. */
export const IseSummaryRecord = v.object({
  lastImport: v.optional(
    v.object({ atMs: Ms, version: Count, by: Text(200), created: v.optional(v.boolean()) }),
  ),
  lastPush: v.optional(
    v.object({
      atMs: Ms,
      version: Count,
      stage: Stage,
      by: Text(200),
      applied: Count,
      skipped: v.optional(Count),
      conflicts: v.optional(Count),
      failed: Count,
      writes: v.optional(Count),
    }),
  ),
  lastDrift: v.optional(v.object({ atMs: Ms, count: Count, version: v.optional(Count) })),
  /** The last RECENT_PUSHES pushes, oldest first. */
  recentPushes: v.optional(v.pipe(v.array(IsePushMark), v.maxLength(RECENT_PUSHES))),
});
export type IseSummaryRecord = v.InferOutput<typeof IseSummaryRecord>;

/** Held by a running push (`<t>.lock`); the expiry is inside because nats-server 2.9 has no per-key TTL. */
export const IsePushLockRecord = v.object({
  holder: Text(200),
  by: Text(200),
  atMs: Ms,
  expiresAtMs: Ms,
});
export type IsePushLockRecord = v.InferOutput<typeof IsePushLockRecord>;

export interface IseSyncStores {
  cells: TypedBucket<typeof IseCellRecord>;
  sgacls: TypedBucket<typeof IseSgaclRecord>;
  summary: TypedBucket<typeof IseSummaryRecord>;
  lock: TypedBucket<typeof IsePushLockRecord>;
}

/** The typed views of the `scopilot_ise` bucket (Stores does not carry it). Key with `keys.ise*`. */
export async function openIseSyncStores(
  engine: Engine,
  ns: Namespace = DEFAULT_NAMESPACE,
): Promise<IseSyncStores> {
  const bucket = await engine.kv.bucket(bucketName(Bucket.Ise, ns));
  return {
    cells: new TypedBucket(bucket, IseCellRecord),
    sgacls: new TypedBucket(bucket, IseSgaclRecord),
    summary: new TypedBucket(bucket, IseSummaryRecord),
    lock: new TypedBucket(bucket, IsePushLockRecord),
  };
}
