/**
 * kill -9 of the engine in the middle of ingestion, on NATS: the real
 * `scopilot serve --role engine` process is killed while deltas flow in, a new
 * one takes over, and afterwards the inventory holds every hit exactly once
 * and every tag pair has exactly one proposal.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ingestLines } from '../actors/tail/ingest.ts';
import { corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { dropSchema, ensureSchema, keys, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { cleanEnv, killChildren, spawnChild } from './support/child.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';
import { proposals } from './support/pipeline.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');

afterAll(killChildren);

describeNats('kill -9 of the engine during ingestion', () => {
  test('nothing acknowledged is lost and no proposal is duplicated', async () => {
    const ns = isolatedNamespace(testPrefix('i'));
    const engine = await openNatsEngine({ servers: natsTestUrl(), name: 'ingest-crash-test' });
    try {
      await ensureSchema(engine, ns);
      const stores = await openStores(engine, ns);
      const env = cleanEnv({
        SCOPILOT_NATS_URL: natsTestUrl(),
        SCOPILOT_NAMESPACE: ns.root,
        SCOPILOT_HTTP__PORT: '0',
        SCOPILOT_ENGINE__ACK_WAIT_SECONDS: '2',
        SCOPILOT_LOG_LEVEL: 'warn',
      });
      const start = () =>
        spawnChild(MAIN, { ...env, SCOPILOT_LOG_LEVEL: 'info' }, /"msg":"listening"/, [
          'serve',
          '--role',
          'engine',
        ]);
      const first = await start();

      const truth = emptyTruth();
      const lines = [...corpusLines(30_000, truth, 11)];
      const totalHits = [...truth.hitsByPair.values()].reduce((a, b) => a + b, 0);
      const subjects = subjectsFor(ns);
      let batches = 0;
      // The feed holds at its middle until the first process has made proposals and been
      // killed, so the kill lands mid-ingest however fast or loaded the machine is.
      let killed: () => void = () => undefined;
      const afterKill = new Promise<void>((resolve) => {
        killed = resolve;
      });
      const feed = (async () => {
        for (let i = 0; i < lines.length; i += 1_000) {
          if (i === lines.length / 2) await afterKill;
          await ingestLines({
            log: engine.log,
            subjects,
            tenant: 'acme',
            lines: lines.slice(i, i + 1_000),
            origin: `batch-${i}`,
            source: 'test',
            nowMs: Date.now(),
          });
          batches++;
          await Bun.sleep(250);
        }
      })();
      await waitFor(
        'proposals being made',
        async () => (await stores.proposals.keys(keys.tenantAll('acme'))).length > 5,
        60_000,
      );
      first.process.kill(9);
      await first.process.exited;
      expect(batches).toBeLessThan(30); // killed in the middle of the feed
      killed();
      await start();
      await feed;

      const inventoryHits = async () => {
        let sum = 0;
        for (const key of await stores.inventory.keys(keys.tenantAll('acme')))
          sum += (await stores.inventory.get(key))?.value.hits ?? 0;
        return sum;
      };
      await waitFor('every hit in the inventory', async () => (await inventoryHits()) >= totalHits, 120_000);
      const pairs = truth.hitsByPair.size;
      await waitFor(
        'one proposal per pair',
        async () => (await proposals(stores, 'acme')).length >= pairs,
        120_000,
      );
      await Bun.sleep(4_000); // past an ack wait: late redeliveries would show now
      expect(await inventoryHits()).toBe(totalHits);
      const all = await proposals(stores, 'acme');
      const perPair = new Map<string, number>();
      for (const p of all) perPair.set(`${p.sgt}-${p.dgt}`, (perPair.get(`${p.sgt}-${p.dgt}`) ?? 0) + 1);
      expect([...perPair.values()].filter((n) => n > 1)).toEqual([]);
      expect(perPair.size).toBe(pairs);
    } finally {
      killChildren();
      await dropSchema(engine, ns);
      await engine.close();
    }
  }, 360_000);
});
