/**
 * REST: /api/v1/sgts. The tenant's SGT dictionary (`scopilot_sgt`,
 * `<t>.<tag>`): list it, name one tag, import a whole dictionary (JSON or
 * CSV, as `scopilot analyze --sgt` reads it), and list the tags the tenant's
 * traffic uses that nobody has named yet.
 */
import { Hono } from 'hono';
import * as v from 'valibot';
import { profileOf, TAG_CLASSES, type TagClass } from '../../domain/classify/classes.ts';
import {
  MAX_SGT_NAME,
  parseSgtClasses,
  parseSgtDictionary,
  SgtDictionaryError,
  UNKNOWN_TAG,
} from '../../domain/sgt.ts';
import { keys, SgtRecord, type Stores, sgtNames } from '../../kv-schema/mod.ts';
import { requireRole } from '../auth.ts';
import { badRequest } from '../problem.ts';
import { type ApiDeps, type ApiEnv, principalOf, tenantOf } from './deps.ts';
import { ByteLimit, checkDeclaredLength, collectText, streamChunks } from './upload.ts';
import { jsonBody, parseWith } from './validate.ts';

/** Largest dictionary `POST /sgts/import` takes. */
export const SGT_IMPORT_LIMIT = 4 << 20;
const PARALLEL = 32;

const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));

/** `PUT /sgts/{tag}`. */
export const SgtPutBody = v.object({
  name: v.pipe(
    v.string(),
    v.trim(),
    v.minLength(1),
    v.maxLength(MAX_SGT_NAME),
    v.regex(/^[^\p{Cc}\p{Cf}]+$/u, 'must be printable characters only'),
  ),
  /** The tag's class (classify/classes.ts); `null` clears it (back to inferring from the name); absent keeps it. */
  class: v.optional(v.nullable(v.picklist(TAG_CLASSES))),
});

/** `POST /sgts/import` as JSON (CSV with id/name columns is taken too). */
export const SgtImportBody = v.union([
  v.record(v.pipe(v.string(), v.regex(/^\d{1,5}$/, 'keys are tags')), v.string()),
  v.array(
    v.looseObject({
      id: v.optional(v.union([v.number(), v.string()])),
      value: v.optional(v.union([v.number(), v.string()])),
      tag: v.optional(v.union([v.number(), v.string()])),
      name: v.string(),
      class: v.optional(v.picklist(TAG_CLASSES)),
    }),
  ),
]);

/**
 * One named tag, with the class the classifier judges it by: the explicit
 * class when set, else the one inferred from its name, with a confidence.
 */
export const SgtEntry = v.object({
  tag: Tag,
  ...SgtRecord.entries,
  classified: v.object({
    class: v.picklist(TAG_CLASSES),
    source: v.picklist(['explicit', 'inferred', 'none']),
    confidence: v.pipe(v.number(), v.minValue(0), v.maxValue(1)),
  }),
});
export type SgtEntry = v.InferOutput<typeof SgtEntry>;

/** A tag seen in traffic without a name. */
export const MissingSgt = v.object({ tag: Tag, flows: v.number(), hits: v.number() });
export type MissingSgt = v.InferOutput<typeof MissingSgt>;

/** `fn` over `items`, PARALLEL at a time, results in order. */
async function inBatches<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  const out: R[] = [];
  for (let i = 0; i < items.length; i += PARALLEL) {
    out.push(...(await Promise.all(items.slice(i, i + PARALLEL).map(fn))));
  }
  return out;
}

function tagParam(text: string): number {
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw badRequest(`tag ${JSON.stringify(text.slice(0, 16))} is not a number 0–65535`);
  }
  return Number(text);
}

function entryOf(tag: number, record: SgtRecord): SgtEntry {
  const p = profileOf(tag, record.name, record.class);
  return { tag, ...record, classified: { class: p.cls, source: p.source, confidence: p.confidence } };
}

async function listSgts(stores: Stores, tenant: string): Promise<SgtEntry[]> {
  const found = await inBatches(await stores.sgt.keys(keys.tenantAll(tenant)), async (key) => {
    const record = await stores.sgt.get(key);
    const tag = Number(key.slice(key.lastIndexOf('.') + 1));
    return record === null || !Number.isInteger(tag) ? null : entryOf(tag, record.value);
  });
  return found.filter((e) => e !== null).sort((a, b) => a.tag - b.tag);
}

async function missingSgts(stores: Stores, tenant: string): Promise<MissingSgt[]> {
  const names = await sgtNames(stores, tenant);
  const records = await inBatches(await stores.inventory.keys(keys.tenantAll(tenant)), (key) =>
    stores.inventory.get(key),
  );
  const missing = new Map<number, MissingSgt>();
  for (const found of records) {
    if (found === null) continue;
    const { sgt, dgt, hits } = found.value;
    for (const tag of sgt === dgt ? [sgt] : [sgt, dgt]) {
      if (tag === UNKNOWN_TAG || names.has(tag)) continue;
      const entry = missing.get(tag) ?? { tag, flows: 0, hits: 0 };
      entry.flows++;
      entry.hits += hits;
      missing.set(tag, entry);
    }
  }
  return [...missing.values()].sort((a, b) => a.tag - b.tag);
}

async function importText(request: Request): Promise<string> {
  const body = request.body;
  if (body === null) throw badRequest('the body is empty: send a JSON or CSV dictionary');
  const limit = new ByteLimit(SGT_IMPORT_LIMIT, 'the dictionary');
  checkDeclaredLength(request.headers.get('content-length') ?? undefined, limit);
  return collectText(streamChunks(body, limit));
}

function parseClasses(text: string): Map<number, TagClass> {
  try {
    return parseSgtClasses(text);
  } catch (error) {
    if (error instanceof SgtDictionaryError) throw badRequest(`bad dictionary: ${error.message}`);
    throw error;
  }
}

function parseDictionary(text: string, json: boolean): Map<number, string> {
  if (json) {
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch {
      throw badRequest('the body is not JSON');
    }
    parseWith(SgtImportBody, raw, 'dictionary');
  }
  try {
    return parseSgtDictionary(text);
  } catch (error) {
    if (error instanceof SgtDictionaryError) throw badRequest(`bad dictionary: ${error.message}`);
    throw error;
  }
}

export function sgtsRoutes(deps: ApiDeps): Hono<ApiEnv> {
  const app = new Hono<ApiEnv>();
  // Stores are read per request: the router is built before the engine's buckets exist.

  app.get('/', requireRole('viewer'), async (c) => c.json(await listSgts(deps.stores, tenantOf(c))));

  app.get('/missing', requireRole('viewer'), async (c) =>
    c.json(await missingSgts(deps.stores, tenantOf(c))),
  );

  app.post('/import', requireRole('admin'), async (c) => {
    const principal = principalOf(c);
    const json = /^application\/([-.\w]+\+)?json\s*(;|$)/i.test(c.req.header('content-type') ?? '');
    const text = await importText(c.req.raw);
    if (text.trim() === '') throw badRequest('the body is empty: send a JSON or CSV dictionary');
    const entries = [...parseDictionary(text, json)].filter(
      // The parser always names tag 0 `Unknown`; that default is not an import.
      ([tag, name]) => !(tag === UNKNOWN_TAG && name === 'Unknown'),
    );
    const classes = parseClasses(text);
    const updatedAt = new Date().toISOString();
    await inBatches(entries, ([tag, name]) => {
      const cls = classes.get(tag);
      const record: SgtRecord = {
        name,
        updatedBy: principal.subject,
        updatedAt,
        ...(cls ? { class: cls } : {}),
      };
      return deps.stores.sgt.put(keys.sgt(principal.tenant, tag), record);
    });
    return c.json({ imported: entries.length, ...(classes.size > 0 ? { classes: classes.size } : {}) });
  });

  app.put('/:tag', requireRole('admin'), async (c) => {
    const principal = principalOf(c);
    const tag = tagParam(c.req.param('tag'));
    const body = await jsonBody(c, SgtPutBody);
    const key = keys.sgt(principal.tenant, tag);
    // Renaming keeps a class set before; `class: null` clears it.
    const kept =
      body.class === undefined ? (await deps.stores.sgt.get(key))?.value.class : (body.class ?? undefined);
    const record: SgtRecord = {
      name: body.name,
      updatedBy: principal.subject,
      updatedAt: new Date().toISOString(),
      ...(kept ? { class: kept } : {}),
    };
    await deps.stores.sgt.put(key, record);
    return c.json(entryOf(tag, record));
  });

  return app;
}
