/**
 * Replicas sharing one actor kind: a busy process keeps its queued messages
 * (no redelivery to the other replica while they wait), and a KV write derived
 * from an older state never replaces one derived from a newer state.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { Bucket, bucketName } from '../../kv-schema/mod.ts';
import { StreamName, streamName, subjectsFor } from '../../streams/mod.ts';
import { type CountState, countingActor } from '../../test/fixtures/counting-actor.ts';
import { publishJson, readState, startSystem, waitFor } from '../../test/support/actors.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { EffectRunner } from './effects.ts';
import { EffectType } from './types.ts';

const json = (bytes: Uint8Array | undefined) => JSON.parse(new TextDecoder().decode(bytes));

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`replicas on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });
    async function setup(): Promise<TestEngine> {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      return te;
    }

    test('a put guarded by a growing field never goes backwards, whatever order the writes arrive in', async () => {
      const te = await setup();
      const bucket = bucketName(Bucket.Inventory, te.ns);
      const runner = new EffectRunner(te.engine);
      const put = (rev: number) => ({
        type: EffectType.KvPut,
        bucket,
        key: 'acme.k',
        value: { rev, hits: rev * 10 },
        ifNewer: { field: 'rev', value: rev },
      });
      await runner.run([put(1)]);
      await runner.run([put(3)]);
      await runner.run([put(2)]); // a replica re-running an older outbox, late
      const kv = await te.engine.kv.bucket(bucket);
      expect(json((await kv.get('acme.k'))?.value)).toEqual({ rev: 3, hits: 30 });
      // Racing writers: the newest wins, not the last to arrive.
      await Promise.all([4, 7, 5, 6].map((rev) => runner.run([put(rev)])));
      expect(json((await kv.get('acme.k'))?.value)).toEqual({ rev: 7, hits: 70 });
    });
  });
}

describeNats('two replicas of one actor kind on NATS', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const fn of cleanup.splice(0).reverse()) await fn();
  });

  test('messages queued behind a slow batch longer than the ack wait are applied exactly once', async () => {
    const te = await FLAVOURS.find((f) => f.name === 'nats')!.open();
    cleanup.push(() => te.dispose());
    // One tenant, a slow handler and a short ack wait: the mailbox holds messages
    // far longer than the ack wait, which must not hand them to the other replica.
    const slow = { onHandle: () => Bun.sleep(15) };
    const options = { ackWaitMs: 500, maxBatch: 8 };
    for (let i = 0; i < 2; i++) {
      const system = await startSystem(te, [countingActor(te.ns, slow)], options);
      cleanup.push(() => system.drain());
    }
    const subject = subjectsFor(te.ns).flowsUnknown('acme');
    let sum = 0;
    for (let n = 1; n <= 300; n++) {
      sum += n;
      await publishJson(te, subject, { n }, `m-${n}`);
    }
    await waitFor(
      'all counted',
      async () => ((await readState<CountState>(te, 'counter', 'acme'))?.count ?? 0) >= 300,
      60_000,
    );
    await Bun.sleep(1_500); // past the ack wait: a late duplicate would land now
    expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 300, sum });
  }, 90_000);
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`a consumer that stops, on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    test('is reported, restarted with backoff, and consumes again', async () => {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      const system = await startSystem(te, [countingActor(te.ns)], { backoff: { baseMs: 400, maxMs: 800 } });
      cleanup.push(() => system.drain());
      const subject = subjectsFor(te.ns).flowsUnknown('acme');
      await publishJson(te, subject, { n: 1 });
      await waitFor(
        'first counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 1,
      );
      expect(system.consumers()).toEqual([{ kind: 'counter', running: true }]);

      // The consumer vanishes under the running system (an operator, a store fault).
      await te.engine.log.deleteConsumer(streamName(StreamName.Work, te.ns), 'counter');
      await waitFor('the stop to be reported', () => system.consumers().some((c) => !c.running));
      const [stopped] = system.consumers();
      expect(stopped?.attempt).toBeGreaterThanOrEqual(1);
      expect(stopped?.error).toBeString();

      await waitFor('the consumer to run again', () => system.consumers().every((c) => c.running), 10_000);
      for (let n = 2; n <= 5; n++) await publishJson(te, subject, { n });
      await waitFor(
        'later messages counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 5,
      );
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 5, sum: 15 });
    });
  });
}
