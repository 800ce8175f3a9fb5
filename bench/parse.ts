/**
 * Parse + aggregate throughput on one core (DESIGN §12: ≥ 1,000,000 lines/s
 * and ≥ 5× a naive parser), and peak memory of `scopilot analyze` on a big
 * file (under 200 MB RSS for 1 GB, whatever the size).
 *
 * Baseline, measured in the same run: per line, `matchAll` of
 * /(\w[\w-]*)='([^']*)'/g into an object, then the same aggregation by key.
 *
 * SCOPILOT_BENCH_LINES (default 1,000,000) sets the corpus; SCOPILOT_BENCH_BIG_MB
 * (default 1024, 0 to skip) the size of the memory run's file.
 */
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Analysis } from '../domain/analysis.ts';
import { splitLines } from '../domain/syslog/lines.ts';
import { CORPUS_REFERENCE_MS, corpusLines, emptyTruth } from './corpus.ts';

const LINES = Number(process.env.SCOPILOT_BENCH_LINES ?? 1_000_000);
const BIG_MB = Number(process.env.SCOPILOT_BENCH_BIG_MB ?? 1024);
const ROUNDS = 3;
const BATCH = 4096;

const lines = [...corpusLines(LINES, emptyTruth())].join('\n').split('\n');
const rate = (n: number, ms: number) => Math.round((n / ms) * 1000);
const fmt = (n: number) => n.toLocaleString('en-US');

function naive(input: readonly string[]): number {
  const flows = new Map<string, number>();
  const pattern = /(\w[\w-]*)='([^']*)'/g;
  for (const line of input) {
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

function ours(input: readonly string[]): number {
  const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS });
  for (let i = 0; i < input.length; i += BATCH) analysis.addLines(input.slice(i, i + BATCH));
  return analysis.result().flows.length;
}

function best(fn: (input: readonly string[]) => number): { rate: number; flows: number } {
  let fastest = Number.POSITIVE_INFINITY;
  let flows = 0;
  for (let r = 0; r < ROUNDS; r++) {
    const t = performance.now();
    flows = fn(lines);
    fastest = Math.min(fastest, performance.now() - t);
  }
  return { rate: rate(lines.length, fastest), flows };
}

const baseline = best(naive);
const fast = best(ours);
if (baseline.flows !== fast.flows) console.log(`!! flow counts differ: naive ${baseline.flows}, ours ${fast.flows}`);

/** Streaming from a file: decode, split, parse, aggregate. */
async function fromFile(path: string): Promise<number> {
  const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS });
  const t = performance.now();
  for await (const batch of splitLines(Bun.file(path).stream())) analysis.addLines(batch);
  return rate(analysis.linesRead, performance.now() - t);
}

const dir = mkdtempSync(join(tmpdir(), 'scopilot-bench-'));
const corpusFile = join(dir, 'corpus.log');
await Bun.write(corpusFile, `${lines.join('\n')}\n`);
const streamed = await fromFile(corpusFile);

console.log(`parse + aggregate, ${fmt(lines.length)} lines, best of ${ROUNDS}`);
console.log(`  naive baseline (matchAll)   ${fmt(baseline.rate).padStart(12)} lines/s`);
console.log(`  scopilot, in memory         ${fmt(fast.rate).padStart(12)} lines/s   ${(fast.rate / baseline.rate).toFixed(1)}× baseline`);
console.log(`  scopilot, streaming a file  ${fmt(streamed).padStart(12)} lines/s`);
const speedOk = fast.rate >= 1_000_000 && fast.rate >= 5 * baseline.rate;
console.log(`  target ≥ 1,000,000 lines/s and ≥ 5× baseline: ${speedOk ? 'PASS' : 'FAIL'}`);

/** Peak RSS of `scopilot analyze FILE`, sampled from /proc while it runs. */
async function peakRss(path: string): Promise<{ mb: number; seconds: number }> {
  const t = performance.now();
  const child = Bun.spawn(
    [process.execPath, join(import.meta.dir, '../cli/main.ts'), 'analyze', path, '--classifier', 'heuristic', '--format', 'json', '--out', '/dev/null'],
    { stdout: 'ignore', stderr: 'ignore' },
  );
  let peakKb = 0;
  const status = `/proc/${child.pid}/status`;
  while (child.exitCode === null) {
    const text = await Bun.file(status).text().catch(() => '');
    const hwm = /VmHWM:\s+(\d+)/.exec(text);
    if (hwm) peakKb = Math.max(peakKb, Number(hwm[1]));
    await Bun.sleep(50);
  }
  await child.exited;
  return { mb: Math.round(peakKb / 1024), seconds: (performance.now() - t) / 1000 };
}

let memoryOk = true;
if (BIG_MB > 0 && process.platform === 'linux') {
  const small = await peakRss(corpusFile);
  const big = join(dir, 'big.log');
  const writer = Bun.file(big).writer();
  const chunk = `${lines.join('\n')}\n`;
  for (let written = 0; written < BIG_MB * 1024 * 1024; written += chunk.length) writer.write(chunk);
  await writer.end();
  const large = await peakRss(big);
  const sizeMb = Math.round(statSync(big).size / 1024 / 1024);
  const smallMb = Math.round(statSync(corpusFile).size / 1024 / 1024);
  console.log('peak memory of scopilot analyze');
  console.log(`  ${String(smallMb).padStart(5)} MB file  ${String(small.mb).padStart(4)} MB RSS  (${small.seconds.toFixed(1)} s)`);
  console.log(`  ${String(sizeMb).padStart(5)} MB file  ${String(large.mb).padStart(4)} MB RSS  (${large.seconds.toFixed(1)} s)`);
  memoryOk = large.mb < 200;
  console.log(`  target < 200 MB RSS for the big file: ${memoryOk ? 'PASS' : 'FAIL'}`);
}
rmSync(dir, { recursive: true, force: true });
process.exit(speedOk && memoryOk ? 0 : 1);
