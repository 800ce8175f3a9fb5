/**
 * Valibot schemas of stored values, one per record kind. The TS types are
 * inferred from them; the same schemas validate what is read back, so a value
 * written by an older or broken writer is reported, not trusted.
 */
import * as v from 'valibot';

const Iso = v.pipe(v.string(), v.isoTimestamp());

export const SgtRecord = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  updatedBy: v.pipe(v.string(), v.maxLength(200)),
  updatedAt: Iso,
});
export type SgtRecord = v.InferOutput<typeof SgtRecord>;

export const MatrixPointer = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  by: v.pipe(v.string(), v.maxLength(200)),
  at: Iso,
  reason: v.pipe(v.string(), v.maxLength(2000)),
});
export type MatrixPointer = v.InferOutput<typeof MatrixPointer>;

export const Cursor = v.object({
  position: v.union([v.number(), v.string()]),
  updatedAtMs: v.number(),
});
export type Cursor = v.InferOutput<typeof Cursor>;
