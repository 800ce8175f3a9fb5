/**
 * The offline blocklists as a provider: every file in `blocklistDir` is
 * parsed (format detected by name and content, domain/threat/blocklist.ts)
 * into its own prefix set, so a hit names the list and the entry. A hit
 * scores 100 with the list's categories. Operators refresh the files with a
 * cron job; the directory is re-read when a file's size or mtime changed,
 * checked at most every `refreshMs`, so new lists apply without a restart.
 */
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { formatCidr } from '../../domain/net/cidr.ts';
import type { IpAddress } from '../../domain/net/ip.ts';
import { PrefixSet } from '../../domain/net/prefix-set.ts';
import { type BlocklistFormat, parseBlocklist } from '../../domain/threat/blocklist.ts';
import { NoAnswerReason } from '../../domain/threat/types.ts';
import type { Logger } from '../../engine/log.ts';
import { answer, noAnswer, type ProviderAnswer, type ThreatProvider } from './types.ts';

/** Larger files are skipped: the biggest public lists are a few MB. */
const MAX_FILE_BYTES = 256 * 1024 * 1024;

interface LoadedList {
  file: string;
  format: BlocklistFormat;
  categories: string[];
  entries: number;
  badLines: number;
  size: number;
  mtimeMs: number;
  set: PrefixSet<string | undefined>;
}

export interface BlocklistSummary {
  file: string;
  format: BlocklistFormat;
  categories: string[];
  entries: number;
  badLines: number;
}

export interface BlocklistProviderOptions {
  dir: string;
  /** How often the directory is checked for changed files (default 5 minutes). */
  refreshMs?: number;
  nowMs?: () => number;
  logger?: Logger;
}

export interface BlocklistProvider extends ThreatProvider {
  /** Re-reads changed, new and removed files now. */
  refresh(): Promise<void>;
  lists(): BlocklistSummary[];
}

export async function createBlocklistProvider(o: BlocklistProviderOptions): Promise<BlocklistProvider> {
  const nowMs = o.nowMs ?? Date.now;
  const refreshMs = o.refreshMs ?? 5 * 60_000;
  let lists = new Map<string, LoadedList>();
  let dirError: string | null = null;
  let checkedAtMs = Number.NEGATIVE_INFINITY;
  let running: Promise<void> | null = null;

  async function load(file: string, size: number, mtimeMs: number): Promise<LoadedList | null> {
    const parsed = parseBlocklist(file, await readFile(join(o.dir, file), 'utf8'));
    const set = new PrefixSet<string | undefined>();
    for (const e of parsed.entries) set.add(e.cidr, e.ref);
    if (parsed.badLines > 0) {
      o.logger?.warn(
        { file, badLines: parsed.badLines, examples: parsed.badExamples },
        'blocklist lines skipped',
      );
    }
    o.logger?.info({ file, format: parsed.format, entries: parsed.entries.length }, 'blocklist loaded');
    const { format, categories, badLines } = parsed;
    return { file, format, categories, entries: set.size, badLines, size, mtimeMs, set };
  }

  async function scan(): Promise<void> {
    const next = new Map<string, LoadedList>();
    try {
      const names = (await readdir(o.dir, { withFileTypes: true }))
        .filter((d) => !d.name.startsWith('.'))
        .map((d) => d.name)
        .sort();
      for (const file of names) {
        const info = await stat(join(o.dir, file)).catch(() => null);
        if (info === null || !info.isFile()) continue;
        if (info.size > MAX_FILE_BYTES) {
          o.logger?.warn({ file, size: info.size }, 'blocklist file too large, skipped');
          continue;
        }
        const known = lists.get(file);
        const same = known !== undefined && known.size === info.size && known.mtimeMs === info.mtimeMs;
        const list = same
          ? known
          : await load(file, info.size, info.mtimeMs).catch((e: unknown) => {
              o.logger?.warn({ file, err: e }, 'blocklist unreadable, skipped');
              return null;
            });
        if (list !== null) next.set(file, list);
      }
      dirError = null;
    } catch (e) {
      dirError = e instanceof Error ? e.message : String(e);
      o.logger?.warn({ dir: o.dir, err: e }, 'blocklist directory unreadable');
    }
    lists = next;
  }

  const refresh = (): Promise<void> => {
    running ??= scan().finally(() => {
      checkedAtMs = nowMs();
      running = null;
    });
    return running;
  };

  const summaries = (): BlocklistSummary[] =>
    [...lists.values()].map(({ file, format, categories, entries, badLines }) => ({
      file,
      format,
      categories,
      entries,
      badLines,
    }));

  await refresh();

  return {
    name: 'blocklist',
    limits: [],
    cacheable: false,
    refresh,
    lists: summaries,
    describe() {
      return { dir: o.dir, lists: summaries(), ...(dirError === null ? {} : { error: dirError }) };
    },
    async lookup(ip: IpAddress): Promise<ProviderAnswer> {
      if (nowMs() - checkedAtMs >= refreshMs) await refresh();
      if (lists.size === 0) {
        return noAnswer(NoAnswerReason.Error, dirError ?? `no blocklist file in ${o.dir}`);
      }
      const hits: string[] = [];
      const categories = new Set<string>();
      for (const list of lists.values()) {
        const hit = list.set.matchEntry(ip);
        if (hit === null) continue;
        hits.push(`${list.file} ${formatCidr(hit.cidr)}${hit.tag === undefined ? '' : ` (${hit.tag})`}`);
        for (const c of list.categories) categories.add(c);
      }
      if (hits.length === 0) return answer(0, [], `not on ${lists.size} lists`);
      return answer(100, [...categories].sort(), `listed: ${hits.join('; ')}`);
    },
  };
}
