/**
 * `scopilot sgt list|set|import|missing`: the tenant's SGT dictionary over
 * `/api/v1/sgts` (names shown in proposals, contracts and exports), and each
 * tag's class — set with `--class`, or inferred from the name with the
 * confidence `list` shows; `--infer` drops a set class.
 */

import { readFile } from 'node:fs/promises';
import { extname } from 'node:path';
import { isTagClass, TAG_CLASSES } from '../../domain/classify/classes.ts';
import { UsageError } from '../usage.ts';
import { group, integer, JSON_FLAG, parse } from './args.ts';
import { isRecord, listOf, objectsTable, out, printJson, table, when } from './output.ts';

const LIST = 'list [--json]';
const SET = 'set TAG NAME [--class CLASS|--infer] [--json]';
const IMPORT = 'import FILE [--json]';
const MISSING = 'missing [--json]';

const SET_FLAGS = {
  ...JSON_FLAG,
  class: { type: 'string' },
  infer: { type: 'boolean', default: false },
} as const;

/** `ot.plc (set)` or `ot.hmi (inferred 0.85)`. */
function classText(c: unknown): string {
  if (!isRecord(c)) return '-';
  const how =
    c.source === 'explicit'
      ? 'set'
      : c.source === 'inferred'
        ? `inferred ${Number(c.confidence).toFixed(2)}`
        : 'unknown';
  return `${String(c.class)} (${how})`;
}

/** JSON or CSV: by the file's extension, else by its first character. */
function contentTypeOf(path: string, text: string): string {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return 'application/json';
  if (ext === '.csv') return 'text/csv';
  return /^\s*[[{]/.test(text) ? 'application/json' : 'text/csv';
}

export const sgtCommand = group('sgt', {
  list: {
    usage: LIST,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `sgt ${LIST}`);
      const body = await client().get<unknown>('/api/v1/sgts');
      if (values.json) await printJson(body);
      else {
        const rows = listOf(body, 'sgts').sort((a, b) => Number(a.tag) - Number(b.tag));
        await out(
          rows.length === 0
            ? 'no SGT names yet; add them with scopilot sgt set TAG NAME or scopilot sgt import FILE'
            : table(
                ['TAG', 'NAME', 'CLASS', 'UPDATED BY', 'UPDATED AT'],
                rows.map((r) => [
                  String(r.tag),
                  String(r.name ?? '-'),
                  classText(r.classified),
                  String(r.updatedBy ?? '-'),
                  when(r.updatedAt),
                ]),
                ['right'],
              ),
        );
      }
      return 0;
    },
  },
  set: {
    usage: SET,
    async run(args, client) {
      const { values, positionals } = parse(args, SET_FLAGS, ['TAG', 'NAME'], `sgt ${SET}`);
      const tag = integer(positionals[0]!, 'TAG', 0, 65535);
      const name = positionals[1]!.trim();
      if (name === '' || name.length > 128) throw new UsageError('NAME must be 1 to 128 characters');
      if (values.class !== undefined && values.infer)
        throw new UsageError('--class and --infer exclude each other');
      if (values.class !== undefined && !isTagClass(values.class)) {
        throw new UsageError(`--class must be one of ${TAG_CLASSES.join(', ')}`);
      }
      const cls = values.infer ? { class: null } : values.class === undefined ? {} : { class: values.class };
      const body = await client().json<unknown>('PUT', `/api/v1/sgts/${tag}`, { json: { name, ...cls } });
      if (values.json) await printJson(body);
      else {
        const shown = isRecord(body) ? classText(body.classified) : '?';
        await out(`SGT ${tag} is now ${JSON.stringify(name)}, class ${shown}`);
      }
      return 0;
    },
  },
  import: {
    usage: IMPORT,
    async run(args, client) {
      const { values, positionals } = parse(args, JSON_FLAG, ['FILE'], `sgt ${IMPORT}`);
      const path = positionals[0]!;
      let text: string;
      try {
        text = await readFile(path, 'utf8');
      } catch (error) {
        throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
      }
      const contentType = contentTypeOf(path, text);
      const body = await client().json<unknown>('POST', '/api/v1/sgts/import', { body: text, contentType });
      if (values.json) await printJson(body);
      else {
        const imported = isRecord(body) ? body.imported : undefined;
        await out(`imported ${typeof imported === 'number' ? imported : '?'} SGT names from ${path}`);
      }
      return 0;
    },
  },
  missing: {
    usage: MISSING,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `sgt ${MISSING}`);
      const body = await client().get<unknown>('/api/v1/sgts/missing');
      if (values.json) await printJson(body);
      else {
        const rows = listOf(body, 'missing', 'tags');
        await out(
          rows.length === 0 ? 'every SGT seen has a name' : objectsTable(rows, ['tag', 'flows', 'hits']),
        );
      }
      return 0;
    },
  },
});
