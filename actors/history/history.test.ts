import { afterEach, describe, expect, test } from 'bun:test';
import { INITIAL_MATRIX } from '../../domain/matrix-version.ts';
import { keys } from '../../kv-schema/mod.ts';
import { waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import {
  decide,
  observe,
  observed,
  type Pipeline,
  proposals,
  startPipeline,
} from '../../test/support/pipeline.ts';
import { HOUR_MS, initialHistoryState, MINUTE_MS, rollup } from './logic.ts';

const targets = (nowMs: number) => ({
  tenant: 'acme',
  nowMs,
  minuteBucket: 'm',
  hourBucket: 'h',
  key: (t: string, ms: number) => `${t}.${ms}`,
});
const gauges = { matrix: INITIAL_MATRIX, version: 0, readiness: null, openProposals: 2 };

test('deltas add up in the minute and hour windows; a new minute starts afresh, the hour goes on', () => {
  const t0 = 10 * HOUR_MS + 5 * MINUTE_MS + 1_000;
  const a = rollup(
    initialHistoryState(),
    [observed({ hits: 10 }), observed({ dgt: 30, hits: 5 })],
    gauges,
    targets(t0),
  );
  const b = rollup(a.state, [observed({ hits: 1 })], gauges, targets(t0 + 2_000));
  expect(b.effects.map((e) => ('key' in e ? e.key : ''))).toEqual([
    `acme.${10 * HOUR_MS + 5 * MINUTE_MS}`,
    `acme.${10 * HOUR_MS}`,
  ]);
  const minute = (b.effects[0] as { value: Record<string, unknown> }).value;
  expect(minute).toMatchObject({
    resolution: 'minute',
    hits: 16,
    uncoveredHits: 16,
    coverage: 0,
    openProposals: 2,
  });
  expect(minute.pairs).toEqual([
    { sgt: 10, dgt: 20, hits: 11, status: 'uncovered' },
    { sgt: 10, dgt: 30, hits: 5, status: 'uncovered' },
  ]);
  const c = rollup(b.state, [observed({ hits: 4 })], gauges, targets(t0 + MINUTE_MS));
  expect((c.effects[0] as { value: { hits: number } }).value.hits).toBe(4);
  expect((c.effects[1] as { value: { hits: number } }).value.hits).toBe(20);
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`history on ${flavour.name}`, () => {
    let te: TestEngine;
    let p: Pipeline;
    afterEach(async () => {
      await p?.stop();
      await te?.dispose();
    });

    test('flow deltas become minute and hour rollups in their buckets', async () => {
      te = await flavour.open();
      p = await startPipeline(te);
      await observe(te, 'acme', observed({ hits: 30 }));
      await observe(te, 'acme', observed({ dgt: 30, protocol: 'udp', dstPort: 53, hits: 12 }));
      const total = async () => {
        let hits = 0;
        for (const k of await p.stores.historyHour.keys(keys.tenantAll('acme')))
          hits += (await p.stores.historyHour.get(k))?.value.hits ?? 0;
        return hits;
      };
      await waitFor('42 hits in the hour rollup', async () => (await total()) === 42);
      const minutes = await p.stores.historyMinute.keys(keys.tenantAll('acme'));
      expect(minutes.length).toBeGreaterThan(0);
    });

    test('a decided proposal no longer counts as open, though its pair keeps its index entry', async () => {
      te = await flavour.open();
      p = await startPipeline(te);
      const openNow = async () => {
        const latest = (await p.stores.historyMinute.keys(keys.tenantAll('acme'))).sort().at(-1);
        return latest === undefined
          ? -1
          : ((await p.stores.historyMinute.get(latest))?.value.openProposals ?? -1);
      };
      await observe(te, 'acme', observed({ hits: 3 }));
      await waitFor('one proposal', async () => (await proposals(p.stores, 'acme')).length === 1);
      await observe(te, 'acme', observed({ hits: 1 }));
      await waitFor('one open proposal in the rollup', async () => (await openNow()) === 1);
      const [proposal] = await proposals(p.stores, 'acme');
      expect((await decide(te, 'acme', proposal!.id, 'reject')).ok).toBe(true);
      expect(await p.stores.openProposals.keys(keys.openProposalsAll('acme'))).toHaveLength(1);
      // A proposal seen open is trusted for 10 s: traffic goes on until the rollup has looked again.
      await waitFor(
        'no open proposal in the rollup',
        async () => {
          await observe(te, 'acme', observed({ hits: 1 }));
          await Bun.sleep(500);
          return (await openNow()) === 0;
        },
        25_000,
      );
    }, 40_000);
  });
}
