import { afterEach, describe, expect, test } from 'bun:test';
import { Bucket, bucketName, keys } from '../../kv-schema/mod.ts';
import { StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { type CountMessage, type CountState, countingActor } from '../../test/fixtures/counting-actor.ts';
import {
  publishJson,
  readAll,
  readState,
  startSystem,
  systemFor,
  waitFor,
} from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import type { ActorDefinition } from './types.ts';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`actor system on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    async function setup(): Promise<TestEngine> {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      return te;
    }
    async function run(te: TestEngine, options: Parameters<typeof countingActor>[1] = {}, overrides = {}) {
      const system = await startSystem(te, [countingActor(te.ns, options)], overrides);
      cleanup.push(() => system.drain());
      return system;
    }

    test('routes by tenant, applies every message once, and runs effects', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      await run(te);
      for (let i = 1; i <= 30; i++)
        await publishJson(te, s.flowsUnknown(i % 3 === 0 ? 'acme' : 'globex'), { n: i });
      await waitFor('all counted', async () => {
        const a = await readState<CountState>(te, 'counter', 'acme');
        const g = await readState<CountState>(te, 'counter', 'globex');
        return (a?.count ?? 0) + (g?.count ?? 0) === 30;
      });
      const acme = await readState<CountState>(te, 'counter', 'acme');
      expect(acme).toEqual({ count: 10, sum: 165 }); // 3 + 6 + … + 30
      const audit = await readAll(te, StreamName.Audit, s.audit('acme'));
      expect(audit.map((m) => (m.json as { n: number }).n).sort((x, y) => x - y)).toEqual(
        Array.from({ length: 10 }, (_, i) => 3 * (i + 1)),
      );
    });

    test('loads stored state before the first message', async () => {
      const te = await setup();
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
      const seeded = { state: { count: 5, sum: 100 }, unconfirmed: [], outbox: [] };
      await bucket.put(keys.actorState('counter', 'acme'), new TextEncoder().encode(JSON.stringify(seeded)));
      await run(te);
      await publishJson(te, subjectsFor(te.ns).flowsUnknown('acme'), { n: 1 });
      await waitFor('counted', async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 6);
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 6, sum: 101 });
    });

    test('handles one message at a time per actor, tenants in parallel', async () => {
      const te = await setup();
      const inFlight = new Map<string, number>();
      let maxPerTenant = 0;
      let maxOverall = 0;
      await run(te, {
        onHandle: async (tenant) => {
          inFlight.set(tenant, (inFlight.get(tenant) ?? 0) + 1);
          maxPerTenant = Math.max(maxPerTenant, inFlight.get(tenant) ?? 0);
          maxOverall = Math.max(
            maxOverall,
            [...inFlight.values()].reduce((a, b) => a + b, 0),
          );
          await Bun.sleep(5);
          inFlight.set(tenant, (inFlight.get(tenant) ?? 1) - 1);
        },
      });
      const s = subjectsFor(te.ns);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) => publishJson(te, s.flowsUnknown(`t${i % 4}`), { n: 1 })),
      );
      await waitFor('all counted', async () => {
        const counts = await Promise.all(
          [0, 1, 2, 3].map((i) => readState<CountState>(te, 'counter', `t${i}`)),
        );
        return counts.every((c) => c?.count === 10);
      });
      expect(maxPerTenant).toBe(1);
      expect(maxOverall).toBeGreaterThan(1);
    });

    test('bad input goes to the dead letters at once, with its error', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      let handled = 0;
      await run(te, { onHandle: () => void handled++ });
      await publishJson(te, s.flowsUnknown('acme'), { n: 1, fail: 'terminal' });
      await publishJson(te, s.flowsUnknown('acme'), 'not even an object');
      await publishJson(te, s.flowsUnknown('acme'), { n: 2 });
      await waitFor(
        'two dead letters',
        async () => (await readAll(te, StreamName.Dead, s.deadAll('acme'))).length === 2,
      );
      const dead = (await readAll(te, StreamName.Dead, s.deadAll('acme'))).map(
        (m) => m.json as Record<string, unknown>,
      );
      expect(dead.map((d) => d.error).sort()).toEqual(['not a count message', 'refusing 1']);
      expect(dead.every((d) => d.actor === 'counter' && d.deliveries === 1 && d.code === 'TERMINAL')).toBe(
        true,
      );
      expect(dead[0]?.subject).toBe(s.flowsUnknown('acme'));
      await waitFor(
        'good one counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 1,
      );
      expect(handled).toBe(2); // the undecodable message never reached the logic
    });

    test('a failing message is retried with backoff, then dead-lettered after max deliveries', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      let attempts = 0;
      await run(te, { onHandle: (_t, m) => void (m.fail === 'always' && attempts++) });
      await publishJson(te, s.flowsUnknown('acme'), { n: 7, fail: 'always' });
      await publishJson(te, s.flowsUnknown('acme'), { n: 8, fail: 'once' });
      await waitFor(
        'dead letter',
        async () => (await readAll(te, StreamName.Dead, s.deadAll('acme'))).length === 1,
      );
      const [dead] = await readAll(te, StreamName.Dead, s.deadAll('acme'));
      expect(dead?.json).toMatchObject({ actor: 'counter', error: 'failing 7', deliveries: 3 });
      expect(attempts).toBe(3);
      await waitFor(
        'retried one counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.sum === 8,
      );
    });

    test('two systems on one consumer converge through CAS: nothing lost, nothing twice', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const a = await run(te);
      const b = await run(te);
      expect(a).not.toBe(b);
      const total = 300;
      await Promise.all(
        Array.from({ length: total }, (_, i) => publishJson(te, s.flowsUnknown('acme'), { n: i + 1 })),
      );
      await waitFor(
        'all counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === total,
      );
      await Bun.sleep(300);
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({
        count: total,
        sum: (total * (total + 1)) / 2,
      });
      expect(await readAll(te, StreamName.Audit, s.audit('acme'))).toHaveLength(total);
    });

    test('a redelivered message already in the state is acknowledged, not applied again', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      // The state a replica saved just before dying: message 42 applied, its ack never recorded.
      const ack = await publishJson(te, s.flowsUnknown('acme'), { n: 42 });
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
      const saved = { state: { count: 1, sum: 42 }, unconfirmed: [[ack.seq, Date.now()]], outbox: [] };
      await bucket.put(keys.actorState('counter', 'acme'), new TextEncoder().encode(JSON.stringify(saved)));
      await run(te);
      await publishJson(te, s.flowsUnknown('acme'), { n: 1 });
      await waitFor(
        'next one counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 2,
      );
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 2, sum: 43 });
    });

    test('the outbox of a saved state is executed by whoever loads it, once', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
      const outbox = [
        { type: 'publish', subject: s.audit('acme'), message: { n: 99 }, msgId: 'counter:x:1:0' },
      ];
      const saved = { state: { count: 1, sum: 99 }, unconfirmed: [], outbox };
      await bucket.put(keys.actorState('counter', 'acme'), new TextEncoder().encode(JSON.stringify(saved)));
      // The same outbox already went out once before the "crash": dedupe keeps it single.
      await publishJson(te, s.audit('acme'), { n: 99 }, 'counter:x:1:0');
      await run(te);
      await publishJson(te, s.flowsUnknown('acme'), { n: 1 });
      await waitFor('counted', async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 2);
      const audit = (await readAll(te, StreamName.Audit, s.audit('acme'))).map(
        (m) => (m.json as { n: number }).n,
      );
      expect(audit.sort()).toEqual([1, 99]);
    });

    test('a partitioned actor keeps one state per partition, each applied once', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const base = countingActor(te.ns);
      const pairs: ActorDefinition<CountState, CountMessage> = {
        ...base,
        kind: 'pair-counter',
        stream: streamName(StreamName.Flows, te.ns),
        filterSubject: s.flowsObservedAll(),
        partitionOf: (subject) => subject.split('.').slice(4).join('-'),
      };
      const system = await startSystem(te, [pairs]);
      cleanup.push(() => system.drain());
      for (let i = 1; i <= 12; i++) await publishJson(te, s.flowsObserved('acme', 10, i % 3), { n: i });
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
      const stateOf = async (partition: string) => {
        const entry = await bucket.get(keys.actorState('pair-counter', 'acme', partition));
        return entry === null
          ? null
          : (JSON.parse(new TextDecoder().decode(entry.value)).state as CountState);
      };
      await waitFor(
        'three partitions counted',
        async () => (await stateOf('10-0'))?.count === 4 && (await stateOf('10-2'))?.count === 4,
      );
      expect(await stateOf('10-1')).toEqual({ count: 4, sum: 1 + 4 + 7 + 10 });
      expect(system.activations()['pair-counter']).toBe(3);
    });

    test('a batch actor sees messages that arrive within its window together', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const { transition: _perMessage, ...base } = countingActor(te.ns);
      const sizes: number[] = [];
      const batched: ActorDefinition<CountState, CountMessage> = {
        ...base,
        kind: 'batcher',
        maxBatch: 50,
        batchWindowMs: 300,
        async transitionBatch(state, messages) {
          sizes.push(messages.length);
          return {
            state: {
              count: state.count + messages.length,
              sum: state.sum + messages.reduce((a, m) => a + m.n, 0),
            },
            effects: [],
          };
        },
      };
      const system = await startSystem(te, [batched]);
      cleanup.push(() => system.drain());
      await Promise.all(
        Array.from({ length: 120 }, (_, i) => publishJson(te, s.flowsUnknown('acme'), { n: i + 1 })),
      );
      await waitFor(
        'all counted',
        async () => (await readState<CountState>(te, 'batcher', 'acme'))?.count === 120,
      );
      expect(await readState<CountState>(te, 'batcher', 'acme')).toEqual({ count: 120, sum: 7260 });
      expect(Math.max(...sizes)).toBeLessThanOrEqual(50);
      // 120 messages in batches of up to 50: at least 3 batches, and far fewer than one per message.
      expect(sizes.length).toBeGreaterThanOrEqual(3);
      expect(sizes.length).toBeLessThanOrEqual(6);
    });

    test('an urgent message ends the batch window at once', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const { transition: _perMessage, ...base } = countingActor(te.ns);
      const batched: ActorDefinition<CountState, CountMessage> = {
        ...base,
        kind: 'urgent-batcher',
        maxBatch: 50,
        batchWindowMs: 20_000,
        urgent: (m) => new TextDecoder().decode(m.data).includes('"urgent"'),
        async transitionBatch(state, messages) {
          return {
            state: {
              count: state.count + messages.length,
              sum: state.sum + messages.reduce((a, m) => a + m.n, 0),
            },
            effects: [],
          };
        },
      };
      const system = await startSystem(te, [batched]);
      cleanup.push(() => system.drain());
      const started = Date.now();
      await publishJson(te, s.flowsUnknown('acme'), { n: 1 });
      await Bun.sleep(200);
      await publishJson(te, s.flowsUnknown('acme'), { n: 2, kind: 'urgent' });
      await waitFor(
        'both counted',
        async () => (await readState<CountState>(te, 'urgent-batcher', 'acme'))?.count === 2,
        10_000,
      );
      // Far sooner than the 20 s window: the urgent message closed it, taking the waiting one along.
      expect(Date.now() - started).toBeLessThan(10_000);
      expect(await readState<CountState>(te, 'urgent-batcher', 'acme')).toEqual({ count: 2, sum: 3 });
    });

    test('idle actors are passivated and come back with their state', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const system = await run(te, {}, { passivateAfterMs: 400 });
      await publishJson(te, s.flowsUnknown('acme'), { n: 1 });
      await waitFor('activated', () => system.activations().counter === 1);
      await waitFor('passivated', () => system.activations().counter === 0, 5_000);
      await publishJson(te, s.flowsUnknown('acme'), { n: 2 });
      await waitFor(
        'counted again',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 2,
      );
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 2, sum: 3 });
    });

    test('drain finishes delivered work before returning', async () => {
      const te = await setup();
      const s = subjectsFor(te.ns);
      const system = systemFor(te);
      await system.start([countingActor(te.ns, { onHandle: () => Bun.sleep(20) })]);
      await Promise.all(
        Array.from({ length: 20 }, (_, i) => publishJson(te, s.flowsUnknown('acme'), { n: i })),
      );
      await waitFor(
        'started',
        async () => ((await readState<CountState>(te, 'counter', 'acme'))?.count ?? 0) > 0,
      );
      await system.drain();
      const after = await readState<CountState>(te, 'counter', 'acme');
      await Bun.sleep(200);
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual(after);
      expect(after?.count).toBeGreaterThan(0);
    });
  });
}
