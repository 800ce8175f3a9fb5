/** `scopilot status`'s picture from given answers: the 7-day sparkline, categories and blockers. */
import { expect, test } from 'bun:test';
import {
  BUCKETS,
  coverageOf,
  NO_DATA,
  readinessBuckets,
  sparkline,
  statusData,
  statusText,
  trendWindow,
} from './status-text.ts';

const HOUR = 3_600_000;
const NOW = Date.parse('2025-06-18T10:20:00Z');

test('the window is 7 days of whole hours ending with the current one', () => {
  const { from, to } = trendWindow(NOW);
  expect(new Date(to).toISOString()).toBe('2025-06-18T11:00:00.000Z');
  expect(to - from).toBe(7 * 24 * HOUR);
  expect(BUCKETS).toBe(28);
});

test('marks scale from 0 to 100 %, not from the low to the high; no reading is a dot', () => {
  expect(sparkline([0, 0.125, 0.25, 0.5, 0.75, 0.95, 0.99, 1, null])).toBe(`▁▂▃▅▇███${NO_DATA}`);
  expect(sparkline([0.9, 0.91, 0.92])).toBe('███');
  expect(sparkline([0.2, 0.4, 0.6])).toBe('▂▄▅');
});

test('hourly readings are averaged per 6 hours; hours outside the window or unmeasured are left out', () => {
  const { from } = trendWindow(NOW);
  const at = (h: number, readiness: number | null) => ({ startMs: from + h * HOUR, readiness });
  const buckets = readinessBuckets(
    [at(0, 0.2), at(5, 0.4), at(6, null), at(167, 1), at(168, 0), at(-1, 0), { startMs: 'x' }],
    from,
  );
  expect(buckets).toHaveLength(28);
  expect(buckets[0]).toBeCloseTo(0.3);
  expect(buckets[1]).toBeNull();
  expect(buckets[27]).toBe(1);
  expect(buckets.filter((b) => b !== null)).toHaveLength(2);
});

test('coverage of the hits: permitted of everything not denied', () => {
  expect(
    coverageOf([
      { hits: 10, permittedHits: 6, deniedHits: 2 },
      { hits: 2, permittedHits: 0 },
    ]),
  ).toBeCloseTo(0.6);
  expect(coverageOf([])).toBeNull();
});

test('the text: readiness, the week, proposals by category gravest first, the top 5 blockers with names', () => {
  const { from } = trendWindow(NOW);
  const points = Array.from({ length: 168 }, (_, h) => ({
    startMs: from + h * HOUR,
    readiness: h / 168,
    hits: 10,
    permittedHits: 5,
    deniedHits: 0,
  }));
  const blockers = Array.from({ length: 7 }, (_, i) => ({
    flowId: `10-${20 + i}-tcp-any-22`,
    hits: 100 - i,
    service: i === 0 ? 'ssh' : null,
    critical: i === 0,
  }));
  const d = statusData({
    nowMs: NOW,
    readiness: {
      ratio: 0.873,
      coveredHits: 873,
      totalHits: 1000,
      version: 4,
      criticalBlockers: 1,
      flows: { total: 9, covered: 2, uncovered: 7 },
      blockers,
    },
    history: { points },
    proposals: {
      tenant: 'acme',
      open: 5,
      byCategory: { harmful: 1, needs_review: 0, business_irrelevant: 0, default: 3, business_relevant: 1 },
      infrastructure: 2,
      urgent: 0,
    },
    ise: { tenant: 'acme', configured: true, lastDrift: { atMs: NOW, count: 2 } },
    names: new Map([[10, 'Employees']]),
  });
  // A week of steady progress: rises mark by mark, empty to full.
  const marks = [...d.trend.sparkline];
  expect(marks).toHaveLength(28);
  expect(marks[0]).toBe('▁');
  expect(marks[27]).toBe('█');
  expect(marks).toEqual([...marks].sort());
  expect(d.blockers).toHaveLength(5);
  expect(d.blockers[0]).toEqual({
    flowId: '10-20-tcp-any-22',
    pair: 'Employees (10) → 20',
    hits: 100,
    service: 'ssh',
    critical: true,
  });
  const text = statusText(d);
  expect(text).toContain('tenant          acme');
  expect(text).toContain('readiness       87.3% of hits covered (873 of 1,000)');
  expect(text).toContain(`last 7 days     ${d.trend.sparkline}  1.5% → 97.9%`);
  expect(text).toContain('matrix version  4');
  expect(text).toContain('ISE             never pushed; 2 drift differences');
  expect(text).toContain('open proposals: 5');
  const categories = text.slice(text.indexOf('open proposals'), text.indexOf('top blockers'));
  expect(categories.indexOf('harmful')).toBeLessThan(categories.indexOf('default'));
  expect(categories).not.toContain('needs review');
  expect(categories).toContain('2 infrastructure');
  expect(text).toContain('1 critical');
  expect(text).toContain('Employees (10) → 20');
  expect(text).not.toContain('10-25-tcp-any-22');
  expect(text).not.toContain('\u001b');
});

test('a new install: no readings, no proposals, no blockers', () => {
  const d = statusData({
    nowMs: NOW,
    readiness: { ratio: 1, coveredHits: 0, totalHits: 0, version: 0, blockers: [] },
    history: { points: [] },
    proposals: { tenant: 'default', open: 0, byCategory: {} },
    ise: null,
    names: new Map(),
  });
  const text = statusText(d);
  expect(text).toContain(`${NO_DATA.repeat(28)}  no readings yet`);
  expect(text).toContain('matrix version  none yet');
  expect(text).toContain('open proposals: 0');
  expect(text).toContain('blockers: none');
  expect(text).not.toContain('ISE');
});
