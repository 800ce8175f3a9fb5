/**
 * Valibot pieces the flows, proposals and matrix routes share: whole numbers
 * in query strings and paths, ids, and free text that must say something.
 */

import type { Context } from 'hono';
import * as v from 'valibot';
import { parseWith } from './validate.ts';

/** A whole number written in a query string or path, `min`–`max`. */
export const IntParam = (min: number, max: number) =>
  v.pipe(
    v.string(),
    v.regex(/^\d{1,9}$/, 'must be a whole number'),
    v.toNumber(),
    v.minValue(min, `must be at least ${min}`),
    v.maxValue(max, `must be at most ${max}`),
  );

/** An SGT in a query string. */
export const TagParam = IntParam(0, 65535);

/** Text a person writes (a reason): 1–`max` characters, not only blanks. */
export const NonBlank = (max: number) =>
  v.pipe(v.string(), v.regex(/\S/, 'must not be blank'), v.maxLength(max));

export const ProposalIdParam = v.pipe(
  v.string(),
  v.regex(/^[-_a-zA-Z0-9]{1,64}$/, 'must be a proposal id (letters, digits, - and _, at most 64)'),
);

/** A path parameter, validated; a bad one is a 400 problem naming it. */
export function pathParam<S extends v.GenericSchema>(c: Context, name: string, schema: S): v.InferOutput<S> {
  return parseWith(schema, c.req.param(name), `path parameter ${name}`);
}
