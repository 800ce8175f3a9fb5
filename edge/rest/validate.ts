/**
 * Input validation with the project's valibot schemas: a failure is a 400
 * problem naming each bad field; a body over its limit is a 413.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import { summarize } from '../../streams/messages.ts';
import { badRequest, tooLarge } from '../problem.ts';

export const JSON_LIMIT_BYTES = 1 << 20;

export function parseWith<S extends v.GenericSchema>(
  schema: S,
  input: unknown,
  what: string,
): v.InferOutput<S> {
  const result = v.safeParse(schema, input);
  if (!result.success) {
    throw badRequest(`bad ${what}: ${summarize(result.issues)}`, {
      errors: result.issues.map((i) => ({ path: v.getDotPath(i) ?? '', message: i.message })),
    });
  }
  return result.output;
}

/** A JSON body of at most `limit` bytes, validated. */
export async function jsonBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  limit = JSON_LIMIT_BYTES,
): Promise<v.InferOutput<S>> {
  const length = Number(c.req.header('content-length') ?? 0);
  if (length > limit) throw tooLarge(`the body is ${length} bytes; at most ${limit} are accepted`);
  const text = await c.req.text();
  if (text.length > limit) throw tooLarge(`the body is over ${limit} bytes`);
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badRequest('the body is not JSON');
  }
  return parseWith(schema, raw, 'request body');
}

export function queryWith<S extends v.GenericSchema>(c: Context, schema: S): v.InferOutput<S> {
  return parseWith(schema, c.req.query(), 'query');
}
