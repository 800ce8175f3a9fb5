/**
 * Stretches of input analysed apart and merged in order give exactly what one
 * pass gives: flows with their samples, first and last seen, days, counts,
 * and the rejected lines with the line number of the first of each reason.
 */
import { describe, expect, test } from 'bun:test';
import { CORPUS_REFERENCE_MS, corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { mixedCorpus } from '../test/support/mixed-corpus.ts';
import { Analysis } from './analysis.ts';
import { AnalysisMerger } from './analysis-parts.ts';

function lineEnds(bytes: Uint8Array): number[] {
  const ends: number[] = [];
  for (let i = bytes.indexOf(10); i !== -1; i = bytes.indexOf(10, i + 1)) ends.push(i + 1);
  return ends;
}

function onePass(bytes: Uint8Array, options = {}) {
  const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS, ...options });
  for (let i = 0; i < bytes.length; i += 7_001) analysis.addChunk(bytes.subarray(i, i + 7_001));
  analysis.finish();
  return analysis.result();
}

/** The same bytes cut at `cuts` (offsets right after a newline), each stretch analysed on its own. */
function inParts(bytes: Uint8Array, cuts: number[], options = {}) {
  const merger = new AnalysisMerger();
  const bounds = [0, ...cuts, bytes.length];
  for (let k = 0; k + 1 < bounds.length; k++) {
    const analysis = new Analysis({ referenceMs: CORPUS_REFERENCE_MS, midSource: k > 0, ...options });
    const stretch = bytes.subarray(bounds[k]!, bounds[k + 1]!);
    for (let i = 0; i < stretch.length; i += 5_003) analysis.addChunk(stretch.subarray(i, i + 5_003));
    analysis.finish();
    // Through a structured clone, as a part comes back from a worker thread.
    merger.add(structuredClone(analysis.part()));
  }
  return merger.result();
}

describe('parts merged in order equal one pass', () => {
  const bytes = mixedCorpus(12_000);
  const ends = lineEnds(bytes);
  const whole = onePass(bytes);

  test('the corpus has what the comparison needs', () => {
    const { stats, flows } = whole;
    expect(Object.keys(stats.rejected).length).toBeGreaterThanOrEqual(10);
    expect(stats.notSgaclHit).toBeGreaterThan(0);
    expect(flows.some((f) => f.daysSeen >= 5)).toBe(true);
    expect(flows.some((f) => f.events > 500 && f.srcSamples.length === 5)).toBe(true);
  });

  for (const parts of [2, 3, 7, 50, 400]) {
    test(`${parts} parts, even cuts`, () => {
      const cuts = Array.from(
        { length: parts - 1 },
        (_, k) => ends[Math.floor(((k + 1) * ends.length) / parts)]!,
      );
      expect(inParts(bytes, cuts)).toEqual(whole);
    });
  }

  test('cuts at random line ends, many times', () => {
    let seed = 7;
    const rand = () => {
      seed = (Math.imul(seed, 1_103_515_245) + 12_345) >>> 0;
      return seed / 4_294_967_296;
    };
    for (let round = 0; round < 6; round++) {
      const cuts = [
        ...new Set(
          Array.from(
            { length: 1 + Math.floor(rand() * 30) },
            () => ends[Math.floor(rand() * (ends.length - 1))]!,
          ),
        ),
      ].sort((a, b) => a - b);
      expect(inParts(bytes, cuts)).toEqual(whole);
    }
  });

  test('with a time window', () => {
    const window = { sinceMs: Date.UTC(2026, 5, 12), untilMs: Date.UTC(2026, 5, 18, 2) };
    const cuts = [ends[1000]!, ends[9000]!, ends[11_000]!];
    const expected = onePass(bytes, window);
    expect(expected.stats.outsideWindow).toBeGreaterThan(0);
    expect(inParts(bytes, cuts, window)).toEqual(expected);
  });

  test('a cut right after a line whose next starts with a BOM keeps that BOM as data', () => {
    const lines = [...corpusLines(20, emptyTruth())];
    const text = `${lines.slice(0, 10).join('\n')}\n\uFEFF${lines.slice(10).join('\n')}\n`;
    const b = new TextEncoder().encode(text);
    const cut = lineEnds(b)[9]!;
    expect(inParts(b, [cut])).toEqual(onePass(b));
  });
});
