/** The demo campus through the real pipeline: a new user sees proposals, the bad flows as denies. */
import { afterEach, expect, test } from 'bun:test';
import { startDemo } from '../actors/demo/feeder.ts';
import { silentLogger } from '../engine/log.ts';
import { subjectsFor } from '../streams/mod.ts';
import { waitFor } from './support/actors.ts';
import { openTestEmbedded, type TestEngine } from './support/engines.ts';
import { type Pipeline, proposals, startPipeline } from './support/pipeline.ts';

let te: TestEngine;
let pipeline: Pipeline;
afterEach(async () => {
  await pipeline?.stop();
  await te?.dispose();
});

test('the demo campus produces permit proposals for its services and deny proposals for its bad flows', async () => {
  te = await openTestEmbedded();
  pipeline = await startPipeline(te);
  const demo = await startDemo({
    tenant: 'default',
    log: te.engine.log,
    stores: pipeline.stores,
    subjects: subjectsFor(te.ns),
    logger: silentLogger(),
    speed: 60,
  });
  const aceOf = async (sgt: number, dgt: number, port: number) =>
    (await proposals(pipeline.stores, 'default'))
      .find((p) => p.sgt === sgt && p.dgt === dgt)
      ?.aces.find((a) => a.dstPort === port);
  try {
    await waitFor(
      'the bad flows proposed',
      async () => (await aceOf(4, 4, 445)) !== undefined && (await aceOf(11, 0, 3333)) !== undefined,
      20_000,
    );
    await waitFor('web access proposed', async () => (await aceOf(4, 10, 443)) !== undefined, 10_000);
  } finally {
    await demo.stop();
  }
  expect((await aceOf(4, 4, 445))?.action).toBe('deny');
  expect((await aceOf(11, 0, 3333))?.action).toBe('deny');
  expect((await aceOf(4, 10, 443))?.action).toBe('permit');
  const web = (await proposals(pipeline.stores, 'default')).find((p) => p.sgt === 4 && p.dgt === 10);
  expect(web?.evidence[0]?.rationale).toBeTruthy();
});
