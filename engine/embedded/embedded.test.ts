/**
 * Embedded-specific stream and KV behaviour the shared conformance suite does not cover:
 * persistence across restarts, group commit, refusal of overlapping streams, per-subject
 * limits, and an injected clock (max age, dedupe window, KV expiry).
 */
import { expect, test } from 'bun:test';
import { NoStreamForSubjectError } from '../errors.ts';
import { ExpectedStreamMismatchError, openEmbeddedEngine, StreamSubjectsOverlapError } from './mod.ts';
import { dec, enc, take, useTempEngines } from './test-support.ts';

const { tempDir, open } = useTempEngines();

test('streams, consumer positions and KV survive a restart', async () => {
  const dir = tempDir();
  const a = await openEmbeddedEngine({ dataDir: dir });
  await a.log.ensureStream({ name: 'S', subjects: ['s.>'], maxMsgsPerSubject: 5, description: 'd' });
  await a.log.ensureConsumer('S', { durable: 'd', filterSubject: 's.keep.*' });
  for (let i = 1; i <= 4; i++) await a.log.publish(i % 2 ? 's.keep.x' : 's.skip', enc(`${i}`));
  const s = await a.log.consume('S', 'd');
  const [m1] = await take(s, 1);
  expect(await m1?.ackAck()).toBe(true);
  await s.stop();
  const b = await a.kv.ensureBucket({ name: 'b', history: 2 });
  await b.put('k', enc('v1'));
  await b.put('k', enc('v2'));
  await a.close();

  const e = await open(dir);
  const info = await e.log.streamInfo('S');
  expect(info).toMatchObject({ messages: 4, firstSeq: 1, lastSeq: 4 });
  expect(info?.config).toMatchObject({ maxMsgsPerSubject: 5, description: 'd' });
  expect((await e.log.publish('s.keep.y', enc('5'))).seq).toBe(5);
  const got = await take(await e.log.consume('S', 'd'), 2);
  expect(got.map((m) => [m.seq, dec(m.data), m.info.deliveryCount])).toEqual([
    [3, '3', 1],
    [5, '5', 1],
  ]);
  const kv = await e.kv.bucket('b');
  expect((await kv.history('k')).map((x) => dec(x.value))).toEqual(['v1', 'v2']);
  expect(await e.kv.bucketConfig('b')).toEqual({ name: 'b', history: 2, maxAgeMs: 0 });
});

test('overlapping stream subjects are refused; expectStream mismatches are named', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'A', subjects: ['ev.a.>', 'x.*.y'] });
  await expect(e.log.ensureStream({ name: 'B', subjects: ['ev.>'] })).rejects.toBeInstanceOf(
    StreamSubjectsOverlapError,
  );
  await expect(e.log.ensureStream({ name: 'B', subjects: ['x.q.*'] })).rejects.toBeInstanceOf(
    StreamSubjectsOverlapError,
  );
  await e.log.ensureStream({ name: 'B', subjects: ['ev.b.>', 'x.q'] });
  // Updating a stream's own subjects is not an overlap.
  await e.log.ensureStream({ name: 'A', subjects: ['ev.a.>', 'x.*.y', 'ev.c'] });
  expect((await e.log.publish('ev.c', enc('c'))).stream).toBe('A');
  await expect(e.log.publish('ev.b.1', enc('x'), { expectStream: 'A' })).rejects.toBeInstanceOf(
    ExpectedStreamMismatchError,
  );
  await expect(e.log.publish('nothing.here', enc('x'))).rejects.toBeInstanceOf(NoStreamForSubjectError);
  expect(await e.log.deleteStream('A')).toBe(true);
  await expect(e.log.publish('ev.a.1', enc('x'))).rejects.toBeInstanceOf(NoStreamForSubjectError);
});

test('publishes issued together are committed as a group, in call order', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'G', subjects: ['g.>'] });
  const acks = await Promise.all(
    Array.from({ length: 2_000 }, (_, i) =>
      e.log.publish(`g.${i % 7}`, enc(`${i}`), { msgId: `id-${i % 1_500}` }),
    ),
  );
  expect(acks.slice(0, 1_500).map((a) => a.seq)).toEqual(Array.from({ length: 1_500 }, (_, i) => i + 1));
  // The last 500 repeat ids of the same batch: duplicates of the originals.
  expect(acks.slice(1_500).every((a, i) => a.duplicate && a.seq === i + 1)).toBe(true);
  expect((await e.log.streamInfo('G'))?.messages).toBe(1_500);
});

test('max messages per subject keeps the newest per subject', async () => {
  const e = await open();
  await e.log.ensureStream({ name: 'P', subjects: ['p.>'], maxMsgsPerSubject: 2 });
  for (let i = 1; i <= 5; i++) await e.log.publish(i % 2 ? 'p.odd' : 'p.even', enc(`${i}`));
  const kept: number[] = [];
  for await (const m of e.log.replay('P')) kept.push(m.seq);
  expect(kept).toEqual([2, 3, 4, 5]);
});

test('an injected clock drives max age, the dedupe window and KV expiry', async () => {
  let now = 1_000_000;
  const e = await open(tempDir(), () => now);
  await e.log.ensureStream({ name: 'T', subjects: ['t.>'], maxAgeMs: 10_000, duplicateWindowMs: 5_000 });
  await e.log.ensureConsumer('T', { durable: 'd' });
  expect((await e.log.publish('t.a', enc('old'), { msgId: 'x' })).seq).toBe(1);
  now += 6_000;
  // Outside the 5 s window: the same id is stored again.
  expect(await e.log.publish('t.a', enc('new'), { msgId: 'x' })).toMatchObject({ seq: 2, duplicate: false });
  now += 5_000;
  // seq 1 is 11 s old: gone for info, replay and consumers alike.
  expect(await e.log.streamInfo('T')).toMatchObject({ messages: 1, firstSeq: 2, lastSeq: 2 });
  const replayed: string[] = [];
  for await (const m of e.log.replay('T')) replayed.push(dec(m.data));
  expect(replayed).toEqual(['new']);
  const [m] = await take(await e.log.consume('T', 'd'), 1);
  expect(m?.seq).toBe(2);
  expect(m?.timestampMs).toBe(1_006_000);

  const kv = await e.kv.ensureBucket({ name: 'ttl', maxAgeMs: 1_000 });
  await kv.put('k', enc('v'));
  now += 999;
  expect(await kv.get('k')).not.toBeNull();
  now += 2;
  expect(await kv.get('k')).toBeNull();
  expect(await kv.keys()).toEqual([]);
  // Expired is absent: create succeeds.
  expect(await kv.create('k', enc('again'))).toBeGreaterThan(0);
});

test('KV revisions are one sequence per bucket, across keys', async () => {
  const e = await open();
  const b = await e.kv.ensureBucket({ name: 'rev' });
  expect(await b.put('a', enc('1'))).toBe(1);
  expect(await b.put('b', enc('1'))).toBe(2);
  await b.delete('a');
  expect(await b.update('b', enc('2'), 2)).toBe(4);
  expect(await b.update('a', enc('back'), 0)).toBe(5);
});
