/**
 * Input validation with the project's valibot schemas: a failure is a 400
 * problem naming each bad field. A JSON body must say it is JSON (415
 * otherwise), is counted while it streams and refused with 413 the moment it
 * passes its limit (the rest is never read), and must be a JSON object: every
 * JSON body of this API is one, and valibot's `v.object` would take an array.
 */
import type { Context } from 'hono';
import * as v from 'valibot';
import { summarize } from '../../streams/messages.ts';
import { badRequest } from '../problem.ts';
import { ByteLimit, checkDeclaredLength, collectText, streamChunks, unsupportedMedia } from './upload.ts';

export const JSON_LIMIT_BYTES = 1 << 20;

/** `application/json` or any `…+json` type, with parameters such as charset. */
const JSON_MEDIA = /^application\/([-.\w]+\+)?json\s*(;|$)/i;

/** Whether a Content-Type header names JSON. */
export const isJsonMedia = (contentType: string | undefined): boolean =>
  contentType !== undefined && JSON_MEDIA.test(contentType.trim());

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

const notJson = (contentType: string | undefined) =>
  unsupportedMedia(
    `send the body as application/json (Content-Type ${contentType === undefined ? 'is missing' : `${contentType.split(';')[0]} is not JSON`})`,
  );

/** The body's text, read at most `limit` bytes far (413 past that, declared or streamed). */
async function boundedText(c: Context, limit: number): Promise<string> {
  const bytes = new ByteLimit(limit, 'the body');
  checkDeclaredLength(c.req.header('content-length'), bytes);
  const body = c.req.raw.body;
  return body === null ? '' : collectText(streamChunks(body, bytes));
}

function parseObject<S extends v.GenericSchema>(schema: S, text: string): v.InferOutput<S> {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch {
    throw badRequest('the body is not JSON');
  }
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    const message = `expected a JSON object, received ${Array.isArray(raw) ? 'an array' : raw === null ? 'null' : typeof raw}`;
    throw badRequest(`bad request body: ${message}`, { errors: [{ path: '', message }] });
  }
  return parseWith(schema, raw, 'request body');
}

/** A JSON object body of at most `limit` bytes, validated. */
export async function jsonBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  limit = JSON_LIMIT_BYTES,
): Promise<v.InferOutput<S>> {
  const contentType = c.req.header('content-type');
  if (!isJsonMedia(contentType)) throw notJson(contentType);
  return parseObject(schema, await boundedText(c, limit));
}

/**
 * A JSON object body that may be absent (all its fields optional): an empty
 * body reads as `{}` whatever its Content-Type; any other body is as for jsonBody.
 */
export async function optionalJsonBody<S extends v.GenericSchema>(
  c: Context,
  schema: S,
  limit = JSON_LIMIT_BYTES,
): Promise<v.InferOutput<S>> {
  const contentType = c.req.header('content-type');
  const json = isJsonMedia(contentType);
  if (!json && Number(c.req.header('content-length') ?? 0) > 0) throw notJson(contentType);
  const text = await boundedText(c, limit);
  if (text.trim() === '') return parseWith(schema, {}, 'request body');
  if (!json) throw notJson(contentType);
  return parseObject(schema, text);
}

export function queryWith<S extends v.GenericSchema>(c: Context, schema: S): v.InferOutput<S> {
  return parseWith(schema, c.req.query(), 'query');
}
