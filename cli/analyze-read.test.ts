/**
 * `analyze` on several threads gives exactly the result of one pass: plain
 * files cut into ranges, gzip cut into segments as it streams, several
 * sources with their own reference times, worker threads and this one sharing
 * the work.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { mixedCorpus } from '../test/support/mixed-corpus.ts';
import { type ReadOptions, readSources } from './analyze-read.ts';
import { openSource } from './input.ts';

const dir = mkdtempSync(join(tmpdir(), 'scopilot-read-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const bytes = mixedCorpus(12_000);
const plain = join(dir, 'a.log');
const zipped = join(dir, 'b.log.gz');
const other = join(dir, 'c.log');
writeFileSync(plain, bytes);
writeFileSync(zipped, gzipSync(bytes));
writeFileSync(other, bytes.subarray(0, 400_000));
utimesSync(plain, new Date('2026-07-01T00:00:00Z'), new Date('2026-07-01T00:00:00Z'));
utimesSync(zipped, new Date('2026-07-01T00:00:00Z'), new Date('2026-07-01T00:00:00Z'));
// Another year: its year-less stamps land in 2025.
utimesSync(other, new Date('2025-06-30T00:00:00Z'), new Date('2025-06-30T00:00:00Z'));

const read = (paths: string[], o: ReadOptions) => readSources(paths.map(openSource), o);
/** Small enough that every file is cut into many ranges and segments. */
const small = { parallelFrom: 0, rangeBytes: 150_000, segmentBytes: 70_000, stretchBytes: 200_000 };

describe('parallel analyze equals the sequential one', () => {
  for (const paths of [[plain], [zipped], [plain, zipped, other]]) {
    const name = paths.map((p) => p.slice(dir.length + 1)).join(' ');
    test(`${name}: 2 and 3 threads`, async () => {
      const expected = await read(paths, { jobs: 1 });
      expect(expected.stats.rejectedTotal).toBeGreaterThan(0);
      for (const jobs of [2, 3]) expect(await read(paths, { jobs, ...small })).toEqual(expected);
    });
  }

  test('with a time window, and with the default sizes', async () => {
    const window = { sinceMs: Date.UTC(2026, 5, 12), untilMs: Date.UTC(2026, 5, 18, 2) };
    const expected = await read([plain, zipped], { jobs: 1, ...window });
    expect(expected.stats.outsideWindow).toBeGreaterThan(0);
    expect(await read([plain, zipped], { jobs: 2, ...small, ...window })).toEqual(expected);
    expect(await read([plain, zipped], { jobs: 2, ...window })).toEqual(expected);
  });

  test('a line longer than a whole segment counts once as too long', async () => {
    const file = join(dir, 'long.log.gz');
    const text = new TextEncoder().encode(`${'y'.repeat(300_000)}\nshort\n${'z'.repeat(200_000)}`);
    writeFileSync(
      file,
      gzipSync(Buffer.concat([bytes.subarray(0, 100_000), text, Buffer.from('\n'), bytes])),
    );
    const expected = await read([file], { jobs: 1 });
    expect(await read([file], { jobs: 2, ...small })).toEqual(expected);
  });

  test('an empty file and a missing newline at the end', async () => {
    const empty = join(dir, 'empty.log');
    writeFileSync(empty, '');
    const expected = await read([empty, other], { jobs: 1 });
    expect(await read([empty, other], { jobs: 2, ...small })).toEqual(expected);
  });
});

describe('a failing source', () => {
  test('gzip cut off in the middle fails the read, on several threads as on one', async () => {
    const cut = join(dir, 'cut.log.gz');
    const zipped = gzipSync(bytes);
    writeFileSync(cut, zipped.subarray(0, zipped.length >> 1));
    for (const jobs of [1, 2, 3])
      await expect(read([plain, cut], { jobs, ...small })).rejects.toThrow('cut.log.gz is not valid gzip');
  });
});
