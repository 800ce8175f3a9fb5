/** Staged runs, the pure part: batches merge into an open run's aggregate exactly, or are refused whole. */
import { describe, expect, test } from 'bun:test';
import { Analysis } from '../../domain/analysis.ts';
import { sgaclLine } from '../mcp/testing.ts';
import { addBatch, openRunRecord, STAGED_MAX_FLOWS, StageError } from './run-stage.ts';

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 5, 18, 10);

function batch(lines: string[], batchId?: string) {
  const analysis = new Analysis({ referenceMs: T0 + 10 * DAY });
  analysis.addLines(lines);
  const { flows, stats } = analysis.result();
  return { flows, stats, bytes: lines.join('\n').length + 1, ...(batchId ? { batchId } : {}) };
}

const open = () =>
  openRunRecord({
    id: 'r1',
    tenant: 'acme',
    createdBy: 'ann',
    nowMs: T0,
    params: { since: null, until: null, classifier: 'heuristic' },
  });

describe('addBatch', () => {
  test('sums counters, keeps the earliest and latest times, and unions days and tags', () => {
    const first = addBatch(
      open(),
      batch([sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 5, atMs: T0 }), 'not syslog at all']),
      T0,
    ).record;
    const second = addBatch(
      first,
      batch([
        sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 3, atMs: T0 + 2 * DAY }),
        sgaclLine({ sgt: 30, dgt: 20, dstPort: 22, hits: 1, atMs: T0 + DAY }),
      ]),
      T0 + DAY,
    ).record;
    expect(second.stats).toMatchObject({
      linesRead: 4,
      events: 3,
      hits: 9,
      notSgaclHit: 1,
      tagsSeen: [10, 20, 30],
    });
    expect(second.flowCount).toBe(2);
    const web = second.flows.find((f) => f.id === '10-20-tcp-any-443');
    expect(web).toMatchObject({
      hits: 8,
      events: 2,
      permitHits: 8,
      firstSeenMs: T0,
      lastSeenMs: T0 + 2 * DAY,
      daysSeen: 2,
    });
    expect(second.flows[0]?.id).toBe('10-20-tcp-any-443');
    expect(second.sources).toEqual([{ name: 'lines', bytes: expect.any(Number), gzip: false }]);
    expect(second.updatedAt).toBe(new Date(T0 + DAY).toISOString());
  });

  test("rejected lines keep the run's first line number for each reason", () => {
    const bad = "<190>1 2026-06-18T10:00:00Z sw01 - - - - %RBM-6-SGACLHIT: sgt='x'";
    const a = addBatch(open(), batch([sgaclLine({ sgt: 1, dgt: 2, dstPort: 80 }), bad]), T0).record;
    const reason = Object.keys(a.stats.rejected)[0] as string;
    expect(a.stats.rejected[reason]).toEqual({ count: 1, firstLine: 2 });
    const b = addBatch(a, batch([bad, bad]), T0).record;
    expect(b.stats.rejected[reason]).toEqual({ count: 3, firstLine: 2 });
    expect(b.stats.rejectedTotal).toBe(3);
  });

  test('a batch id seen before is not counted again', () => {
    const lines = [sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 5 })];
    const once = addBatch(open(), batch(lines, 'b1'), T0);
    const twice = addBatch(once.record, batch(lines, 'b1'), T0);
    expect(twice.duplicate).toBe(true);
    expect(twice.record).toBe(once.record);
    expect(twice.record.stats.hits).toBe(5);
    expect(addBatch(once.record, batch(lines, 'b2'), T0).record.stats.hits).toBe(10);
  });

  test('a batch that would take the run past the flow limit is refused whole', () => {
    const lines = Array.from({ length: STAGED_MAX_FLOWS }, (_, i) =>
      sgaclLine({ sgt: 1, dgt: 2, dstPort: i + 1 }),
    );
    const full = addBatch(open(), batch(lines), T0).record;
    expect(full.flowCount).toBe(STAGED_MAX_FLOWS);
    expect(() => addBatch(full, batch([sgaclLine({ sgt: 9, dgt: 9, dstPort: 1 })]), T0)).toThrow(StageError);
    // Known flows still merge.
    expect(addBatch(full, batch([sgaclLine({ sgt: 1, dgt: 2, dstPort: 1 })]), T0).record.flowCount).toBe(
      STAGED_MAX_FLOWS,
    );
  });
});
