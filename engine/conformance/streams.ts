/**
 * Conformance: streams and publishing (create/update/info/delete, max age,
 * per-subject limits, msgId dedupe, expectStream, uncaptured subjects).
 */
import { expect, test } from 'bun:test';
import { NoStreamForSubjectError } from '../errors.ts';
import { publishBatch } from '../publish-batch.ts';
import { collect, enc, eventually, rejection, type Scope } from './harness.ts';

export function streamTests(scope: () => Scope): void {
  test('ensureStream creates, is idempotent, and reports its config', async () => {
    const s = scope();
    const { name, root, info } = await s.stream('create', {
      description: 'conformance',
      maxMsgsPerSubject: 10,
    });
    expect(info.name).toBe(name);
    expect(info.messages).toBe(0);
    expect(info.lastSeq).toBe(0);
    const again = await s.engine.log.ensureStream({
      name,
      subjects: [`${root}.>`],
      description: 'conformance',
      maxMsgsPerSubject: 10,
    });
    expect(again.config).toEqual(info.config);
    const read = await s.engine.log.streamInfo(name);
    expect(read?.config).toMatchObject({
      name,
      subjects: [`${root}.>`],
      retention: 'limits',
      maxMsgsPerSubject: 10,
      description: 'conformance',
      denyDelete: false,
      denyPurge: false,
    });
    expect(await s.engine.log.streamInfo(s.streamName('missing'))).toBeNull();
  });

  test('deleteStream answers true once, then false', async () => {
    const s = scope();
    const { name } = await s.stream('delete');
    expect(await s.engine.log.deleteStream(name)).toBe(true);
    expect(await s.engine.log.deleteStream(name)).toBe(false);
    expect(await s.engine.log.streamInfo(name)).toBeNull();
  });

  test('ensureStream updates an existing stream in place (per-subject limit, max age, description)', async () => {
    const s = scope();
    const { name, root } = await s.stream('update');
    for (let i = 0; i < 3; i++) await s.engine.log.publish(`${root}.k`, enc(`v${i}`));
    const updated = await s.engine.log.ensureStream({
      name,
      subjects: [`${root}.>`],
      maxMsgsPerSubject: 2,
      maxAgeMs: 3_600_000,
      description: 'updated',
    });
    expect(updated.config).toMatchObject({
      maxMsgsPerSubject: 2,
      maxAgeMs: 3_600_000,
      description: 'updated',
    });
    // Checked on a fresh subject: whether a lowered limit trims old messages at once
    // differs between nats-server versions, the limit on new writes does not.
    for (let i = 0; i < 3; i++) await s.engine.log.publish(`${root}.k2`, enc(`w${i}`));
    const info = await s.engine.log.streamInfo(name);
    expect(info?.lastSeq).toBe(6);
    const kept = await collect(s.engine.log.replay(name, { filterSubject: `${root}.k2` }));
    expect(kept.map((m) => m.seq)).toEqual([5, 6]);
  });

  test('publish answers the stream and increasing sequences', async () => {
    const s = scope();
    const { name, root } = await s.stream('publish');
    const a = await s.engine.log.publish(`${root}.a`, enc('1'));
    const b = await s.engine.log.publish(`${root}.b.c`, enc('2'));
    expect(a).toEqual({ stream: name, seq: 1, duplicate: false });
    expect(b).toEqual({ stream: name, seq: 2, duplicate: false });
    const info = await s.engine.log.streamInfo(name);
    expect(info).toMatchObject({ messages: 2, firstSeq: 1, lastSeq: 2 });
  });

  test('publish to a subject no stream captures throws NoStreamForSubjectError', async () => {
    const s = scope();
    const error = await rejection(s.engine.log.publish(s.subject('nostream.x'), enc('x')));
    expect(error).toBeInstanceOf(NoStreamForSubjectError);
  });

  test('msgId dedupe: the second publish is a duplicate with the same seq', async () => {
    const s = scope();
    const { name, root } = await s.stream('dedupe');
    const first = await s.engine.log.publish(`${root}.x`, enc('once'), { msgId: 'id-1' });
    const second = await s.engine.log.publish(`${root}.x`, enc('twice'), { msgId: 'id-1' });
    const other = await s.engine.log.publish(`${root}.x`, enc('other'), { msgId: 'id-2' });
    expect(first.duplicate).toBe(false);
    expect(second).toEqual({ stream: name, seq: first.seq, duplicate: true });
    expect(other.seq).toBe(first.seq + 1);
    const stored = await collect(s.engine.log.replay(name));
    expect(stored.map((m) => [m.seq, m.msgId])).toEqual([
      [1, 'id-1'],
      [2, 'id-2'],
    ]);
  });

  test('publishBatch stores every message once, acks in order, msgIds dedupe within and across batches', async () => {
    const s = scope();
    const { name, root } = await s.stream('batch');
    const batch = Array.from({ length: 600 }, (_, i) => ({
      subject: `${root}.m.${i % 7}`,
      data: enc(`m${i}`),
      options: { msgId: `b-${i % 500}` },
    }));
    const acks = await publishBatch(s.engine.log, batch, 64);
    expect(acks).toHaveLength(600);
    expect(acks.filter((a) => a.duplicate)).toHaveLength(100);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(500);
    // A repeat of a message acks with the sequence its first copy got.
    expect(acks[512]?.seq).toBe(acks[12]?.seq);
    const again = await publishBatch(s.engine.log, batch.slice(0, 10));
    expect(again.every((a) => a.duplicate)).toBe(true);
    const stored = await collect(s.engine.log.replay(name));
    expect(stored).toHaveLength(500);
    expect(new Set(stored.map((m) => m.msgId)).size).toBe(500);
  });

  test('publishBatch throws the first failure, after what was in flight settled', async () => {
    const s = scope();
    const { name, root } = await s.stream('batchfail');
    const batch = [
      { subject: `${root}.a`, data: enc('a') },
      { subject: s.subject('nostream.x'), data: enc('lost') },
      ...Array.from({ length: 50 }, (_, i) => ({ subject: `${root}.b`, data: enc(`b${i}`) })),
    ];
    const error = await rejection(publishBatch(s.engine.log, batch, 4));
    expect(error).toBeInstanceOf(NoStreamForSubjectError);
    // Started before the failure was seen: stored; nothing after the window was started.
    const stored = (await s.engine.log.streamInfo(name))?.messages ?? 0;
    expect(stored).toBeGreaterThanOrEqual(1);
    expect(stored).toBeLessThan(51);
  });

  test('publish without msgId never dedupes identical payloads', async () => {
    const s = scope();
    const { name, root } = await s.stream('nodedupe');
    const a = await s.engine.log.publish(`${root}.x`, enc('same'));
    const b = await s.engine.log.publish(`${root}.x`, enc('same'));
    expect(b.seq).toBe(a.seq + 1);
    expect(b.duplicate).toBe(false);
    expect((await s.engine.log.streamInfo(name))?.messages).toBe(2);
  });

  test('expectStream rejects a publish that lands in another stream', async () => {
    const s = scope();
    const { name, root } = await s.stream('expect');
    const ok = await s.engine.log.publish(`${root}.x`, enc('ok'), { expectStream: name });
    expect(ok.stream).toBe(name);
    await rejection(s.engine.log.publish(`${root}.x`, enc('no'), { expectStream: s.streamName('other') }));
    expect((await s.engine.log.streamInfo(name))?.messages).toBe(1);
  });

  test('stream max age expires old messages', async () => {
    const s = scope();
    const { name, root } = await s.stream('maxage', { maxAgeMs: 1_000 });
    await s.engine.log.publish(`${root}.x`, enc('old'));
    expect((await s.engine.log.streamInfo(name))?.messages).toBe(1);
    const expired = await eventually(
      async () => (await s.engine.log.streamInfo(name))?.messages === 0,
      6_000,
      200,
    );
    expect(expired).toBe(true);
    expect(await collect(s.engine.log.replay(name))).toEqual([]);
    const info = await s.engine.log.streamInfo(name);
    expect(info?.lastSeq).toBe(1);
    expect(info?.config.maxAgeMs).toBe(1_000);
  });
}
