/**
 * Conformance: durable consumers. Filters with wildcards, deliver policies,
 * sharing one durable between consumers, and the settlement semantics
 * (ack wait redelivery, max deliver, nak with delay, term, working, ackAck).
 * Timings are short but leave margins for a loaded 2-core machine.
 */
import { expect, test } from 'bun:test';
import { ConsumerNotFoundError, StreamNotFoundError } from '../errors.ts';
import type { ConsumerConfig, DeliveredMessage, MessageStream } from '../types.ts';
import { dec, enc, Reader, rejection, type Scope, sleep } from './harness.ts';

/** A stream + durable with the given config, a running consume() and a reader over it. */
async function setup(
  s: Scope,
  label: string,
  config: Omit<ConsumerConfig, 'durable'>,
  payloads: string[] = [],
): Promise<{ name: string; root: string; stream: MessageStream; reader: Reader<DeliveredMessage> }> {
  const { name, root } = await s.stream(label);
  for (const p of payloads) await s.engine.log.publish(`${root}.m`, enc(p));
  await s.engine.log.ensureConsumer(name, { durable: 'worker', ...config });
  const stream = await s.engine.log.consume(name, 'worker', { batch: 16 });
  return { name, root, stream, reader: new Reader(stream) };
}

export function consumerTests(scope: () => Scope): void {
  test('consumer filter subjects honour * and > wildcards', async () => {
    const s = scope();
    const { name, root } = await s.stream('wild');
    for (const sub of ['a.x', 'b.x', 'a.y.z', 'a.x.deep', 'c.y'])
      await s.engine.log.publish(`${root}.${sub}`, enc(sub));
    await s.engine.log.ensureConsumer(name, { durable: 'star', filterSubject: `${root}.*.x` });
    await s.engine.log.ensureConsumer(name, { durable: 'tail', filterSubject: `${root}.a.>` });
    const cases: Array<[string, string[]]> = [
      ['star', ['a.x', 'b.x']],
      ['tail', ['a.x', 'a.y.z', 'a.x.deep']],
    ];
    for (const [durable, expected] of cases) {
      const stream = await s.engine.log.consume(name, durable);
      try {
        const reader = new Reader(stream);
        const got = await reader.take(expected.length);
        for (const m of got) m.ack();
        expect(got.map((m) => dec(m.data))).toEqual(expected);
        expect(await reader.next(400)).toBeNull();
      } finally {
        await stream.stop();
      }
    }
  });

  test('consume on a missing durable throws ConsumerNotFoundError; missing stream throws StreamNotFoundError', async () => {
    const s = scope();
    const { name } = await s.stream('missingdurable');
    expect(await rejection(s.engine.log.consume(name, 'nobody'))).toBeInstanceOf(ConsumerNotFoundError);
    const missing = s.streamName('nostream');
    expect(await rejection(s.engine.log.ensureConsumer(missing, { durable: 'x' }))).toBeInstanceOf(
      StreamNotFoundError,
    );
    expect(await rejection(s.engine.log.consume(missing, 'x'))).toBeInstanceOf(ConsumerNotFoundError);
    expect(await s.engine.log.deleteConsumer(name, 'nobody')).toBe(false);
    await s.engine.log.ensureConsumer(name, { durable: 'present' });
    expect(await s.engine.log.deleteConsumer(name, 'present')).toBe(true);
    expect(await rejection(s.engine.log.consume(name, 'present'))).toBeInstanceOf(ConsumerNotFoundError);
  });

  test('a delivered message carries subject, data, stream seq, msgId and delivery info', async () => {
    const s = scope();
    const { name, root } = await s.stream('fields');
    const before = Date.now();
    const ack = await s.engine.log.publish(`${root}.f`, enc('payload'), { msgId: 'mid' });
    await s.engine.log.ensureConsumer(name, { durable: 'worker' });
    const stream = await s.engine.log.consume(name, 'worker');
    try {
      const [m] = await new Reader(stream).take(1);
      expect(m?.subject).toBe(`${root}.f`);
      expect(dec(m?.data ?? new Uint8Array())).toBe('payload');
      expect(m?.seq).toBe(ack.seq);
      expect(m?.msgId).toBe('mid');
      expect(m?.info).toMatchObject({ stream: name, seq: ack.seq, deliveryCount: 1 });
      expect(Math.abs((m?.timestampMs ?? 0) - before)).toBeLessThan(5_000);
      expect(m?.info.timestampMs).toBe(m?.timestampMs ?? -1);
      expect(await m?.ackAck()).toBe(true);
    } finally {
      await stream.stop();
    }
  });

  test('two consume() on one durable share messages: each delivered to exactly one', async () => {
    const s = scope();
    const { name, root } = await s.stream('shared');
    await s.engine.log.ensureConsumer(name, { durable: 'pool', ackWaitMs: 10_000 });
    const streams = [
      await s.engine.log.consume(name, 'pool', { batch: 1 }),
      await s.engine.log.consume(name, 'pool', { batch: 1 }),
    ];
    const seen: number[][] = [[], []];
    const total = 30;
    try {
      const workers = streams.map(async (stream, i) => {
        for await (const m of stream) {
          seen[i]?.push(m.seq);
          await sleep(15);
          m.ack();
          if ((seen[0]?.length ?? 0) + (seen[1]?.length ?? 0) >= total) break;
        }
      });
      for (let i = 0; i < total; i++) await s.engine.log.publish(`${root}.job`, enc(`${i}`));
      const done = await Promise.race([
        Promise.all(workers).then(() => true),
        (async () => {
          while ((seen[0]?.length ?? 0) + (seen[1]?.length ?? 0) < total) await sleep(50);
          return true;
        })(),
        sleep(10_000).then(() => false),
      ]);
      expect(done).toBe(true);
      await sleep(300); // nothing more may arrive: every message was acked
    } finally {
      await Promise.all(streams.map((st) => st.stop()));
    }
    const all = [...(seen[0] ?? []), ...(seen[1] ?? [])].sort((a, b) => a - b);
    expect(all).toEqual(Array.from({ length: total }, (_, i) => i + 1));
    expect(seen[0]?.length).toBeGreaterThan(0);
    expect(seen[1]?.length).toBeGreaterThan(0);
  });

  test('an unacked message is redelivered after ack wait with deliveryCount incremented', async () => {
    const { stream, reader } = await setup(scope(), 'ackwait', { ackWaitMs: 500 }, ['x']);
    try {
      const first = await reader.next(3_000);
      expect(first?.info.deliveryCount).toBe(1);
      const started = Date.now();
      const again = await reader.next(4_000);
      expect(Date.now() - started).toBeGreaterThanOrEqual(350);
      expect(again?.seq).toBe(first?.seq ?? -1);
      expect(again?.info.deliveryCount).toBe(2);
      again?.ack();
      expect(await reader.next(1_000)).toBeNull();
    } finally {
      await stream.stop();
    }
  });

  test('maxDeliver stops redelivery after N deliveries', async () => {
    const { stream, reader } = await setup(scope(), 'maxdeliver', { ackWaitMs: 400, maxDeliver: 2 }, ['x']);
    try {
      const got = await reader.take(2, 4_000);
      expect(got.map((m) => m.info.deliveryCount)).toEqual([1, 2]);
      expect(await reader.next(1_500)).toBeNull();
    } finally {
      await stream.stop();
    }
  });

  test('nak with delay redelivers after the delay, not before; nak without delay redelivers at once', async () => {
    const { stream, reader } = await setup(scope(), 'nak', { ackWaitMs: 8_000 }, ['x']);
    try {
      const first = await reader.next(3_000);
      const nakAt = Date.now();
      first?.nak(1_000);
      expect(await reader.next(600)).toBeNull();
      const delayed = await reader.next(4_000);
      expect(Date.now() - nakAt).toBeGreaterThanOrEqual(850);
      expect(delayed?.seq).toBe(first?.seq ?? -1);
      expect(delayed?.info.deliveryCount).toBe(2);
      const immediateAt = Date.now();
      delayed?.nak();
      const again = await reader.next(3_000);
      expect(Date.now() - immediateAt).toBeLessThan(2_000);
      expect(again?.info.deliveryCount).toBe(3);
      again?.ack();
    } finally {
      await stream.stop();
    }
  });

  test('term: the message is never delivered again, later messages still are', async () => {
    const { root, stream, reader } = await setup(scope(), 'term', { ackWaitMs: 400 }, ['x']);
    const s = scope();
    try {
      const first = await reader.next(3_000);
      first?.term('bad input');
      expect(await reader.next(1_500)).toBeNull();
      await s.engine.log.publish(`${root}.m`, enc('y'));
      const next = await reader.next(3_000);
      expect(dec(next?.data ?? new Uint8Array())).toBe('y');
      next?.ack();
    } finally {
      await stream.stop();
    }
  });

  test('working() extends the ack wait so the message is not redelivered', async () => {
    const { stream, reader } = await setup(scope(), 'working', { ackWaitMs: 800 }, ['x']);
    try {
      const first = await reader.next(3_000);
      for (let i = 0; i < 4; i++) {
        await sleep(400);
        first?.working();
      }
      // 1.6 s after delivery, twice the ack wait: without working() it would be back by now.
      expect(await reader.next(300)).toBeNull();
      first?.ack();
      expect(await reader.next(1_200)).toBeNull();
    } finally {
      await stream.stop();
    }
  });

  test('ackAck resolves true and the message is settled for good', async () => {
    const { stream, reader } = await setup(scope(), 'ackack', { ackWaitMs: 400 }, ['x']);
    try {
      const first = await reader.next(3_000);
      expect(await first?.ackAck()).toBe(true);
      expect(await reader.next(1_200)).toBeNull();
    } finally {
      await stream.stop();
    }
  });

  test('ensureConsumer updates ack wait of an existing durable', async () => {
    const s = scope();
    const { name } = await s.stream('cupdate');
    await s.engine.log.ensureConsumer(name, { durable: 'worker', ackWaitMs: 30_000 });
    await s.engine.log.ensureConsumer(name, { durable: 'worker', ackWaitMs: 30_000 }); // idempotent
    const { stream, reader } = await setup(s, 'cupdate', { ackWaitMs: 500, maxDeliver: 3 }, ['x']);
    try {
      await reader.next(3_000);
      const again = await reader.next(4_000);
      expect(again?.info.deliveryCount).toBe(2);
      again?.ack();
    } finally {
      await stream.stop();
    }
  });
}
