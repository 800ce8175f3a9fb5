/**
 * `scopilot analyze` as a user runs it: a real process over a generated
 * corpus whose ground truth is known, plain and gzip, and its usage errors.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { corpusLines, emptyTruth } from '../bench/support/corpus.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const dir = mkdtempSync(join(tmpdir(), 'scopilot-analyze-'));
const truth = emptyTruth();
const corpus = join(dir, 'corpus.log');

beforeAll(async () => {
  const text = `${[...corpusLines(60_000, truth, 42)].join('\n')}\n`;
  await Bun.write(corpus, text);
  const zipped = gzipSync(text);
  await Bun.write(`${corpus}.gz`, zipped);
  // Cut off in transit, and with garbage where its end should be.
  await Bun.write(join(dir, 'cut.log.gz'), zipped.subarray(0, zipped.length >> 1));
  await Bun.write(join(dir, 'bad.log.gz'), Buffer.concat([zipped.subarray(0, 4096), Buffer.alloc(4096, 7)]));
  await Bun.write(join(dir, 'sgt.json'), JSON.stringify({ 100: 'Employees', 200: 'Servers', 5: 'Guests' }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyze(...args: string[]) {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  const p = Bun.spawnSync([process.execPath, MAIN, 'analyze', ...args], {
    env,
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

interface JsonFlow {
  sgt: number;
  dgt: number;
  hits: number;
}

function hitsByPair(json: { flows: JsonFlow[] }): Map<string, number> {
  const out = new Map<string, number>();
  for (const f of json.flows) out.set(`${f.sgt}-${f.dgt}`, (out.get(`${f.sgt}-${f.dgt}`) ?? 0) + f.hits);
  return out;
}

describe('scopilot analyze', () => {
  test('hit totals per (src, dst) pair equal the generator’s ground truth', () => {
    const result = analyze(corpus, '--format', 'json', '--classifier', 'heuristic');
    expect(result.code).toBe(0);
    const json = JSON.parse(result.stdout);
    expect(json.stats.events).toBe(truth.sgaclLines);
    expect(json.stats.notSgaclHit).toBe(truth.otherLines);
    expect(json.stats.rejectedTotal).toBe(0);
    expect(hitsByPair(json)).toEqual(truth.hitsByPair);
    expect(result.stderr).toContain(`SGACLHIT events   ${truth.sgaclLines.toLocaleString('en-US')}`);
  });

  test('gzip input gives the same matrix as plain input', () => {
    const plain = analyze(
      corpus,
      '--format',
      'csv',
      '--classifier',
      'heuristic',
      '--sgt',
      join(dir, 'sgt.json'),
    );
    const gz = analyze(
      `${corpus}.gz`,
      '--format',
      'csv',
      '--classifier',
      'heuristic',
      '--sgt',
      join(dir, 'sgt.json'),
    );
    expect(gz.code).toBe(0);
    expect(gz.stdout).toBe(plain.stdout);
    expect(plain.stdout).toContain('EMPLOYEES_to_SERVERS');
    expect(plain.stderr).toMatch(/missing SGTs\s+\d+: /);
  });

  test('--out writes the file; a time window narrows the input', async () => {
    const out = join(dir, 'matrix.md');
    const result = analyze(
      corpus,
      '--out',
      out,
      '--classifier',
      'heuristic',
      '--until',
      '2026-06-18T00:05:00Z',
    );
    expect(result.code).toBe(0);
    expect(result.stdout).toBe('');
    expect(await Bun.file(out).text()).toContain('deny ip');
    expect(result.stderr).toMatch(/outside window\s+[1-9]/);
  });

  test('bad usage and bad input exit 2 with a message', () => {
    const cases: [string[], string][] = [
      [[], 'no input'],
      [[join(dir, 'missing.log')], 'cannot read'],
      [[corpus, '--format', 'pdf'], 'unknown --format'],
      [[corpus, '--classifier', 'oracle'], 'unknown --classifier'],
      [[corpus, '--since', 'yesterday-ish'], '--since'],
      [[corpus, '--sgt', corpus], 'SGT dictionary'],
      [[corpus, '--classifier', 'claude'], 'SCOPILOT_ANTHROPIC__API_KEY'],
      [[corpus, '--bogus'], 'bogus'],
    ];
    for (const [args, message] of cases) {
      const result = analyze(...args);
      expect({ args, code: result.code }).toEqual({ args, code: 2 });
      expect(result.stderr).toContain(message);
    }
  }, 30_000);

  test('gzip cut off or corrupt exits 2 naming the file, on one thread or several', () => {
    for (const [file, jobs] of [
      ['cut.log.gz', '1'],
      ['cut.log.gz', '2'],
      ['bad.log.gz', '3'],
    ] as const) {
      const result = analyze(join(dir, file), '--jobs', jobs);
      expect({ file, jobs, code: result.code }).toEqual({ file, jobs, code: 2 });
      expect(result.stderr).toContain(`${file} is not valid gzip`);
    }
  }, 30_000);
});
