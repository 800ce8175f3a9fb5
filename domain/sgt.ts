/**
 * The SGT dictionary: tag → name, read from what operators have at hand —
 * JSON (`{"100": "Employees"}` or `[{"id": 100, "name": "Employees"}]`), CSV
 * with id/name columns, or ISE's security-group export (`Name,Value,…`).
 * Tag 0 is `Unknown` unless the dictionary names it. A dictionary may also
 * set each tag's class (classify/classes.ts): a `class` column or field, or
 * `class=<id>` in a `description` column as ISE exports it.
 */
import { classFromDescription, isTagClass, type TagClass } from './classify/classes.ts';
import type { SgtDictionary } from './types.ts';

export const UNKNOWN_TAG = 0;
export const MAX_SGT_NAME = 128;

export class SgtDictionaryError extends Error {
  readonly code = 'SGT_DICTIONARY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'SgtDictionaryError';
  }
}

function tagOf(raw: unknown, where: string): number {
  // ISE writes values as "100" or "100/0064" (decimal / hex).
  const text =
    typeof raw === 'number' ? String(raw) : typeof raw === 'string' ? raw.trim().split('/')[0]!.trim() : '';
  if (!/^\d{1,5}$/.test(text) || Number(text) > 65535) {
    throw new SgtDictionaryError(`${where}: tag ${JSON.stringify(raw)} is not a number 0–65535`);
  }
  return Number(text);
}

function nameOf(raw: unknown, where: string): string {
  // Names end up in prompts, ACL names and web pages: keep them printable and short.
  const name = typeof raw === 'string' ? raw.replace(/[\p{Cc}\p{Cf}]/gu, '').trim() : '';
  if (name === '' || name.length > MAX_SGT_NAME) {
    throw new SgtDictionaryError(
      `${where}: name ${JSON.stringify(raw)} must be 1–${MAX_SGT_NAME} printable characters`,
    );
  }
  return name;
}

function withDefaults(entries: Iterable<[number, string]>): Map<number, string> {
  const map = new Map<number, string>([[UNKNOWN_TAG, 'Unknown']]);
  for (const [tag, name] of entries) map.set(tag, name);
  return map;
}

export function parseSgtJson(text: string): Map<number, string> {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch (error) {
    throw new SgtDictionaryError(`not JSON: ${(error as Error).message}`);
  }
  if (Array.isArray(data)) {
    return withDefaults(
      data.map((item, i): [number, string] => {
        if (typeof item !== 'object' || item === null)
          throw new SgtDictionaryError(`entry ${i}: expected {id, name}`);
        const o = item as Record<string, unknown>;
        return [tagOf(o.id ?? o.value ?? o.tag, `entry ${i}`), nameOf(o.name, `entry ${i}`)];
      }),
    );
  }
  if (typeof data === 'object' && data !== null) {
    return withDefaults(
      Object.entries(data).map(([k, v]): [number, string] => [tagOf(k, `key ${k}`), nameOf(v, `key ${k}`)]),
    );
  }
  throw new SgtDictionaryError('expected an object {"100": "Employees"} or a list of {id, name}');
}

/** RFC 4180 rows: quoted fields, doubled quotes, commas and newlines inside quotes. */
export function parseCsvRows(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') field += text[i++];
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"' && field === '') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && text[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field !== '' || row.length > 0) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim() !== ''));
}

const ID_COLUMNS = ['id', 'sgt', 'tag', 'value', 'sgt (dec / hex)', 'security group tag'];
const NAME_COLUMNS = ['name', 'sgt name', 'security group'];

export function parseSgtCsv(text: string): Map<number, string> {
  const [header, ...rows] = parseCsvRows(text.replace(/^\uFEFF/, ''));
  if (header === undefined) throw new SgtDictionaryError('empty CSV');
  const columns = header.map((h) => h.trim().toLowerCase());
  const idCol = columns.findIndex((c) => ID_COLUMNS.includes(c));
  const nameCol = columns.findIndex((c) => NAME_COLUMNS.includes(c));
  if (idCol === -1 || nameCol === -1) {
    throw new SgtDictionaryError(
      `CSV needs an id column (${ID_COLUMNS.join(', ')}) and a name column (${NAME_COLUMNS.join(', ')})`,
    );
  }
  return withDefaults(
    rows.map((r, i): [number, string] => [
      tagOf(r[idCol], `row ${i + 2}`),
      nameOf(r[nameCol], `row ${i + 2}`),
    ]),
  );
}

/** JSON when it looks like JSON, CSV otherwise. */
export function parseSgtDictionary(text: string): Map<number, string> {
  const start = text.trimStart()[0];
  return start === '{' || start === '[' ? parseSgtJson(text) : parseSgtCsv(text);
}

export function sgtName(dictionary: SgtDictionary, tag: number): string {
  return dictionary.get(tag) ?? (tag === UNKNOWN_TAG ? 'Unknown' : `SGT${tag}`);
}

/** Tags seen in traffic that the dictionary does not name, ascending. */
export function missingTags(dictionary: SgtDictionary, seen: Iterable<number>): number[] {
  return [...new Set(seen)].filter((t) => t !== UNKNOWN_TAG && !dictionary.has(t)).sort((a, b) => a - b);
}

function classOf(raw: unknown, where: string): TagClass | null {
  const text = typeof raw === 'string' ? raw.trim().toLowerCase() : '';
  if (text === '') return null;
  if (!isTagClass(text))
    throw new SgtDictionaryError(`${where}: class ${JSON.stringify(raw)} is not a tag class`);
  return text;
}

/** Explicit classes a dictionary sets (a `class` column/field, or `class=` in a description); empty when none. */
export function parseSgtClasses(text: string): Map<number, TagClass> {
  const out = new Map<number, TagClass>();
  const start = text.trimStart()[0];
  if (start === '{') return out;
  if (start === '[') {
    const data = JSON.parse(text) as unknown[];
    data.forEach((item, i) => {
      if (typeof item !== 'object' || item === null) return;
      const o = item as Record<string, unknown>;
      const cls =
        classOf(o.class, `entry ${i}`) ??
        classFromDescription(typeof o.description === 'string' ? o.description : undefined);
      if (cls !== null) out.set(tagOf(o.id ?? o.value ?? o.tag, `entry ${i}`), cls);
    });
    return out;
  }
  const [header, ...rows] = parseCsvRows(text.replace(/^\uFEFF/, ''));
  const columns = (header ?? []).map((h) => h.trim().toLowerCase());
  const idCol = columns.findIndex((c) => ID_COLUMNS.includes(c));
  const classCol = columns.indexOf('class');
  const descCol = columns.indexOf('description');
  if (idCol === -1 || (classCol === -1 && descCol === -1)) return out;
  rows.forEach((r, i) => {
    const cls =
      (classCol === -1 ? null : classOf(r[classCol], `row ${i + 2}`)) ?? classFromDescription(r[descCol]);
    if (cls !== null) out.set(tagOf(r[idCol], `row ${i + 2}`), cls);
  });
  return out;
}
