/**
 * Cold start of each `scopilot` command through the installed bin
 * (cli/bin.js), whole process, beside `bun -e 0` (the runtime's own start) in
 * the same run; then a 1,000-line analyze beside the same one-pass
 * aggregation in mawk and `wc -l` on the same lines (DESIGN §12: help ≤ 60 ms,
 * a 1,000-line analyze ≤ 120 ms). Medians of SCOPILOT_BENCH_ROUNDS rounds
 * (default 15), commands interleaved.
 */
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CORPUS_REFERENCE_MS, corpusLines, emptyTruth } from './support/corpus.ts';
import { BIN, baselines, table, timeAll } from './support/whole-process.ts';

const ROUNDS = Number(process.env.SCOPILOT_BENCH_ROUNDS ?? 15);
const dir = mkdtempSync(join(tmpdir(), 'scopilot-bench-cli-'));
const file = join(dir, '1k.log');
writeFileSync(file, `${[...corpusLines(1000, emptyTruth())].join('\n')}\n`);
utimesSync(file, new Date(CORPUS_REFERENCE_MS), new Date(CORPUS_REFERENCE_MS));

// No server answers here: a client command fails fast at connecting, after its start-up.
process.env.SCOPILOT_API_BASE = 'http://127.0.0.1:9';
const starts = timeAll(
  {
    'scopilot help': [BIN, 'help'],
    'bun -e 0': [process.execPath, '-e', '0'],
    'scopilot version': [BIN, 'version'],
    'scopilot analyze --help': [BIN, 'analyze', '--help'],
    'scopilot proposal list (no server)': [BIN, 'proposal', 'list'],
  },
  ROUNDS,
);
console.log(table(`cold start, median of ${ROUNDS}`, starts));

const analyze = [BIN, 'analyze', file, '--format', 'json', '--classifier', 'heuristic', '--out', '/dev/null'];
const small = timeAll({ 'scopilot analyze, 1,000 lines': analyze, ...baselines(file) }, ROUNDS);
console.log(table(`\n1,000-line analyze, median of ${ROUNDS}`, small));

const help = starts['scopilot help']!.seconds;
const thousand = small['scopilot analyze, 1,000 lines']!.seconds;
const ok = help <= 0.06 && thousand <= 0.12;
console.log(
  `\n  targets: help ≤ 60 ms (${(help * 1000).toFixed(0)}), 1,000-line analyze ≤ 120 ms (${(thousand * 1000).toFixed(0)}): ${ok ? 'PASS' : 'FAIL'}`,
);
rmSync(dir, { recursive: true, force: true });
process.exit(ok ? 0 : 1);
