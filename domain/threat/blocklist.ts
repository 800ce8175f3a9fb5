/**
 * Parsers for the offline blocklists an operator downloads (no key, no
 * network at run time): Spamhaus DROP/EDROP (`1.10.16.0/20 ; SBL256894`, and
 * the JSON-lines edition), FireHOL netsets and ipsets (one address or CIDR a
 * line, `#` comments), and abuse.ch Feodo Tracker (plain addresses under a
 * `#` header, or its CSV). A bad line is counted with its reason and the
 * rest of the file still loads: one garbled line must not switch a list off.
 */
import { type Cidr, parseCidr } from '../net/cidr.ts';
import { normaliseCategories, ThreatCategory } from './categories.ts';

export const BlocklistFormat = {
  SpamhausDrop: 'spamhaus_drop',
  SpamhausJson: 'spamhaus_json',
  FireHol: 'firehol',
  Feodo: 'feodo',
  FeodoCsv: 'feodo_csv',
} as const;
export type BlocklistFormat = (typeof BlocklistFormat)[keyof typeof BlocklistFormat];

export interface BlocklistEntry {
  cidr: Cidr;
  /** The list's own reference for the entry: an SBL id, a malware family. */
  ref?: string;
}

export interface BadLine {
  line: number;
  reason: string;
}

export interface ParsedBlocklist {
  name: string;
  format: BlocklistFormat;
  /** What a listing means; the category of every hit on this list. */
  categories: ThreatCategory[];
  entries: BlocklistEntry[];
  badLines: number;
  /** The first few bad lines, for the log. */
  badExamples: BadLine[];
}

const MAX_EXAMPLES = 10;
const C = ThreatCategory;

/** Spamhaus DROP lists netblocks stolen or leased by spammers and criminals; Feodo lists botnet C2 servers. */
const FIXED_CATEGORIES: Partial<Record<BlocklistFormat, ThreatCategory[]>> = {
  spamhaus_drop: [C.Hijacked, C.Spam],
  spamhaus_json: [C.Hijacked, C.Spam],
  feodo: [C.Botnet, C.C2],
  feodo_csv: [C.Botnet, C.C2],
};

const firstDataLine = (lines: readonly string[]): string =>
  lines.map((l) => l.trim()).find((l) => l !== '' && !l.startsWith('#') && !l.startsWith(';')) ?? '';

/** Format from the file name first (operators keep upstream names), then from the content. */
export function detectFormat(name: string, text: string): BlocklistFormat {
  const lower = name.toLowerCase();
  const head = text.slice(0, 4096);
  const sample = firstDataLine(head.split('\n'));
  const csv = /dst_ip/.test(head) || /^"?\d{4}-\d\d-\d\d[ T][^,]*"?,/.test(sample);
  if (/feodo/.test(lower) || /feodo tracker/i.test(head))
    return csv ? BlocklistFormat.FeodoCsv : BlocklistFormat.Feodo;
  if (sample.startsWith('{')) return BlocklistFormat.SpamhausJson;
  if (/spamhaus|(^|[^a-z])e?drop/.test(lower) || /;\s*SBL\d+/.test(sample))
    return BlocklistFormat.SpamhausDrop;
  return BlocklistFormat.FireHol;
}

/** Categories of a list without a fixed meaning: from its name, or FireHOL's `# Category :` header. */
function categoriesOfList(name: string, text: string): ThreatCategory[] {
  const header = /^#\s*Category\s*:\s*(.+)$/m.exec(text.slice(0, 8192))?.[1] ?? '';
  return normaliseCategories([name.replace(/\.[a-z]+$/i, ''), header]);
}

type LineResult = BlocklistEntry | string | null;

const cidrEntry = (text: string, ref?: string): LineResult => {
  const cidr = parseCidr(text);
  if (cidr === null) return `not an address or CIDR: ${JSON.stringify(text.slice(0, 60))}`;
  return ref === undefined || ref === '' ? { cidr } : { cidr, ref };
};

const parseDropLine = (line: string): LineResult => {
  const [block = '', ref] = line.split(';').map((s) => s.trim());
  return cidrEntry(block, ref);
};

const parseDropJsonLine = (line: string): LineResult => {
  let row: unknown;
  try {
    row = JSON.parse(line);
  } catch {
    return 'not JSON';
  }
  if (typeof row !== 'object' || row === null) return 'not a JSON object';
  const r = row as Record<string, unknown>;
  if (r.type === 'metadata') return null;
  if (typeof r.cidr !== 'string') return 'no "cidr" field';
  return cidrEntry(r.cidr, typeof r.sblid === 'string' ? r.sblid : undefined);
};

const unquote = (s: string): string => s.trim().replace(/^"(.*)"$/, '$1');

/** Feodo's CSV: column positions from its commented header when present. */
function feodoCsvParser(text: string): (line: string) => LineResult {
  const header = text
    .split('\n', 20)
    .find((l) => l.includes('dst_ip'))
    ?.replace(/^#\s*/, '')
    .split(',')
    .map(unquote);
  const ipAt = header?.indexOf('dst_ip') ?? 1;
  const malwareAt = header?.indexOf('malware') ?? 5;
  return (line) => {
    const cols = line.split(',').map(unquote);
    if (cols.length <= ipAt) return `expected a dst_ip column (${ipAt + 1})`;
    const malware = malwareAt >= 0 ? cols[malwareAt] : undefined;
    return cidrEntry(cols[ipAt] ?? '', malware);
  };
}

export function parseBlocklist(name: string, text: string): ParsedBlocklist {
  const format = detectFormat(name, text);
  const parseLine: (line: string) => LineResult =
    format === BlocklistFormat.SpamhausDrop
      ? parseDropLine
      : format === BlocklistFormat.SpamhausJson
        ? parseDropJsonLine
        : format === BlocklistFormat.FeodoCsv
          ? feodoCsvParser(text)
          : (line) => cidrEntry(line.replace(/#.*$/, '').trim());
  const result: ParsedBlocklist = {
    name,
    format,
    categories: FIXED_CATEGORIES[format] ?? categoriesOfList(name, text),
    entries: [],
    badLines: 0,
    badExamples: [],
  };
  const lines = text.split('\n');
  for (const [i, raw] of lines.entries()) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#') || line.startsWith(';')) continue;
    const parsed = parseLine(line);
    if (parsed === null) continue;
    if (typeof parsed === 'string') {
      result.badLines += 1;
      if (result.badExamples.length < MAX_EXAMPLES) result.badExamples.push({ line: i + 1, reason: parsed });
    } else {
      result.entries.push(parsed);
    }
  }
  return result;
}
