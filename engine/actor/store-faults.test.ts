/**
 * A store that refuses writes for a while (a full disk, a lost connection):
 * the actors wait it out with their messages kept alive, instead of spending
 * the messages' delivery attempts and dead-lettering good work.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { StoreFault } from '../../test/fakes/failing-store.ts';
import { type CountState, countingActor } from '../../test/fixtures/counting-actor.ts';
import { publishJson, readAll, readState, startSystem, waitFor } from '../../test/support/actors.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`a failing store on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    test('messages wait for the store instead of being dead-lettered, then apply once', async () => {
      const real = await flavour.open();
      cleanup.push(() => real.dispose());
      const fault = new StoreFault();
      const te = { ...real, engine: fault.engine(real.engine) };
      // Three deliveries and a fast backoff: without waiting, 2 s of failures dead-letter everything.
      const system = await startSystem(te, [countingActor(te.ns)], {
        maxDeliver: 3,
        backoff: { baseMs: 20, maxMs: 50 },
      });
      cleanup.push(() => system.drain());
      const subject = subjectsFor(te.ns).flowsUnknown('acme');
      fault.failing = true;
      for (let n = 1; n <= 20; n++) await publishJson(te, subject, { n }, `m-${n}`);
      await waitFor('writes being refused', () => fault.refused > 3);
      await Bun.sleep(2_000);
      fault.failing = false;
      await waitFor(
        'all counted',
        async () => (await readState<CountState>(te, 'counter', 'acme'))?.count === 20,
      );
      await Bun.sleep(500);
      expect(await readState<CountState>(te, 'counter', 'acme')).toEqual({ count: 20, sum: 210 });
      expect(await readAll(te, StreamName.Dead, subjectsFor(te.ns).dead('acme', 'counter'))).toEqual([]);
    }, 30_000);
  });
}
