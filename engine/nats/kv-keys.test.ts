/**
 * Listing keys on NATS leaves nothing behind: a hot path that lists a bucket's
 * keys on every message must not pile up consumers on a shared server.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { jetstreamManager } from '@nats-io/jetstream';
import { connect, type NatsConnection } from '@nats-io/transport-node';
import { describeNats, natsTestUrl, testPrefix } from '../../test/support/nats.ts';
import type { Engine } from '../types.ts';
import { openNatsEngine } from './mod.ts';

describeNats('nats adapter: listing keys', () => {
  let engine: Engine;
  let nc: NatsConnection;
  const bucket = `${testPrefix('keys')}_sgt`;
  beforeAll(async () => {
    engine = await openNatsEngine({ servers: natsTestUrl(), name: 'kv-keys-test' });
    nc = await connect({ servers: natsTestUrl() });
  });
  afterAll(async () => {
    await engine.kv.deleteBucket(bucket);
    await engine.close();
    await nc.close();
  });

  test('returns live keys only and deletes its consumer every time', async () => {
    const kv = await engine.kv.ensureBucket({ name: bucket, history: 4 });
    const bytes = new TextEncoder().encode('{}');
    for (let i = 0; i < 250; i++) await kv.put(`acme.${i}`, bytes);
    await kv.put('acme.7', bytes); // a second revision is one key
    await kv.put('globex.1', bytes);
    await kv.delete('acme.3');
    for (let i = 0; i < 100; i++) {
      const keys = await kv.keys('acme.*');
      expect(keys.length).toBe(249);
    }
    expect(keys(await kv.keys())).toContain('globex.1');
    expect(await kv.keys('nobody.*')).toEqual([]);
    const jsm = await jetstreamManager(nc);
    expect((await jsm.streams.info(`KV_${bucket}`)).state.consumer_count).toBe(0);
  });
});

const keys = (list: string[]) => new Set(list);
