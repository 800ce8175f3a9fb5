/**
 * Embedded-specific consumer and engine behaviour: buffered messages on stop(), ack-pending
 * limits, retention policies, deletion ending iterators, idle CPU, drain/close, and rpc
 * fan-out across queue groups.
 */
import { expect, test } from 'bun:test';
import { EngineClosedError } from '../errors.ts';
import { openEmbeddedEngine } from './mod.ts';
import { dec, enc, take, useTempEngines } from './test-support.ts';

const { tempDir, open } = useTempEngines();
const IDLE_PROBE = new URL('../../test/fixtures/idle-consumer.ts', import.meta.url).pathname;

test('stop() gives back fetched-but-unseen messages at once, with their delivery count', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'B', subjects: ['b.>'] });
  await e.log.ensureConsumer('B', { durable: 'd', ackWaitMs: 60_000 });
  for (let i = 1; i <= 5; i++) await e.log.publish('b.x', enc(`${i}`));
  const first = await e.log.consume('B', 'd', { batch: 5 });
  const [seen] = await take(first, 1); // the other 4 sit in first's buffer
  await first.stop();
  expect(await first[Symbol.asyncIterator]().next()).toEqual({ done: true, value: undefined });
  await first.stop(); // idempotent
  const second = await e.log.consume('B', 'd', { batch: 5 });
  const rest = await take(second, 4);
  expect(rest.map((m) => [m.seq, m.info.deliveryCount])).toEqual([
    [2, 1],
    [3, 1],
    [4, 1],
    [5, 1],
  ]);
  expect(seen?.seq).toBe(1);
});

test('maxAckPending bounds the unacknowledged deliveries of the whole consumer', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'M', subjects: ['m.>'] });
  await e.log.ensureConsumer('M', { durable: 'd', maxAckPending: 3 });
  for (let i = 1; i <= 6; i++) await e.log.publish('m.x', enc(`${i}`));
  const s = await e.log.consume('M', 'd', { batch: 10 });
  const it = s[Symbol.asyncIterator]();
  const held = await take(s, 3);
  const fourth = it.next();
  expect(await Promise.race([fourth, Bun.sleep(300).then(() => 'nothing')])).toBe('nothing');
  held[0]?.ack();
  const r = await fourth;
  expect(r.done ? null : r.value.seq).toBe(4);
});

test('work-queue retention removes acked messages; interest drops messages nobody wants', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'W', subjects: ['w.>'], retention: 'workqueue' });
  await e.log.ensureConsumer('W', { durable: 'd' });
  for (let i = 1; i <= 3; i++) await e.log.publish('w.x', enc(`${i}`));
  const [m1, m2] = await take(await e.log.consume('W', 'd'), 2);
  await m1?.ackAck();
  m2?.term();
  await m2?.ackAck(); // already termed: false, but waits for the commit
  expect(await e.log.streamInfo('W')).toMatchObject({ messages: 1, firstSeq: 3, lastSeq: 3 });

  await e.log.ensureStream({ name: 'I', subjects: ['i.>'], retention: 'interest' });
  await e.log.publish('i.nobody', enc('dropped'));
  await e.log.ensureConsumer('I', { durable: 'a', filterSubject: 'i.a' });
  await e.log.ensureConsumer('I', { durable: 'all' });
  await e.log.publish('i.a', enc('kept'));
  expect(await e.log.streamInfo('I')).toMatchObject({ messages: 1, lastSeq: 2 });
  const [fromA] = await take(await e.log.consume('I', 'a'), 1);
  await fromA?.ackAck();
  expect((await e.log.streamInfo('I'))?.messages).toBe(1); // "all" has not acked yet
  const [fromAll] = await take(await e.log.consume('I', 'all'), 1);
  await fromAll?.ackAck();
  expect((await e.log.streamInfo('I'))?.messages).toBe(0);
});

test('deleting a consumer or its stream ends the running iterators', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'D', subjects: ['d.>'] });
  await e.log.ensureConsumer('D', { durable: 'a' });
  await e.log.ensureConsumer('D', { durable: 'b' });
  const a = (await e.log.consume('D', 'a'))[Symbol.asyncIterator]();
  const b = (await e.log.consume('D', 'b'))[Symbol.asyncIterator]();
  const pa = a.next();
  const pb = b.next();
  expect(await e.log.deleteConsumer('D', 'a')).toBe(true);
  expect(await pa).toEqual({ done: true, value: undefined });
  expect(await e.log.deleteStream('D')).toBe(true);
  expect(await pb).toEqual({ done: true, value: undefined });
});

test('an idle consumer waiting for messages burns no CPU, and wakes on publish', async () => {
  // Measured in a process of its own: the test runner's CPU includes every other test's leftovers.
  const probe = Bun.spawn([process.execPath, IDLE_PROBE, tempDir()], { stdout: 'pipe', stderr: 'inherit' });
  const out = await new Response(probe.stdout).text();
  expect(await probe.exited).toBe(0);
  const { cpuMs, woke } = JSON.parse(out) as { cpuMs: number; woke: boolean };
  expect(cpuMs).toBeLessThan(100); // milliseconds of CPU in 600 ms
  expect(woke).toBe(true);
});

test('drain commits queued publishes; a closed engine refuses work', async () => {
  const dir = tempDir();
  const a = await openEmbeddedEngine({ dataDir: dir });
  await a.log.ensureStream({ name: 'C', subjects: ['c.>'] });
  const pending = a.log.publish('c.x', enc('last words'));
  await a.drain();
  expect((await pending).seq).toBe(1);
  expect(a.isConnected()).toBe(false);
  await expect(a.log.publish('c.x', enc('late'))).rejects.toBeInstanceOf(EngineClosedError);
  await expect(a.kv.bucket('x')).rejects.toBeInstanceOf(EngineClosedError);
  expect(() => a.rpc.serve('r', 'g', () => new Uint8Array())).toThrow(EngineClosedError);
  await a.close(); // idempotent

  const b = await open(dir);
  const stored: string[] = [];
  for await (const m of b.log.replay('C')) stored.push(dec(m.data));
  expect(stored).toEqual(['last words']);
});

test('rpc: every queue group gets the request, the first answer wins', async () => {
  const e = await open();
  const slow = e.rpc.serve('svc.*', 'slow', async () => {
    await Bun.sleep(200);
    return enc('slow');
  });
  const fast = e.rpc.serve('svc.>', 'fast', () => enc('fast'));
  let slowCalls = 0;
  const counter = e.rpc.serve('svc.x', 'count', async () => {
    slowCalls++;
    await Bun.sleep(100);
    return enc('count');
  });
  expect(dec(await e.rpc.request('svc.x', enc('?')))).toBe('fast');
  expect(slowCalls).toBe(1);
  await Promise.all([slow.stop(), fast.stop(), counter.stop()]);
  const thrower = e.rpc.serve('bad', 'g', () => {
    throw 'not an Error';
  });
  await expect(e.rpc.request('bad', enc(''))).rejects.toThrow('not an Error');
  await thrower.stop();
});

test('drain gives back fetched-but-unseen messages; the seen, unacked one waits for its ack wait', async () => {
  const dir = tempDir();
  const a = await openEmbeddedEngine({ dataDir: dir });
  await a.log.ensureStream({ name: 'R', subjects: ['r.>'] });
  await a.log.ensureConsumer('R', { durable: 'd', ackWaitMs: 60_000 });
  for (let i = 1; i <= 4; i++) await a.log.publish('r.x', enc(`${i}`));
  const [seen] = await take(await a.log.consume('R', 'd', { batch: 4 }), 1);
  expect(seen?.seq).toBe(1);
  await a.drain();

  const b = await open(dir);
  const rest = await take(await b.log.consume('R', 'd', { batch: 4 }), 3);
  expect(rest.map((m) => [m.seq, m.info.deliveryCount])).toEqual([
    [2, 1],
    [3, 1],
    [4, 1],
  ]);
});
