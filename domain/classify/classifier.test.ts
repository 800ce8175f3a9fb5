import { describe, expect, test } from 'bun:test';
import type { Category, Classification } from '../types.ts';
import { ClassifierError, classifyFlows } from './classifier.ts';
import { makeFlow, manyFlows, SGT_NAMES } from './fixtures.ts';
import { MemoryClassificationCache } from './memory-cache.ts';
import type { LlmBatch, LlmBatchResult, LlmClassifier } from './types.ts';

const NOW = Date.UTC(2026, 5, 20);
const DAY = 86_400_000;

/** A model stand-in behind the LlmClassifier port: answers every flow it is asked about. */
class ScriptedModel implements LlmClassifier {
  readonly batches: string[][] = [];
  readonly answer: (batch: LlmBatch) => Promise<LlmBatchResult>;
  constructor(answer: (batch: LlmBatch) => Promise<LlmBatchResult>) {
    this.answer = answer;
  }
  async classify(batch: LlmBatch): Promise<LlmBatchResult> {
    this.batches.push(batch.flows.map((f) => f.id));
    return this.answer(batch);
  }
}

const everything = (category: Category, extraIds: string[] = []) =>
  new ScriptedModel(async (b) => ({
    model: 'claude-test',
    verdicts: [...b.flows.map((f) => f.id), ...extraIds].map((flowId) => ({
      flowId,
      category,
      risk: 'low' as const,
      rationale: 'model says so',
    })),
    rejected: [],
  }));

describe('classifyFlows', () => {
  test('heuristic mode uses neither cache nor model', async () => {
    const model = everything('business_relevant');
    const cache = new MemoryClassificationCache();
    const r = await classifyFlows(manyFlows(3), {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'heuristic',
      llm: model,
      cache,
    });
    expect(model.batches).toHaveLength(0);
    expect(r.stats.bySource.heuristic).toBe(3);
    expect(cache.size).toBe(0);
  });

  test('claude mode without a model is a named error', async () => {
    await expect(
      classifyFlows([], { sgtNames: SGT_NAMES, nowMs: NOW, mode: 'claude' }),
    ).rejects.toBeInstanceOf(ClassifierError);
  });

  test('batches of at most 50: 120 unknown flows make 3 model calls', async () => {
    const model = everything('business_relevant');
    const r = await classifyFlows(manyFlows(120), {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'auto',
      llm: model,
    });
    expect(model.batches.map((b) => b.length)).toEqual([50, 50, 20]);
    expect(r.stats).toMatchObject({ modelCalls: 3, modelFailures: 0, fallbacks: 0 });
    expect(r.classifications.every((c) => c.source === 'llm' && c.model === 'claude-test')).toBe(true);
  });

  test('infrastructure is a ceiling: a model that denies everything cannot deny DNS or RADIUS; a threat verdict can', async () => {
    const dns = makeFlow({ sgt: 5, dgt: 7, protocol: 'udp', dstPort: 53 });
    const radius = makeFlow({ sgt: 4, dgt: 7, protocol: 'udp', dstPort: 1812 });
    const web = makeFlow({ sgt: 4, dgt: 11, dstPort: 443 });
    const bad = makeFlow({ sgt: 4, dgt: 0, protocol: 'udp', dstPort: 53 });
    const model = everything('harmful');
    const r = await classifyFlows([dns, radius, web, bad], {
      sgtNames: SGT_NAMES,
      threat: new Map([[bad.id, [{ provider: 'abuseipdb', malicious: true }]]]),
      nowMs: NOW,
      mode: 'auto',
      llm: model,
    });
    const [d, r1, w, b] = r.classifications;
    expect(d).toMatchObject({ category: 'default', source: 'llm', risk: 'high' });
    expect(d?.rationale).toStartWith('kept permitted: DNS is infrastructure');
    expect(d?.rationale).toContain('llm said harmful: model says so');
    expect(r1?.category).toBe('default');
    expect(w?.category).toBe('harmful');
    expect(b).toMatchObject({ category: 'harmful', source: 'guardrail' });
  });

  test('the guardrail is a floor: a model that calls everything relevant cannot permit a mining flow', async () => {
    const mining = makeFlow({ sgt: 4, dgt: 0, dstPort: 3333 });
    const normal = makeFlow({ sgt: 4, dgt: 11, dstPort: 443 });
    const model = everything('business_relevant', [mining.id]);
    const r = await classifyFlows([mining, normal], {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'auto',
      llm: model,
    });
    expect(r.classifications[0]).toMatchObject({
      flowId: mining.id,
      category: 'harmful',
      source: 'guardrail',
    });
    expect(r.classifications[1]).toMatchObject({
      flowId: normal.id,
      category: 'business_relevant',
      source: 'llm',
    });
    expect(model.batches).toEqual([[normal.id]]);
  });

  test('threat verdicts are looked up by flow id', async () => {
    const f = makeFlow({ sgt: 4, dgt: 0, dstPort: 443 });
    const threat = new Map([[f.id, [{ provider: 'feodo', malicious: true }]]]);
    const r = await classifyFlows([f], { sgtNames: SGT_NAMES, nowMs: NOW, mode: 'heuristic', threat });
    expect(r.classifications[0]).toMatchObject({
      category: 'harmful',
      risk: 'critical',
      source: 'guardrail',
    });
  });

  test('a failed call falls back to heuristics and says so', async () => {
    const model = new ScriptedModel(async () => {
      throw new Error('overloaded (529)\nafter 4 attempts');
    });
    const r = await classifyFlows(manyFlows(2), {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'auto',
      llm: model,
    });
    expect(r.stats).toMatchObject({ modelCalls: 1, modelFailures: 1, fallbacks: 2 });
    for (const c of r.classifications) {
      expect(c.source).toBe('heuristic');
      expect(c.rationale).toStartWith('model unavailable: overloaded (529) after 4 attempts; heuristic: ');
    }
  });

  test('rejected and missing answers fall back per flow; foreign ids are ignored', async () => {
    const [a, b, c] = manyFlows(3) as [
      ReturnType<typeof makeFlow>,
      ReturnType<typeof makeFlow>,
      ReturnType<typeof makeFlow>,
    ];
    const model = new ScriptedModel(async () => ({
      model: 'claude-test',
      verdicts: [
        { flowId: a.id, category: 'harmful', risk: 'high', rationale: 'odd' },
        { flowId: '9-9-tcp-any-1', category: 'default', risk: 'low', rationale: 'not asked' },
      ],
      rejected: [{ flowId: b.id, reason: 'unknown category "totally_fine"' }],
    }));
    const r = await classifyFlows([a, b, c], { sgtNames: SGT_NAMES, nowMs: NOW, mode: 'auto', llm: model });
    expect(r.classifications.map((x) => x.flowId)).toEqual([a.id, b.id, c.id]);
    expect(r.classifications[0]).toMatchObject({ source: 'llm', category: 'harmful' });
    expect(r.classifications[1]?.rationale).toStartWith(
      'model answer rejected: unknown category "totally_fine"; heuristic: ',
    );
    expect(r.classifications[2]?.rationale).toStartWith('model gave no answer for this flow; heuristic: ');
    expect(r.stats.fallbacks).toBe(2);
  });

  test('cached model answers are reused within the window and not after it', async () => {
    const cache = new MemoryClassificationCache();
    const flows = manyFlows(60);
    const first = everything('business_relevant');
    await classifyFlows(flows, { sgtNames: SGT_NAMES, nowMs: NOW, mode: 'auto', llm: first, cache });
    expect(first.batches).toHaveLength(2);
    expect(cache.size).toBe(60);

    const second = everything('default');
    const again = await classifyFlows(flows, {
      sgtNames: SGT_NAMES,
      nowMs: NOW + 6 * DAY,
      mode: 'auto',
      llm: second,
      cache,
    });
    expect(second.batches).toHaveLength(0);
    expect(again.stats.bySource.cache).toBe(60);
    expect(again.classifications[0]).toMatchObject({
      source: 'cache',
      category: 'business_relevant',
      model: 'claude-test',
    });

    const stale = everything('default');
    await classifyFlows(flows, {
      sgtNames: SGT_NAMES,
      nowMs: NOW + 8 * DAY,
      mode: 'auto',
      llm: stale,
      cache,
    });
    expect(stale.batches).toHaveLength(2);
  });

  test('fallback answers are not cached; a broken cache does not break classification', async () => {
    const cache = new MemoryClassificationCache();
    const failing = new ScriptedModel(async () => {
      throw new Error('timeout');
    });
    await classifyFlows(manyFlows(5), { sgtNames: SGT_NAMES, nowMs: NOW, mode: 'auto', llm: failing, cache });
    expect(cache.size).toBe(0);

    const broken = {
      get: async (): Promise<Classification | null> => {
        throw new Error('kv down');
      },
      set: async (): Promise<void> => {
        throw new Error('kv down');
      },
    };
    const r = await classifyFlows(manyFlows(2), {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'auto',
      llm: everything('default'),
      cache: broken,
    });
    expect(r.stats.cacheErrors).toBe(4);
    expect(r.stats.bySource.llm).toBe(2);
  });

  test('model rationales are treated as untrusted text', async () => {
    const model = new ScriptedModel(async (b) => ({
      model: 'claude-test',
      verdicts: b.flows.map((f) => ({
        flowId: f.id,
        category: 'default' as const,
        risk: 'low' as const,
        rationale: `seen at 10.1.2.3\n${'z'.repeat(900)}`,
      })),
      rejected: [],
    }));
    const r = await classifyFlows(manyFlows(1), {
      sgtNames: SGT_NAMES,
      nowMs: NOW,
      mode: 'auto',
      llm: model,
    });
    const text = r.classifications[0]?.rationale ?? '';
    expect(text).toStartWith('seen at [ip] z');
    expect(Array.from(text).length).toBeLessThanOrEqual(500);
  });
});
