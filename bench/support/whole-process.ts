/**
 * Whole commands timed from outside, start-up included, the way a user meets
 * them: each command of a set runs in turn, round after round (so a machine
 * whose speed drifts slows them alike), and the median of each is reported
 * with its peak RSS. Baselines live here too: the same one-pass aggregation in
 * mawk (aggregate.awk) and `wc -l`, when the machine has them.
 */
import { existsSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const BIN = join(import.meta.dir, '../../cli/bin.js');
export const AWK_SCRIPT = join(import.meta.dir, 'aggregate.awk');

export interface Timing {
  /** Median wall seconds. */
  seconds: number;
  /** Peak RSS of one run, in MB (0 when GNU time is missing). */
  rssMb: number;
  /** Exit code of the last round. */
  code: number | null;
}

export const has = (tool: string): boolean => Bun.which(tool) !== null;

/** The baselines for a file, as commands: mawk's one-pass aggregation and `wc -l`. */
export function baselines(file: string): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  if (has('mawk')) out['mawk one-pass aggregation'] = ['mawk', '-f', AWK_SCRIPT, file];
  if (has('wc')) out['wc -l'] = ['wc', '-l', file];
  return out;
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
};

const RSS_FILE = join(tmpdir(), `scopilot-bench-rss-${process.pid}`);

/** Peak RSS in bytes of one run of `argv`, read by GNU time (a run of its own, not timed); 0 without it. */
function peakRss(argv: string[]): number {
  if (!existsSync('/usr/bin/time')) return 0;
  Bun.spawnSync(['/usr/bin/time', '-f', '%M', '-o', RSS_FILE, ...argv], {
    stdout: 'ignore',
    stderr: 'ignore',
  });
  const kb = Number(readFileSync(RSS_FILE, 'utf8').trim().split('\n').at(-1));
  rmSync(RSS_FILE, { force: true });
  return Number.isFinite(kb) ? kb * 1024 : 0;
}

/** Run every command `rounds` times, interleaved, after one unmeasured round that reads its peak RSS. */
export function timeAll(commands: Record<string, string[]>, rounds: number): Record<string, Timing> {
  const runs: Record<string, { seconds: number[]; rss: number; code: number | null }> = {};
  for (const [name, argv] of Object.entries(commands))
    runs[name] = { seconds: [], rss: peakRss(argv), code: null };
  for (let r = 0; r < rounds; r++) {
    for (const [name, argv] of Object.entries(commands)) {
      const t = performance.now();
      const proc = Bun.spawnSync(argv, { stdout: 'ignore', stderr: 'ignore' });
      const entry = runs[name]!;
      entry.seconds.push((performance.now() - t) / 1000);
      entry.code = proc.exitCode;
    }
  }
  return Object.fromEntries(
    Object.entries(runs).map(([name, e]) => [
      name,
      { seconds: median(e.seconds), rssMb: Math.round(e.rss / 1024 / 1024), code: e.code },
    ]),
  );
}

/** Rows of `name  seconds  RSS  ratio`, each ratio against the first row (ours). */
export function table(title: string, timings: Record<string, Timing>): string {
  const entries = Object.entries(timings);
  const ours = entries[0]![1].seconds;
  const width = Math.max(...entries.map(([n]) => n.length));
  const lines = entries.map(([name, t]) => {
    const ratio = name === entries[0]![0] ? '' : `   ours is ${(t.seconds / ours).toFixed(2)}× as fast`;
    const ms = `${(t.seconds * 1000).toFixed(0)} ms`.padStart(9);
    return `  ${name.padEnd(width)}  ${ms}  ${String(t.rssMb).padStart(4)} MB RSS${t.code === 0 ? '' : `  (exit ${t.code})`}${ratio}`;
  });
  return `${title}\n${lines.join('\n')}`;
}
