/**
 * Conformance: the key-value store. Revisions are only asserted to increase
 * per key (JetStream numbers them per bucket, a database may not); create,
 * CAS update, history caps, expiry, delete markers, watch and keys.
 */
import { expect, test } from 'bun:test';
import { KvBucketNotFoundError, KvConflictError } from '../errors.ts';
import { dec, enc, eventually, Reader, rejection, type Scope } from './harness.ts';

export function kvTests(scope: () => Scope): void {
  test('create stores a new key; create on a present key throws KvConflictError', async () => {
    const b = await scope().bucket('kvcreate');
    const rev = await b.create('k', enc('v1'));
    expect(rev).toBeGreaterThan(0);
    const entry = await b.get('k');
    expect(entry).toMatchObject({ bucket: b.name, key: 'k', revision: rev, operation: 'PUT' });
    expect(dec(entry?.value ?? new Uint8Array())).toBe('v1');
    expect(await rejection(b.create('k', enc('v2')))).toBeInstanceOf(KvConflictError);
    expect(dec((await b.get('k'))?.value ?? new Uint8Array())).toBe('v1');
    expect(await b.get('absent')).toBeNull();
  });

  test('update is compare-and-set on the revision', async () => {
    const b = await scope().bucket('kvcas');
    const r1 = await b.put('k', enc('1'));
    const r2 = await b.update('k', enc('2'), r1);
    expect(r2).toBeGreaterThan(r1);
    expect(await rejection(b.update('k', enc('stale'), r1))).toBeInstanceOf(KvConflictError);
    const r3 = await b.update('k', enc('3'), r2);
    expect(r3).toBeGreaterThan(r2);
    const entry = await b.get('k');
    expect(entry?.revision).toBe(r3);
    expect(dec(entry?.value ?? new Uint8Array())).toBe('3');
  });

  test('put revisions increase per key', async () => {
    const b = await scope().bucket('kvput');
    const revs: number[] = [];
    for (let i = 0; i < 4; i++) revs.push(await b.put(i % 2 ? 'a' : 'b', enc(`${i}`)));
    expect((await b.get('a'))?.revision).toBe(revs[3] ?? -1);
    expect((await b.get('b'))?.revision).toBe(revs[2] ?? -1);
    expect(revs[2] ?? 0).toBeGreaterThan(revs[0] ?? 0);
    expect(revs[3] ?? 0).toBeGreaterThan(revs[1] ?? 0);
  });

  test('delete hides the key, leaves a DEL marker in history, and create works again', async () => {
    const b = await scope().bucket('kvdelete', 5);
    await b.put('k', enc('v1'));
    await b.delete('k');
    expect(await b.get('k')).toBeNull();
    const history = await b.history('k');
    expect(history.map((e) => e.operation)).toEqual(['PUT', 'DEL']);
    expect(history[1]?.key).toBe('k');
    const again = await b.create('k', enc('v2'));
    expect(again).toBeGreaterThan(history[1]?.revision ?? 0);
    expect(dec((await b.get('k'))?.value ?? new Uint8Array())).toBe('v2');
  });

  test('history keeps at most `history` revisions per key, oldest first', async () => {
    const b = await scope().bucket('kvhistory', 3);
    for (let i = 1; i <= 5; i++) await b.put('k', enc(`${i}`));
    await b.put('other', enc('x'));
    const history = await b.history('k');
    expect(history.map((e) => dec(e.value))).toEqual(['3', '4', '5']);
    const revs = history.map((e) => e.revision);
    expect([...revs].sort((x, y) => x - y)).toEqual(revs);
    expect(await b.history('never')).toEqual([]);
  });

  test('bucket max age expires entries', async () => {
    const b = await scope().bucket('kvmaxage', 1, 1_000);
    await b.put('k', enc('v'));
    expect(await b.get('k')).not.toBeNull();
    expect(await eventually(async () => (await b.get('k')) === null, 6_000, 200)).toBe(true);
    expect(await b.keys()).toEqual([]);
  });

  test('watch yields initial values, then live puts and delete markers', async () => {
    const b = await scope().bucket('kvwatch');
    await b.put('a', enc('1'));
    await b.put('b', enc('2'));
    await b.put('z.other', enc('skip'));
    const watch = await b.watch({ key: '*' });
    const reader = new Reader(watch);
    try {
      const initial = await reader.take(2, 3_000);
      expect(initial.map((e) => [e.key, dec(e.value), e.operation]).sort()).toEqual([
        ['a', '1', 'PUT'],
        ['b', '2', 'PUT'],
      ]);
      const r = await b.put('a', enc('3'));
      await b.put('z.other', enc('still skipped'));
      await b.delete('b');
      const live = await reader.take(2, 3_000);
      expect(live.map((e) => [e.key, e.operation])).toEqual([
        ['a', 'PUT'],
        ['b', 'DEL'],
      ]);
      expect(live[0]?.revision).toBe(r);
      expect(dec(live[0]?.value ?? new Uint8Array())).toBe('3');
      expect(await reader.next(300)).toBeNull();
    } finally {
      watch.stop();
    }
  });

  test('watch without initial values yields only updates', async () => {
    const b = await scope().bucket('kvwatchnew');
    await b.put('a', enc('old'));
    const watch = await b.watch({ key: 'a', initialValues: false });
    const reader = new Reader(watch);
    try {
      expect(await reader.next(300)).toBeNull();
      await b.put('b', enc('other key'));
      await b.put('a', enc('new'));
      const [e] = await reader.take(1, 3_000);
      expect(e?.key).toBe('a');
      expect(dec(e?.value ?? new Uint8Array())).toBe('new');
    } finally {
      watch.stop();
    }
    expect(await reader.next(1_000)).toBeNull();
  });

  test('keys lists live keys, optionally filtered with wildcards', async () => {
    const b = await scope().bucket('kvkeys');
    for (const k of ['u.1', 'u.2', 'v.1', 'u.1.deep']) await b.put(k, enc(k));
    await b.delete('u.2');
    expect((await b.keys()).sort()).toEqual(['u.1', 'u.1.deep', 'v.1']);
    expect((await b.keys('u.*')).sort()).toEqual(['u.1']);
    expect((await b.keys('u.>')).sort()).toEqual(['u.1', 'u.1.deep']);
    expect(await b.keys('none.>')).toEqual([]);
  });

  test('ensureBucket updates history and max age in place, keeping the data', async () => {
    const s = scope();
    const name = s.streamName('kvconfig');
    const b = await s.bucket('kvconfig', 2);
    expect(await s.engine.kv.bucketConfig(name)).toMatchObject({ name, history: 2, maxAgeMs: 0 });
    for (let i = 1; i <= 3; i++) await b.put('k', enc(`${i}`));
    expect(await b.history('k')).toHaveLength(2);
    const updated = await s.bucket('kvconfig', 4, 3_600_000);
    expect(await s.engine.kv.bucketConfig(name)).toMatchObject({ name, history: 4, maxAgeMs: 3_600_000 });
    expect(dec((await updated.get('k'))?.value ?? new Uint8Array())).toBe('3');
    for (let i = 4; i <= 7; i++) await updated.put('k', enc(`${i}`));
    expect((await updated.history('k')).map((e) => dec(e.value))).toEqual(['4', '5', '6', '7']);
  });

  test('bucket() opens existing buckets and throws KvBucketNotFoundError otherwise; deleteBucket', async () => {
    const s = scope();
    const name = s.streamName('kvopen');
    await s.bucket('kvopen');
    const opened = await s.engine.kv.bucket(name);
    await opened.put('k', enc('v'));
    expect(dec((await opened.get('k'))?.value ?? new Uint8Array())).toBe('v');
    const missing = s.streamName('kvmissing');
    expect(await rejection(s.engine.kv.bucket(missing))).toBeInstanceOf(KvBucketNotFoundError);
    expect(await s.engine.kv.bucketConfig(missing)).toBeNull();
    expect(await s.engine.kv.deleteBucket(name)).toBe(true);
    expect(await s.engine.kv.deleteBucket(name)).toBe(false);
    expect(await rejection(s.engine.kv.bucket(name))).toBeInstanceOf(KvBucketNotFoundError);
  });
}
