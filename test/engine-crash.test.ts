/**
 * kill -9 in the middle of work: every tenant's final state is exact and every
 * message produced exactly one effect. On NATS two engine processes share the
 * consumer and one is killed; on the embedded engine the one process is killed
 * and restarted on the same data directory.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { openEngine } from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import { dropSchema, ensureSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace, StreamName, subjectsFor } from '../streams/mod.ts';
import type { CountState } from './fixtures/counting-actor.ts';
import { publishJson, readAll, readState, waitFor } from './support/actors.ts';
import { type Child, killChildren, lastLine, spawnChild } from './support/child.ts';
import type { TestEngine } from './support/engines.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';

const TENANTS = 100;
const MESSAGES = 10_000;
const CHILD = join(import.meta.dir, 'fixtures/counting-engine.ts');

afterAll(killChildren);

/** Messages a counting child reported handling so far. */
const handled = (child: Child): number => Number(/^handled (\d+)$/.exec(lastLine(child) ?? '')?.[1] ?? 0);

async function publishAll(te: TestEngine): Promise<Map<string, CountState>> {
  const s = subjectsFor(te.ns);
  const expected = new Map<string, CountState>();
  const window: Promise<unknown>[] = [];
  for (let i = 1; i <= MESSAGES; i++) {
    const tenant = `tenant-${i % TENANTS}`;
    const e = expected.get(tenant) ?? { count: 0, sum: 0 };
    expected.set(tenant, { count: e.count + 1, sum: e.sum + i });
    window.push(publishJson(te, s.flowsUnknown(tenant), { n: i }, `m-${i}`));
    if (window.length >= 500) await Promise.all(window.splice(0));
  }
  await Promise.all(window);
  return expected;
}

async function totalCounted(te: TestEngine): Promise<number> {
  let total = 0;
  for (let t = 0; t < TENANTS; t++)
    total += (await readState<CountState>(te, 'counter', `tenant-${t}`))?.count ?? 0;
  return total;
}

async function expectExact(te: TestEngine, expected: Map<string, CountState>) {
  await waitFor('every message counted', async () => (await totalCounted(te)) >= MESSAGES, 90_000);
  await Bun.sleep(2_500); // longer than the ack wait: a late duplicate would show now
  for (const [tenant, state] of expected)
    expect(await readState<CountState>(te, 'counter', tenant)).toEqual(state);
  const audit = await readAll(te, StreamName.Audit, subjectsFor(te.ns).allTenants('audit'));
  expect(audit).toHaveLength(MESSAGES);
  expect(new Set(audit.map((m) => (m.json as { n: number }).n)).size).toBe(MESSAGES);
}

describeNats('kill -9 on NATS: two engine processes share the consumers', () => {
  test(
    '10,000 messages over 100 tenants, one process killed halfway: exact',
    async () => {
      const ns = isolatedNamespace(testPrefix('k'));
      const engine: Engine = await openEngine({ natsUrl: natsTestUrl(), dataDir: '' });
      const te: TestEngine = { engine, ns, dispose: async () => undefined };
      try {
        await ensureSchema(engine, ns);
        const env = {
          SCOPILOT_TEST_ENGINE: 'nats',
          SCOPILOT_TEST_NS: ns.root,
          SCOPILOT_TEST_NATS_URL: natsTestUrl(),
        };
        const pair = await Promise.all([
          spawnChild(CHILD, env, /^ready$/),
          spawnChild(CHILD, env, /^ready$/),
        ]);
        const victim = pair[0];
        const expected = await publishAll(te);
        await waitFor('half counted', async () => (await totalCounted(te)) >= MESSAGES / 2, 60_000);
        victim.process.kill(9);
        await victim.process.exited;
        expect(handled(victim)).toBeGreaterThan(0);
        await expectExact(te, expected);
      } finally {
        killChildren();
        await dropSchema(engine, ns);
        await engine.close();
      }
    },
    { timeout: 180_000 },
  );
});

describe('kill -9 on the embedded engine: the process restarts on its data', () => {
  test(
    '10,000 messages over 100 tenants, killed halfway and restarted: exact',
    async () => {
      const ns = isolatedNamespace(testPrefix('k'));
      const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-crash-'));
      const env = {
        SCOPILOT_TEST_ENGINE: 'embedded',
        SCOPILOT_TEST_NS: ns.root,
        SCOPILOT_TEST_DATA_DIR: dataDir,
      };
      try {
        // The embedded engine serves one process, so the parent publishes first, then lets the child work.
        const publisher = await openEngine({ dataDir });
        await ensureSchema(publisher, ns);
        const expected = await publishAll({ engine: publisher, ns, dispose: async () => undefined });
        await publisher.close();

        const first = await spawnChild(CHILD, env, /^ready$/);
        await waitFor('half handled', () => handled(first) >= MESSAGES / 2, 60_000);
        first.process.kill(9);
        await first.process.exited;
        const second = await spawnChild(CHILD, env, /^ready$/);
        // Done when the restarted process has handled the rest and gone quiet for longer than an ack wait.
        await waitFor(
          'the rest handled',
          () => handled(second) > 0 && Date.now() - second.lastLineAt > 3_000,
          90_000,
        );
        second.process.kill('SIGTERM');
        await second.process.exited;

        const engine = await openEngine({ dataDir });
        try {
          await expectExact({ engine, ns, dispose: async () => undefined }, expected);
        } finally {
          await engine.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    },
    { timeout: 180_000 },
  );
});
