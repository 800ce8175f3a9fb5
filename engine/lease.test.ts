import { afterAll, afterEach, describe, expect, test } from 'bun:test';
import { join } from 'node:path';
import { Bucket, bucketName } from '../kv-schema/mod.ts';
import { waitFor } from '../test/support/actors.ts';
import { killChildren, lastLine, spawnChild } from '../test/support/child.ts';
import { FLAVOURS, openTestNats, type TestEngine } from '../test/support/engines.ts';
import { describeNats, natsTestUrl } from '../test/support/nats.ts';
import { LeaderLease } from './lease.ts';
import { silentLogger } from './log.ts';
import type { KvBucket } from './types.ts';

const lease = (bucket: KvBucket, holder: string, now: () => number, ttlMs = 1_000) =>
  new LeaderLease({ bucket, key: 'lease.scheduler', holder, ttlMs, logger: silentLogger(), now });

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`leader lease on ${flavour.name}`, () => {
    let te: TestEngine;
    let bucket: KvBucket;
    let clock = 1_000_000;
    const now = () => clock;

    afterEach(async () => te?.dispose());

    async function setup() {
      te = await flavour.open();
      bucket = await te.engine.kv.bucket(bucketName(Bucket.State, te.ns));
    }

    test('one holder leads; the other follows while the lease is renewed', async () => {
      await setup();
      const a = lease(bucket, 'a', now);
      const b = lease(bucket, 'b', now);
      expect(await a.tick()).toBe(true);
      expect(await b.tick()).toBe(false);
      clock += 600;
      expect(await a.tick()).toBe(true); // renewed
      clock += 600; // past a's first expiry, within the renewed one
      expect(await b.tick()).toBe(false);
      expect(a.isLeader()).toBe(true);
    });

    test('an expired lease passes to a follower, and the old holder steps down by itself', async () => {
      await setup();
      const a = lease(bucket, 'a', now);
      const b = lease(bucket, 'b', now);
      await a.tick();
      clock += 950; // within the lease but past a's safety margin
      expect(a.isLeader()).toBe(false);
      expect(await b.tick()).toBe(false);
      clock += 100;
      expect(await b.tick()).toBe(true);
      expect(await a.tick()).toBe(false);
    });

    test('when several race for an expired lease exactly one wins', async () => {
      await setup();
      await lease(bucket, 'gone', now).tick();
      clock += 5_000;
      const racers = ['x', 'y', 'z', 'w'].map((h) => lease(bucket, h, now));
      const won = await Promise.all(racers.map((r) => r.tick()));
      expect(won.filter(Boolean)).toHaveLength(1);
    });

    test('stop hands the lease back at once', async () => {
      await setup();
      const a = lease(bucket, 'a', now);
      const b = lease(bucket, 'b', now);
      await a.tick();
      await a.stop();
      expect(await b.tick()).toBe(true);
    });
  });
}

describeNats('leader election across processes on NATS', () => {
  afterAll(killChildren);

  test('kill -9 the leader: the follower takes over within the lease time', async () => {
    const te = await openTestNats();
    const ttlMs = 3_000;
    try {
      const env = {
        SCOPILOT_TEST_NATS_URL: natsTestUrl(),
        SCOPILOT_TEST_BUCKET: bucketName(Bucket.State, te.ns),
        SCOPILOT_TEST_TTL_MS: String(ttlMs),
      };
      const script = join(import.meta.dir, '../test/fixtures/lease-holder.ts');
      const holders = await Promise.all([
        spawnChild(script, env, /^follower$/),
        spawnChild(script, env, /^follower$/),
      ]);
      await waitFor('a leader', () => holders.some((h) => lastLine(h) === 'leader'));
      await Bun.sleep(ttlMs); // several renewals: still exactly one
      const leaders = holders.filter((h) => lastLine(h) === 'leader');
      expect(leaders).toHaveLength(1);
      const [leader] = leaders;
      const follower = holders.find((h) => h !== leader)!;
      leader!.process.kill(9);
      const killedAt = Date.now();
      await waitFor('takeover', () => lastLine(follower) === 'leader', ttlMs * 2);
      const takeoverMs = follower.lastLineAt - killedAt;
      expect(takeoverMs).toBeLessThanOrEqual(ttlMs + 300);
    } finally {
      killChildren();
      await te.dispose();
    }
  }, 30_000);
});
