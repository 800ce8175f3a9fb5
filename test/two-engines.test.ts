/**
 * Two engine processes on one NATS server share the durable consumers, the
 * way compose.yaml splits the roles. Whatever interleaving the server picks,
 * the inventory must end exactly where one process would have left it: every
 * flow's hits and events equal to an offline analysis of the same lines.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { ingestLines } from '../actors/tail/ingest.ts';
import { corpusLines, emptyTruth } from '../bench/support/corpus.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { dropSchema, ensureSchema, openStores } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { cleanEnv, killChildren, spawnChild } from './support/child.ts';
import { explainMismatch, offlineTotals, settledTotals, wrongFlows } from './support/inventory.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const LINES = 200_000;
const BATCH = 2_000;

afterAll(killChildren);

describeNats('two engine processes on one NATS server', () => {
  test('the inventory equals what one process computes, flow by flow', async () => {
    const ns = isolatedNamespace(testPrefix('two'));
    const engine = await openNatsEngine({ servers: natsTestUrl(), name: 'two-engines-test' });
    try {
      await ensureSchema(engine, ns);
      const stores = await openStores(engine, ns);
      const env = cleanEnv({
        SCOPILOT_NATS_URL: natsTestUrl(),
        SCOPILOT_NAMESPACE: ns.root,
        SCOPILOT_HTTP__PORT: '0',
        SCOPILOT_LOG_LEVEL: 'info',
      });
      const serve = () => spawnChild(MAIN, env, /"msg":"listening"/, ['serve', '--role', 'engine']);
      await Promise.all([serve(), serve()]);

      const lines = [...corpusLines(LINES, emptyTruth(), 23)];
      const nowMs = Date.now();
      const expected = offlineTotals(lines, nowMs);

      const subjects = subjectsFor(ns);
      for (let i = 0; i < lines.length; i += BATCH) {
        await ingestLines({
          log: engine.log,
          subjects,
          tenant: 'acme',
          lines: lines.slice(i, i + BATCH),
          origin: `batch-${i}`,
          source: 'test',
          nowMs,
        });
      }

      // Every event in, or nothing moved for 30 s (a lost update never arrives).
      const actual = await settledTotals(stores, 'acme', expected, { maxSeconds: 180, stillSeconds: 30 });
      const wrong = wrongFlows(expected, actual);
      if (wrong.length > 0) console.log(await explainMismatch(engine, ns, 'acme', expected, actual));
      expect(wrong).toEqual([]);
      expect(actual.size).toBe(expected.size);
    } finally {
      killChildren();
      await dropSchema(engine, ns);
      await engine.close();
    }
  }, 300_000);
});
