/**
 * The valibot schemas of /api/v1/ise: what the routes and the MCP tools
 * validate as input (stage, version, force) and what the OpenAPI document
 * says they answer, mirroring the sync's plain-data shapes
 * (integrations/ise/sync/types.ts).
 */
import * as v from 'valibot';
import { IseDriftKind, IseOpKind, IseStage, IseWarningCode } from '../../integrations/ise/sync/types.ts';

const MAX_VERSION = 1_000_000_000;
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Ms = v.pipe(v.number(), v.integer(), v.minValue(0));

export const ISE_STAGES = Object.values(IseStage);

export const StageField = v.picklist(ISE_STAGES, 'must be monitor, enforce or deny-default');

/** `GET /ise/plan`. */
export const IsePlanQuery = v.object({
  stage: StageField,
  version: v.optional(
    v.pipe(
      v.string(),
      v.regex(/^\d{1,10}$/, 'must be a whole number'),
      v.toNumber(),
      v.minValue(1, 'must be at least 1'),
      v.maxValue(MAX_VERSION, `must be at most ${MAX_VERSION}`),
    ),
  ),
});

/** `POST /ise/push`. */
export const IsePushBody = v.object({
  stage: StageField,
  /** Default: the live approved version. */
  version: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(MAX_VERSION))),
  /** deny-default below the readiness setting; recorded as forced. */
  force: v.optional(v.boolean()),
});
export type IsePushBody = v.InferOutput<typeof IsePushBody>;

export const IseCellRefOut = v.object({ sgt: Count, dgt: Count, srcName: v.string(), dstName: v.string() });

export const IseOperationOut = v.looseObject({
  id: v.string(),
  kind: v.picklist(Object.values(IseOpKind)),
  cell: v.optional(IseCellRefOut),
  sgaclName: v.optional(v.string()),
  content: v.optional(v.string()),
  status: v.optional(v.picklist(['ENABLED', 'DISABLED', 'MONITOR'])),
  defaultRule: v.optional(v.picklist(['NONE', 'DENY_IP', 'PERMIT_IP'])),
  expect: v.optional(v.object({ id: v.optional(v.string()), generationId: v.optional(v.string()) })),
  reason: v.string(),
  impact: v.optional(v.object({ flows: Count, hits: Count })),
});

export const IseConflictOut = v.object({ cell: IseCellRefOut, reason: v.string() });

export const IseWarningOut = v.object({
  code: v.picklist(Object.values(IseWarningCode)),
  message: v.string(),
  dgt: v.optional(Count),
});

export const IsePlanOut = v.looseObject({
  tenant: v.string(),
  stage: StageField,
  version: Count,
  operations: v.array(IseOperationOut),
  conflicts: v.array(IseConflictOut),
  warnings: v.array(IseWarningOut),
  fallback: v.optional(v.string()),
  readiness: v.optional(v.object({ ratio: v.number(), required: v.number() })),
});

export const IseOpResultOut = v.object({
  operation: IseOperationOut,
  iseId: v.optional(v.string()),
  error: v.optional(v.string()),
});

export const IsePushReportOut = v.looseObject({
  tenant: v.string(),
  stage: StageField,
  version: Count,
  applied: v.array(IseOpResultOut),
  skipped: v.array(IseOpResultOut),
  conflicts: v.array(IseConflictOut),
  failed: v.array(IseOpResultOut),
});

export const IseDriftOut = v.object({
  kind: v.picklist(Object.values(IseDriftKind)),
  cell: v.optional(IseCellRefOut),
  expected: v.optional(v.string()),
  actual: v.optional(v.string()),
  detail: v.string(),
});

export const IseDriftListOut = v.object({ tenant: v.string(), atMs: Ms, drift: v.array(IseDriftOut) });

export const IseImportReportOut = v.looseObject({
  tenant: v.string(),
  version: Count,
  sgts: Count,
  cells: Count,
  sgacls: Count,
  verbatim: Count,
});

export const IseStatusOut = v.looseObject({
  tenant: v.string(),
  configured: v.boolean(),
  url: v.optional(v.string()),
  lastImport: v.optional(v.object({ atMs: Ms, version: Count, by: v.string() })),
  lastPush: v.optional(
    v.object({
      atMs: Ms,
      version: Count,
      stage: StageField,
      by: v.string(),
      applied: Count,
      failed: Count,
    }),
  ),
  lastDrift: v.optional(v.object({ atMs: Ms, count: Count })),
  monitoring: v.array(v.object({ cell: IseCellRefOut, sinceMs: Ms, enforceableAtMs: Ms })),
});
