import { describe, expect, test } from 'bun:test';
import { DEFAULT_SET_DIR, EvalPath, evaluatePath, formatReport, loadJudgementSets, TARGETS } from './eval.ts';
import { main } from './main.ts';

describe('scopilot eval', () => {
  const sets = loadJudgementSets(DEFAULT_SET_DIR);

  test('the labelled sets: at least 300 flows over at least 4 networks, each with a reason', () => {
    expect(sets.length).toBeGreaterThanOrEqual(4);
    expect(sets.reduce((n, s) => n + s.flows.length, 0)).toBeGreaterThanOrEqual(300);
    for (const s of sets) for (const f of s.flows) expect(f.reason.length).toBeGreaterThan(5);
  });

  test('heuristics and the hint-following fake model meet the targets', async () => {
    for (const path of [EvalPath.Heuristic, EvalPath.Fake]) {
      const r = await evaluatePath(path, sets);
      expect(r.missed).toEqual([]);
      expect(r.score.agreement).toBeGreaterThanOrEqual(TARGETS.agreement);
      expect(r.score.needsReview / r.score.flows).toBeLessThanOrEqual(TARGETS.needsReview);
      expect(r.score.harmfulDenied).toBe(r.score.harmful);
    }
  });

  test('a model that answers business_relevant to everything still gets every harmful flow denied', async () => {
    const r = await evaluatePath(EvalPath.FakePermitAll, sets);
    expect(r.score.harmful).toBeGreaterThan(50);
    expect(r.score.harmfulDenied).toBe(r.score.harmful);
    expect(r.score.harmfulByPair.every((p) => p.denied === p.harmful)).toBe(true);
  });

  test('a model that answers harmful to everything cannot deny infrastructure', async () => {
    const r = await evaluatePath(EvalPath.FakeDenyAll, sets);
    expect(r.score.confusion.business_relevant.default).toBeGreaterThan(20);
  });

  test('the report names agreement, the confusion matrix and harmful recall per class pair', async () => {
    const r = await evaluatePath(EvalPath.Heuristic, sets);
    const text = formatReport(sets, [r], false);
    expect(text).toContain('agreement');
    expect(text).toContain('confusion (rows: expert label, columns: outcome)');
    expect(text).toContain('harmful recall by class pair');
    expect(text).toContain('users → unknown');
  });

  test('a bad --path is a usage error (exit 2)', async () => {
    expect(await main(['eval', '--path', 'oracle'])).toBe(2);
  });
});
