/**
 * kill -9 survival: a child process publishes, settles part of a durable consumer's
 * messages, writes KV, and is killed without any chance to flush. The reopened engine must
 * never redeliver what was acknowledged, must redeliver what was not, and keep KV intact.
 */
import { afterEach, expect, test } from 'bun:test';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { DeliveredMessage, Engine } from '../types.ts';
import { killHard, startChild } from './child.ts';
import { CRASH } from './crash-child.ts';
import { openEmbeddedEngine } from './mod.ts';

const dirs: string[] = [];
const engines: Engine[] = [];
afterEach(async () => {
  for (const e of engines.splice(0)) await e.close();
  for (const d of dirs.splice(0)) fs.rmSync(d, { recursive: true, force: true });
});

const dec = (b: Uint8Array): string => new TextDecoder().decode(b);

test('after kill -9, acked messages never come back, unacked ones do, KV is intact', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-crash-'));
  dirs.push(dir);
  const child = await startChild(dir, 'work');
  await killHard(child);
  const killedAt = Date.now();

  const seqs = (prefix: string) =>
    child.lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.slice(prefix.length)));
  const acked = new Set(seqs('acked '));
  const held = new Set(seqs('held '));
  expect(child.lines).toContain(`published ${CRASH.published} ${CRASH.published}`);
  expect(acked.size + held.size).toBe(CRASH.consumed);
  expect(held.size).toBeGreaterThan(0);

  const engine = await openEmbeddedEngine({ dataDir: dir });
  engines.push(engine);
  const info = await engine.log.streamInfo(CRASH.stream);
  expect(info?.lastSeq).toBe(CRASH.published);
  expect(info?.messages).toBe(CRASH.published);
  // The dedupe window survived too: re-publishing an id from before the crash is a duplicate.
  const dup = await engine.log.publish('crash.m.0', new TextEncoder().encode('again'), { msgId: 'crash-1' });
  expect(dup).toEqual({ stream: CRASH.stream, seq: 1, duplicate: true });

  const bucket = await engine.kv.bucket(CRASH.bucket);
  const a = await bucket.get('a');
  expect(dec(a?.value ?? new Uint8Array())).toBe('a3');
  expect(a?.revision).toBe(
    Number(
      child.lines
        .filter((l) => l.startsWith('kv a '))
        .at(-1)
        ?.slice(5),
    ),
  );
  expect(await bucket.get('b')).toBeNull();
  expect((await bucket.history('b')).map((e) => e.operation)).toEqual(['PUT', 'DEL']);
  expect((await bucket.history('a')).map((e) => dec(e.value))).toEqual(['a1', 'a2', 'a3']);

  const stream = await engine.log.consume(CRASH.stream, CRASH.durable, { batch: 16 });
  const got = new Map<number, DeliveredMessage>();
  const arrivedAt = new Map<number, number>();
  const expected = CRASH.published - acked.size;
  const collecting = (async () => {
    for await (const m of stream) {
      got.set(m.seq, m);
      arrivedAt.set(m.seq, Date.now());
      await m.ackAck();
      if (got.size >= expected) break;
    }
  })();
  await Promise.race([collecting, Bun.sleep(CRASH.ackWaitMs + 8_000)]);
  // A little longer: anything acked before the crash that shows up now would be a bug.
  await Bun.sleep(300);
  await stream.stop();

  for (const seq of acked) expect(got.has(seq)).toBe(false);
  expect(got.size).toBe(expected);
  for (const seq of held) {
    const m = got.get(seq);
    expect(m?.info.deliveryCount).toBe(2);
    // Their ack wait runs in wall-clock time from the child's delivery, not from the restart.
    expect((arrivedAt.get(seq) ?? 0) - killedAt).toBeLessThan(CRASH.ackWaitMs + 1_000);
  }
  for (let seq = 1; seq <= CRASH.published; seq++) {
    if (acked.has(seq) || held.has(seq)) continue;
    // Never seen by the child's application (or only fetched into its buffer): a first delivery.
    expect(got.get(seq)?.info.deliveryCount).toBe(1);
  }
});

test('a held message whose deadline has not passed waits for it after a restart', async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'scopilot-crash-'));
  dirs.push(dir);
  const first = await openEmbeddedEngine({ dataDir: dir });
  await first.log.ensureStream({ name: 'W', subjects: ['w.>'] });
  await first.log.ensureConsumer('W', { durable: 'd', ackWaitMs: 1_200 });
  await first.log.publish('w.x', new TextEncoder().encode('x'));
  const s1 = await first.log.consume('W', 'd');
  const it = s1[Symbol.asyncIterator]();
  const m = (await it.next()).value as DeliveredMessage;
  const deliveredAt = Date.now();
  expect(m.info.deliveryCount).toBe(1);
  // Close without stop(): the delivery stays pending in the database, as after a crash.
  await first.close();

  const second = await openEmbeddedEngine({ dataDir: dir });
  engines.push(second);
  const s2 = await second.log.consume('W', 'd');
  const again = (await s2[Symbol.asyncIterator]().next()).value as DeliveredMessage;
  expect(Date.now() - deliveredAt).toBeGreaterThanOrEqual(1_100);
  expect(again.seq).toBe(m.seq);
  expect(again.info.deliveryCount).toBe(2);
  await s2.stop();
});
