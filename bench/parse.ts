/**
 * Parse + aggregate throughput on one core (DESIGN §12: ≥ 1,000,000 lines/s
 * and ≥ 5× a naive parser); then `scopilot analyze` as a user runs it (the
 * installed bin, whole process, every core) on the corpus and on ten times
 * it, each beside the same one-pass aggregation in mawk and `wc -l` on the
 * same file, with peak RSS (≥ 10× mawk, within 4× of wc -l, < 200 MB RSS).
 *
 * Both sides start from the same input, the corpus as UTF-8 bytes, as any
 * reader gets it from a file. Baseline, measured in the same run: TextDecoder
 * over the bytes chunk by chunk, split on newlines, then per line `matchAll` of
 * /(\w[\w-]*)='([^']*)'/g into an object and the same aggregation by key; its
 * decode + split is counted because turning bytes into line strings is part
 * of what a string parser costs (ours parses the bytes in place). Ours: the
 * bytes fed to Analysis in 512 KB chunks (in memory), and `scopilot analyze`'s
 * real path: a file streamed with Bun.file().stream() into Analysis, in a
 * process of its own as `analyze` runs (its first round warms the JIT up).
 *
 * SCOPILOT_BENCH_LINES (default 1,000,000) sets the corpus, SCOPILOT_BENCH_BIG_TIMES
 * (default 10, 0 to skip) the large file; SCOPILOT_BENCH_ROUNDS (5) and
 * SCOPILOT_BENCH_BIG_ROUNDS (3) the rounds whose medians are printed.
 */
import { mkdtempSync, rmSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analysis } from '../domain/analysis.ts';
import { CORPUS_REFERENCE_MS, corpusLines, emptyTruth } from './support/corpus.ts';
import { BIN, baselines, table, timeAll } from './support/whole-process.ts';

const LINES = Number(process.env.SCOPILOT_BENCH_LINES ?? 1_000_000);
/** The large whole-process run reads the corpus this many times over (0 or 1 to skip it). */
const BIG_TIMES = Number(process.env.SCOPILOT_BENCH_BIG_TIMES ?? 10);
const WHOLE_ROUNDS = Number(process.env.SCOPILOT_BENCH_ROUNDS ?? 5);
const BIG_ROUNDS = Number(process.env.SCOPILOT_BENCH_BIG_ROUNDS ?? 3);
/** Set (to the corpus file) in the child process that measures streaming. */
const STREAM_FILE = process.env.SCOPILOT_BENCH_STREAM_FILE;
const ROUNDS = 3;
const CHUNK = 512 * 1024;
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

/** Streaming from a file, as `scopilot analyze` does: read, split, parse, aggregate. */
async function fromFile(path: string): Promise<number> {
  let fastest = Number.POSITIVE_INFINITY;
  let lines = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS });
    const t = performance.now();
    for await (const chunk of Bun.file(path).stream()) analysis.addChunk(chunk);
    analysis.finish();
    fastest = Math.min(fastest, performance.now() - t);
    lines = analysis.linesRead;
  }
  return rate(lines, fastest);
}

if (STREAM_FILE !== undefined) {
  console.log(await fromFile(STREAM_FILE));
  process.exit(0);
}

const bytes = new TextEncoder().encode(`${[...corpusLines(LINES, emptyTruth())].join('\n')}\n`);
const lineCount = LINES;

/** The naive way from bytes to lines: decode each chunk, prepend the carry, split. */
function* naiveLines(input: Uint8Array): Generator<string> {
  const decoder = new TextDecoder();
  let carry = '';
  for (let i = 0; i < input.length; i += CHUNK) {
    const lines = (carry + decoder.decode(input.subarray(i, i + CHUNK), { stream: true })).split('\n');
    carry = lines.pop() ?? '';
    yield* lines;
  }
  if (carry.length > 0) yield carry;
}

function naive(input: Uint8Array): number {
  const flows = new Map<string, number>();
  const pattern = /(\w[\w-]*)='([^']*)'/g;
  for (const line of naiveLines(input)) {
    if (!line.includes('SGACLHIT')) continue;
    const f: Record<string, string> = {};
    for (const m of line.matchAll(pattern)) f[m[1] as string] = m[2] as string;
    if (f.sgt === undefined || f.dgt === undefined) continue;
    const icmp = f.protocol === 'icmp';
    const sp = Number(f['src-port']);
    const dp = Number(f['dest-port']);
    const key = `${f.sgt}-${f.dgt}-${f.protocol}-${icmp || sp === 0 || sp >= 1024 ? 'any' : sp}-${icmp || dp === 0 ? 'any' : dp}`;
    flows.set(key, (flows.get(key) ?? 0) + Number(f.logging_interval_hits));
  }
  return flows.size;
}

function ours(input: Uint8Array): number {
  const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS });
  for (let i = 0; i < input.length; i += CHUNK) analysis.addChunk(input.subarray(i, i + CHUNK));
  analysis.finish();
  if (analysis.linesRead !== lineCount) console.log(`!! read ${analysis.linesRead} lines of ${lineCount}`);
  return analysis.result().flows.length;
}

function best(fn: (input: Uint8Array) => number): { rate: number; flows: number } {
  let fastest = Number.POSITIVE_INFINITY;
  let flows = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    flows = fn(bytes);
    fastest = Math.min(fastest, performance.now() - t);
  }
  return { rate: rate(lineCount, fastest), flows };
}

const baseline = best(naive);
const fast = best(ours);
if (baseline.flows !== fast.flows)
  console.log(`!! flow counts differ: naive ${baseline.flows}, ours ${fast.flows}`);

const dir = mkdtempSync(join(tmpdir(), 'scopilot-bench-'));
const corpusFile = join(dir, 'corpus.log');
await Bun.write(corpusFile, bytes);
/**
 * Streaming is measured in a process of its own, like `scopilot analyze`: in
 * this one, with the corpus and the baseline's garbage on the heap, the GC
 * frees the stream's chunk buffers so late that every chunk lands on fresh
 * pages, which `analyze` never pays.
 */
function streamedRate(): number {
  const child = Bun.spawnSync([process.execPath, import.meta.path], {
    env: { ...process.env, SCOPILOT_BENCH_STREAM_FILE: corpusFile },
    stdout: 'pipe',
    stderr: 'inherit',
  });
  return Number(child.stdout.toString().trim());
}
const streamed = streamedRate();

console.log(
  `parse + aggregate, ${fmt(lineCount)} lines (${fmt(Math.round(bytes.length / 1e6))} MB), best of ${ROUNDS}`,
);
console.log(`  naive baseline (decode, split, matchAll) ${fmt(baseline.rate).padStart(12)} lines/s`);
console.log(
  `  scopilot, in memory (512 KB chunks)      ${fmt(fast.rate).padStart(12)} lines/s   ${(fast.rate / baseline.rate).toFixed(1)}× baseline`,
);
console.log(
  `  scopilot, streaming a file (own process) ${fmt(streamed).padStart(12)} lines/s   ${(streamed / baseline.rate).toFixed(1)}× baseline`,
);
const speedOk = fast.rate >= 1_000_000 && fast.rate >= 5 * baseline.rate;
console.log(`  target ≥ 1,000,000 lines/s and ≥ 5× baseline: ${speedOk ? 'PASS' : 'FAIL'}`);

/** Whole-process `scopilot analyze` through the installed bin, beside mawk and `wc -l` on the same file. */
function wholeProcess(path: string, label: string, rounds: number) {
  const analyze = [
    BIN,
    'analyze',
    path,
    '--format',
    'json',
    '--classifier',
    'heuristic',
    '--out',
    '/dev/null',
  ];
  const timings = timeAll({ [`scopilot analyze (${label})`]: analyze, ...baselines(path) }, rounds);
  console.log(table(`\nwhole process, ${label}, median of ${rounds}`, timings));
  return Object.values(timings);
}

let wholeOk = true;
if (process.platform === 'linux') {
  const stamp = new Date(CORPUS_REFERENCE_MS);
  utimesSync(corpusFile, stamp, stamp);
  const [ours, awk, wc] = wholeProcess(corpusFile, `${fmt(lineCount)} lines`, WHOLE_ROUNDS);
  if (awk !== undefined && wc !== undefined) {
    const vsAwk = awk.seconds / ours!.seconds;
    const vsWc = ours!.seconds / wc.seconds;
    const ok = vsAwk >= 10 && vsWc <= 4;
    console.log(
      `  target ≥ 10× mawk (${vsAwk.toFixed(1)}×) and within 4× of wc -l (${vsWc.toFixed(1)}×): ${ok ? 'PASS' : 'FAIL'}`,
    );
    wholeOk &&= ok;
  }
  if (BIG_TIMES > 1) {
    const big = join(dir, 'big.log');
    const writer = Bun.file(big).writer();
    for (let k = 0; k < BIG_TIMES; k++) writer.write(bytes);
    await writer.end();
    utimesSync(big, stamp, stamp);
    const [large] = wholeProcess(big, `${fmt(lineCount * BIG_TIMES)} lines`, BIG_ROUNDS);
    const ok = large!.rssMb > 0 && large!.rssMb < 200;
    console.log(`  target < 200 MB RSS (${large!.rssMb} MB): ${ok ? 'PASS' : 'FAIL'}`);
    wholeOk &&= ok;
  }
}
rmSync(dir, { recursive: true, force: true });
process.exit(speedOk && wholeOk ? 0 : 1);
