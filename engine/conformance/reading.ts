/**
 * Conformance: where reading starts and ends. Deliver policies of durable
 * consumers, replay (by sequence, by time, filtered, limited, bounded by the
 * last message at start) and live subscriptions (only new messages, with seq).
 */
import { expect, test } from 'bun:test';
import { NoStreamForSubjectError } from '../errors.ts';
import type { ConsumerConfig } from '../types.ts';
import { collect, dec, enc, Reader, rejection, type Scope, sleep } from './harness.ts';

/** Payloads a fresh durable with `config` delivers within the timeout, acking each. */
async function deliveredBy(
  s: Scope,
  stream: string,
  config: ConsumerConfig,
  count: number,
): Promise<string[]> {
  await s.engine.log.ensureConsumer(stream, config);
  const ms = await s.engine.log.consume(stream, config.durable);
  try {
    const reader = new Reader(ms);
    const got = count > 0 ? await reader.take(count, 3_000) : [];
    for (const m of got) m.ack();
    const extra = await reader.next(400);
    expect(extra === null ? null : dec(extra.data)).toBeNull();
    return got.map((m) => dec(m.data));
  } finally {
    await ms.stop();
  }
}

export function readingTests(scope: () => Scope): void {
  test('deliver policies: all, last, new, by_start_sequence, by_start_time', async () => {
    const s = scope();
    const { name, root } = await s.stream('policies');
    for (const p of ['m1', 'm2']) await s.engine.log.publish(`${root}.x`, enc(p));
    await sleep(50);
    const midpoint = new Date();
    await sleep(50);
    const third = await s.engine.log.publish(`${root}.x`, enc('m3'));
    expect(await deliveredBy(s, name, { durable: 'all', deliverPolicy: 'all' }, 3)).toEqual([
      'm1',
      'm2',
      'm3',
    ]);
    expect(await deliveredBy(s, name, { durable: 'last', deliverPolicy: 'last' }, 1)).toEqual(['m3']);
    expect(
      await deliveredBy(s, name, { durable: 'seq', deliverPolicy: 'by_start_sequence', optStartSeq: 2 }, 2),
    ).toEqual(['m2', 'm3']);
    expect(
      await deliveredBy(
        s,
        name,
        { durable: 'time', deliverPolicy: 'by_start_time', optStartTime: midpoint },
        1,
      ),
    ).toEqual(['m3']);
    expect(await deliveredBy(s, name, { durable: 'new', deliverPolicy: 'new' }, 0)).toEqual([]);
    await s.engine.log.publish(`${root}.x`, enc('m4'));
    // The durable "new" was created before m4: it now gets m4 and only m4.
    const ms = await s.engine.log.consume(name, 'new');
    try {
      const [m] = await new Reader(ms).take(1, 3_000);
      expect(dec(m?.data ?? new Uint8Array())).toBe('m4');
      expect(m?.seq).toBe(third.seq + 1);
      m?.ack();
    } finally {
      await ms.stop();
    }
  });

  test('replay reads everything in order, by sequence, by time, filtered and limited', async () => {
    const s = scope();
    const { name, root } = await s.stream('replay');
    for (let i = 1; i <= 6; i++)
      await s.engine.log.publish(`${root}.${i % 2 ? 'odd' : 'even'}.n`, enc(`${i}`));
    await sleep(50);
    const midpoint = new Date();
    await sleep(50);
    for (let i = 7; i <= 8; i++)
      await s.engine.log.publish(`${root}.${i % 2 ? 'odd' : 'even'}.n`, enc(`${i}`));
    const data = async (opts: Parameters<typeof s.engine.log.replay>[1]): Promise<string[]> =>
      (await collect(s.engine.log.replay(name, opts))).map((m) => dec(m.data));
    const all = await collect(s.engine.log.replay(name));
    expect(all.map((m) => m.seq)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(all[0]?.subject).toBe(`${root}.odd.n`);
    expect(await data({ fromSeq: 6 })).toEqual(['6', '7', '8']);
    expect(await data({ fromTime: midpoint })).toEqual(['7', '8']);
    expect(await data({ filterSubject: `${root}.even.*` })).toEqual(['2', '4', '6', '8']);
    expect(await data({ filterSubject: `${root}.*.n`, fromSeq: 7 })).toEqual(['7', '8']);
    expect(await data({ filterSubject: `${root}.odd.>`, limit: 2 })).toEqual(['1', '3']);
    expect(await data({ limit: 3, fromSeq: 2 })).toEqual(['2', '3', '4']);
    expect(await data({ fromSeq: 99 })).toEqual([]);
    expect(await data({ filterSubject: `${root}.none.>` })).toEqual([]);
  });

  test('replay ends at the last message that existed when it started', async () => {
    const s = scope();
    const { name, root } = await s.stream('replayend');
    for (let i = 1; i <= 3; i++) await s.engine.log.publish(`${root}.x`, enc(`${i}`));
    const seen: number[] = [];
    for await (const m of s.engine.log.replay(name)) {
      seen.push(m.seq);
      if (m.seq === 1) await s.engine.log.publish(`${root}.x`, enc('late'));
    }
    expect(seen).toEqual([1, 2, 3]);
    expect(await collect(s.engine.log.replay(s.streamName('replayend')))).toHaveLength(4);
  });

  test('replay of an empty stream ends at once', async () => {
    const s = scope();
    const { name } = await s.stream('replayempty');
    expect(await collect(s.engine.log.replay(name))).toEqual([]);
  });

  test('live subscription sees new messages with their seq, never old ones', async () => {
    const s = scope();
    const { root } = await s.stream('live');
    await s.engine.log.publish(`${root}.a.x`, enc('old'));
    const sub = await s.engine.log.subscribe(`${root}.>`);
    const reader = new Reader(sub);
    try {
      const a = await s.engine.log.publish(`${root}.a.x`, enc('new1'));
      const b = await s.engine.log.publish(`${root}.b`, enc('new2'));
      const got = await reader.take(2, 3_000);
      expect(got.map((m) => [dec(m.data), m.seq, m.subject])).toEqual([
        ['new1', a.seq, `${root}.a.x`],
        ['new2', b.seq, `${root}.b`],
      ]);
      expect(await reader.next(300)).toBeNull();
    } finally {
      sub.unsubscribe();
    }
    expect(await reader.next(1_000)).toBeNull();
    expect(reader.done).toBe(true);
  });

  test('live subscription honours * and > wildcards', async () => {
    const s = scope();
    const { root } = await s.stream('livewild');
    const star = await s.engine.log.subscribe(`${root}.*.x`);
    const tail = await s.engine.log.subscribe(`${root}.a.>`);
    try {
      for (const sub of ['a.x', 'b.x', 'a.y.z', 'a.x.deep', 'c.y'])
        await s.engine.log.publish(`${root}.${sub}`, enc(sub));
      const starReader = new Reader(star);
      const tailReader = new Reader(tail);
      expect((await starReader.take(2, 3_000)).map((m) => dec(m.data))).toEqual(['a.x', 'b.x']);
      expect((await tailReader.take(3, 3_000)).map((m) => dec(m.data))).toEqual(['a.x', 'a.y.z', 'a.x.deep']);
      expect(await starReader.next(300)).toBeNull();
      expect(await tailReader.next(100)).toBeNull();
    } finally {
      star.unsubscribe();
      tail.unsubscribe();
    }
  });

  test('live subscription spans every stream whose subjects match', async () => {
    const s = scope();
    const root = s.subject('span');
    await s.stream('spana', { subjects: [`${root}.a.>`] });
    await s.stream('spanb', { subjects: [`${root}.b.>`] });
    const sub = await s.engine.log.subscribe(`${root}.>`);
    try {
      const a = await s.engine.log.publish(`${root}.a.1`, enc('a'));
      const b = await s.engine.log.publish(`${root}.b.1`, enc('b'));
      expect(a.stream).not.toBe(b.stream);
      const got = await new Reader(sub).take(2, 3_000);
      const bySubject = got.map((m) => [m.subject, m.seq]).sort();
      expect(bySubject).toEqual([
        [`${root}.a.1`, a.seq],
        [`${root}.b.1`, b.seq],
      ]);
    } finally {
      sub.unsubscribe();
    }
  });

  test('subscribe to a subject no stream captures throws NoStreamForSubjectError', async () => {
    const s = scope();
    expect(await rejection(s.engine.log.subscribe(s.subject('nobody.>')))).toBeInstanceOf(
      NoStreamForSubjectError,
    );
  });
}
