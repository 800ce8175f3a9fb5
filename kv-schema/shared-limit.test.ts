/**
 * Shared rate limits on both engines: limiters on separate connections to one
 * store together take no more than the limit, refill with time, and honour a
 * cooldown any of them set.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { memoryVerdictCache } from '../integrations/threat-intel/cache.ts';
import { ThreatIntel } from '../integrations/threat-intel/service.ts';
import { answer } from '../integrations/threat-intel/types.ts';
import { FLAVOURS, openTestEmbedded, type TestEngine } from '../test/support/engines.ts';
import { describeNats, natsTestUrl } from '../test/support/nats.ts';
import { Bucket, bucketName } from './buckets.ts';
import { SharedRateLimiter, tenantLimitName } from './shared-limit.ts';

const MINUTE = 60_000;
const T0 = 1_700_000_000_000;

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`shared rate limits on ${flavour.name}`, () => {
    const cleanup: (() => Promise<void>)[] = [];
    afterEach(async () => {
      for (const fn of cleanup.splice(0).reverse()) await fn();
    });

    /** Three limiters over one store (on NATS, each on its own connection: three replicas). */
    async function limiters(te: TestEngine): Promise<SharedRateLimiter[]> {
      const name = bucketName(Bucket.State, te.ns);
      const out = [new SharedRateLimiter(await te.engine.kv.bucket(name))];
      for (let i = 0; i < 2; i++) {
        if (flavour.name === 'nats') {
          const other = await openNatsEngine({ servers: natsTestUrl(), name: `limit-${i}` });
          cleanup.push(() => other.close());
          out.push(new SharedRateLimiter(await other.kv.bucket(name)));
        } else {
          out.push(new SharedRateLimiter(await te.engine.kv.bucket(name)));
        }
      }
      return out;
    }

    test('replicas together take at most the limit, and it refills', async () => {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      const all = await limiters(te);
      const limits = [{ count: 5, perMs: MINUTE }];
      const takes = await Promise.all(
        all.flatMap((l) => Array.from({ length: 5 }, () => l.tryAcquire('virustotal', limits, T0))),
      );
      expect(takes.filter((t) => t.ok)).toHaveLength(5);
      const refused = takes.find((t) => !t.ok);
      expect(refused).toEqual({ ok: false, retryInMs: 12_000 });
      expect((await all[1]!.tryAcquire('virustotal', limits, T0 + 11_000)).ok).toBe(false);
      expect((await all[2]!.tryAcquire('virustotal', limits, T0 + 12_000)).ok).toBe(true);
      // Another name is another budget.
      expect((await all[0]!.tryAcquire('otx', limits, T0)).ok).toBe(true);
    }, 30_000);

    test('a batch takes one token per item; a batch larger than the window is refused', async () => {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      const [a, b] = await limiters(te);
      const limits = [{ count: 1_000, perMs: 1_000 }];
      const name = tenantLimitName('lines', 'acme');
      expect((await a!.tryAcquire(name, limits, T0, 600)).ok).toBe(true);
      expect(await b!.tryAcquire(name, limits, T0, 600)).toEqual({ ok: false, retryInMs: 200 });
      expect((await b!.tryAcquire(name, limits, T0 + 200, 600)).ok).toBe(true);
      // Another tenant's share is its own.
      expect((await b!.tryAcquire(tenantLimitName('lines', 'beta'), limits, T0, 1_000)).ok).toBe(true);
      expect(await a!.tryAcquire(tenantLimitName('lines', 'gamma'), limits, T0, 1_001)).toEqual({
        ok: false,
        retryInMs: 1_000,
      });
    }, 30_000);

    test('a cooldown set by one replica holds the others back; a shorter one does not shorten it', async () => {
      const te = await flavour.open();
      cleanup.push(() => te.dispose());
      const [a, b] = await limiters(te);
      const limits = [
        { count: 4, perMs: MINUTE },
        { count: 500, perMs: 24 * 60 * MINUTE },
      ];
      expect((await a!.tryAcquire('abuseipdb', limits, T0)).ok).toBe(true);
      await a!.coolDown('abuseipdb', limits, T0 + 30_000, T0);
      await b!.coolDown('abuseipdb', limits, T0 + 5_000, T0);
      expect(await b!.tryAcquire('abuseipdb', limits, T0 + 10_000)).toEqual({ ok: false, retryInMs: 20_000 });
      expect((await b!.tryAcquire('abuseipdb', limits, T0 + 30_000)).ok).toBe(true);
    }, 30_000);
  });
}

describe('threat providers held to one quota across replicas', () => {
  test('two threat-intel services sharing the limiter call a 3-a-minute provider three times in all', async () => {
    const te = await openTestEmbedded();
    try {
      let calls = 0;
      const provider = {
        name: 'virustotal',
        limits: [{ count: 3, perMs: MINUTE }],
        cacheable: true,
        lookup: async () => {
          calls++;
          return answer(0, []);
        },
      };
      const shared = new SharedRateLimiter(await te.engine.kv.bucket(bucketName(Bucket.State, te.ns)));
      const replica = () =>
        new ThreatIntel({
          providers: [provider],
          cache: memoryVerdictCache(),
          scoreThreshold: 75,
          ttl: { maliciousMs: MINUTE, cleanMs: MINUTE, noAnswerMs: MINUTE },
          timeoutMs: 1_000,
          nowMs: () => T0,
          shared,
        });
      const [a, b] = [replica(), replica()];
      const ips = ['8.8.8.1', '8.8.8.2', '8.8.8.3', '8.8.8.4'];
      const results = [
        ...(await Promise.all(ips.map((ip) => a.lookup(ip)))),
        ...(await Promise.all(ips.map((ip) => b.lookup(ip)))),
      ];
      expect(calls).toBe(3);
      const held = results.filter((r) => r.verdicts.some((v) => v.outcome === 'no_answer'));
      expect(held).toHaveLength(5);
    } finally {
      await te.dispose();
    }
  });
});
