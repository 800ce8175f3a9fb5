/**
 * Compare-and-set on a replicated bucket. nats-server 2.9 checks a write's
 * expected revision only before proposing it to the stream's replicas, so two
 * writes built on one revision and in flight together could both be stored
 * (the second discarding the first). The adapter names the revision a write
 * builds on in its message id, which the replicas deduplicate as they apply
 * the log: of two such writes, exactly one succeeds.
 */
import { afterAll, expect, test } from 'bun:test';
import { KvConflictError } from '../engine/errors.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { killServers, startCluster } from './support/cluster.ts';
import { testPrefix } from './support/nats.ts';

afterAll(() => killServers());

const ROUNDS = 300;
const encode = (x: unknown) => new TextEncoder().encode(JSON.stringify(x));

test('two writers on one revision of an R3 key: exactly one wins, every round', async () => {
  const cluster = await startCluster({ size: 3 });
  const servers = cluster.urls.split(',');
  // Two clients on two different servers, as two product replicas would be.
  const a = await openNatsEngine({ servers: [servers[0]!], name: 'cas-a' });
  const b = await openNatsEngine({ servers: [servers[1]!], name: 'cas-b' });
  try {
    const name = `${testPrefix('cas')}_state`;
    const bucketA = await a.kv.ensureBucket({ name, replicas: 3 });
    const bucketB = await b.kv.bucket(name);
    let revision = await bucketA.put('counter', encode({ n: 0, by: [] }));
    let bothWon = 0;
    let noneWon = 0;
    for (let round = 0; round < ROUNDS; round++) {
      const outcomes = await Promise.allSettled([
        bucketA.update('counter', encode({ round, by: 'a' }), revision),
        bucketB.update('counter', encode({ round, by: 'b' }), revision),
      ]);
      const won = outcomes.filter((o) => o.status === 'fulfilled');
      for (const o of outcomes) if (o.status === 'rejected') expect(o.reason).toBeInstanceOf(KvConflictError);
      if (won.length === 2) bothWon++;
      if (won.length === 0) noneWon++;
      const latest = await bucketA.get('counter');
      revision = latest?.revision ?? 0;
      // The stored value is the winner's.
      if (won.length === 1) expect((won[0] as PromiseFulfilledResult<number>).value).toBe(revision);
    }
    expect({ bothWon, noneWon }).toEqual({ bothWon: 0, noneWon: 0 });
    // Creating a key is a write on revision 0: one of two racing creates wins too.
    for (let round = 0; round < 50; round++) {
      const outcomes = await Promise.allSettled([
        bucketA.create(`lease-${round}`, encode('a')),
        bucketB.create(`lease-${round}`, encode('b')),
      ]);
      expect(outcomes.filter((o) => o.status === 'fulfilled')).toHaveLength(1);
    }
    await a.kv.deleteBucket(name);
  } finally {
    await a.close();
    await b.close();
    await cluster.stop();
  }
}, 120_000);
