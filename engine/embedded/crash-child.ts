/**
 * Child process for the kill -9 and lock tests (crash.test.ts, lock.test.ts): opens the
 * embedded engine in the data directory given as argv[2], does the work of `argv[3]` and
 * reports on stdout, one fact per line, only once the fact is durable. Then it waits to be
 * killed. Not part of the engine.
 *
 *   hold   open the engine, print "ready"
 *   work   publish, settle some messages, write KV, print "ready"
 */
import { openEmbeddedEngine } from './mod.ts';

export const CRASH = {
  stream: 'CRASH',
  durable: 'worker',
  bucket: 'state',
  published: 60,
  /** Messages the child takes from the consumer before it is killed. */
  consumed: 30,
  ackWaitMs: 1_500,
} as const;

const say = (line: string): void => {
  process.stdout.write(`${line}\n`);
};

async function work(dataDir: string): Promise<void> {
  const engine = await openEmbeddedEngine({ dataDir });
  const { log, kv } = engine;
  await log.ensureStream({ name: CRASH.stream, subjects: ['crash.>'] });
  await log.ensureConsumer(CRASH.stream, { durable: CRASH.durable, ackWaitMs: CRASH.ackWaitMs });
  const acks = await Promise.all(
    Array.from({ length: CRASH.published }, (_, i) =>
      log.publish(`crash.m.${i % 4}`, new TextEncoder().encode(`m${i + 1}`), { msgId: `crash-${i + 1}` }),
    ),
  );
  say(`published ${acks.length} ${Math.max(...acks.map((a) => a.seq))}`);

  const bucket = await kv.ensureBucket({ name: CRASH.bucket, history: 3 });
  for (let i = 1; i <= 3; i++) say(`kv a ${await bucket.put('a', new TextEncoder().encode(`a${i}`))}`);
  say(`kv b ${await bucket.put('b', new TextEncoder().encode('b1'))}`);
  await bucket.delete('b');
  say('kv b deleted');

  // seq % 3 == 0: held unacked; == 1: ackAck; == 2: plain ack() (committed on the next turn).
  const stream = await log.consume(CRASH.stream, CRASH.durable, { batch: 8 });
  let taken = 0;
  for await (const m of stream) {
    taken++;
    if (m.seq % 3 === 1) {
      if (await m.ackAck()) say(`acked ${m.seq}`);
    } else if (m.seq % 3 === 2) {
      m.ack();
      await new Promise((resolve) => setImmediate(resolve));
      say(`acked ${m.seq}`);
    } else {
      say(`held ${m.seq}`);
    }
    if (taken === CRASH.consumed) break;
  }
  say('ready');
}

async function hold(dataDir: string): Promise<void> {
  await openEmbeddedEngine({ dataDir });
  say('ready');
}

if (import.meta.main) {
  const [dataDir, mode] = process.argv.slice(2);
  if (!dataDir) throw new Error('usage: bun crash-child.ts <dataDir> <hold|work>');
  try {
    await (mode === 'work' ? work(dataDir) : hold(dataDir));
  } catch (error) {
    say(`error ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  }
  // Stay alive until the parent kills us (the open engine's timer keeps the loop running).
}
