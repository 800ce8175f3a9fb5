import { describe, expect, test } from 'bun:test';
import { formatIp, type IpAddress } from '../../domain/net/ip.ts';
import { memoryVerdictCache } from './cache.ts';
import { ThreatIntel, type ThreatIntelOptions } from './service.ts';
import { answer, noAnswer, type ProviderAnswer, type ThreatProvider } from './types.ts';

/** An in-process provider: answers from a function and counts calls. */
function scripted(
  name: string,
  reply: (ip: string, signal: AbortSignal) => ProviderAnswer | Promise<ProviderAnswer>,
  extra: Partial<ThreatProvider> = {},
): ThreatProvider & { calls: string[] } {
  const calls: string[] = [];
  return {
    name,
    limits: [],
    cacheable: true,
    calls,
    lookup: async (ip: IpAddress, signal: AbortSignal) => {
      calls.push(formatIp(ip));
      return reply(formatIp(ip), signal);
    },
    ...extra,
  };
}

const HOUR = 3_600_000;

function service(providers: ThreatProvider[], over: Partial<ThreatIntelOptions> = {}) {
  const clock = { now: 1_000_000 };
  const cache = memoryVerdictCache();
  const intel = new ThreatIntel({
    providers,
    cache,
    scoreThreshold: 75,
    ttl: { maliciousMs: 24 * HOUR, cleanMs: 12 * HOUR, noAnswerMs: 15 * 60_000 },
    timeoutMs: 200,
    nowMs: () => clock.now,
    ...over,
  });
  return { intel, clock, cache };
}

describe('ThreatIntel', () => {
  test('invalid and non-public addresses are skipped without asking anyone', async () => {
    const p = scripted('p', () => answer(100, []));
    const { intel } = service([p]);
    expect(await intel.lookup('nope')).toMatchObject({ ip: 'nope', skipped: 'invalid', malicious: false });
    expect(await intel.lookup('10.1.2.3')).toMatchObject({
      ip: '10.1.2.3',
      skipped: 'not_public',
      verdicts: [],
    });
    expect(await intel.lookup('::ffff:192.168.0.1')).toMatchObject({
      ip: '192.168.0.1',
      skipped: 'not_public',
    });
    expect(p.calls).toEqual([]);
  });

  test('addresses are canonical before anything else', async () => {
    const p = scripted('p', () => answer(0, []));
    const { intel } = service([p]);
    expect((await intel.lookup(' 2001:4860:0::1:0:0:1 ')).ip).toBe('2001:4860::1:0:0:1');
    expect(p.calls).toEqual(['2001:4860::1:0:0:1']);
  });

  test('concurrent lookups of one address share one call per provider', async () => {
    let release = (): void => undefined;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const p = scripted('p', async () => {
      await gate;
      return answer(80, []);
    });
    const { intel } = service([p], { timeoutMs: 5_000 });
    const a = intel.lookup('198.51.99.1');
    const b = intel.lookup('198.51.99.1');
    release();
    const [ra, rb] = await Promise.all([a, b]);
    expect(ra).toBe(rb);
    expect(p.calls.length).toBe(1);
    expect(ra.malicious).toBe(true);
  });

  test('a provider that hangs past the timeout, even ignoring its signal, is no answer', async () => {
    const hang = scripted('hang', () => new Promise<ProviderAnswer>(() => undefined));
    const good = scripted('good', () => answer(90, []));
    const { intel } = service([hang, good], { timeoutMs: 50 });
    const a = await intel.lookup('8.8.4.4');
    expect(a.malicious).toBe(true);
    expect(a.verdicts.find((v) => v.provider === 'hang')).toMatchObject({
      outcome: 'no_answer',
      reason: 'timeout',
    });
  });

  test('a provider that throws is no answer with the error kept', async () => {
    const broken = scripted('broken', () => {
      throw new Error('boom');
    });
    const { intel } = service([broken]);
    const a = await intel.lookup('8.8.4.4');
    expect(a.verdicts[0]).toMatchObject({ outcome: 'no_answer', reason: 'error', detail: 'boom' });
  });

  test('our own rate limit answers rate_limited without a call, until a token refills', async () => {
    const p = scripted('p', () => answer(0, []), { limits: [{ count: 1, perMs: 60_000 }] });
    const { intel, clock } = service([p]);
    await intel.lookup('1.1.1.1');
    const held = await intel.lookup('1.0.0.1');
    expect(held.verdicts[0]).toMatchObject({ outcome: 'no_answer', reason: 'rate_limited', cached: false });
    expect(p.calls).toEqual(['1.1.1.1']);
    expect(intel.describeProviders()[0]).toMatchObject({ name: 'p', rateLimited: true });
    clock.now += 60_000;
    await intel.lookup('1.0.0.1');
    expect(p.calls).toEqual(['1.1.1.1', '1.0.0.1']);
  });

  test('a 429 without Retry-After cools down for the default period; the 429 is not cached', async () => {
    let n = 0;
    const p = scripted('p', () => {
      n += 1;
      return n === 1 ? { ...noAnswer('rate_limited', 'HTTP 429'), retryAfterMs: null } : answer(0, []);
    });
    const { intel, clock, cache } = service([p], { defaultCooldownMs: 30_000 });
    await intel.lookup('1.1.1.1');
    expect(cache.size).toBe(0);
    clock.now += 29_999;
    expect((await intel.lookup('1.1.1.1')).verdicts[0]?.reason).toBe('rate_limited');
    clock.now += 1;
    expect((await intel.lookup('1.1.1.1')).verdicts[0]).toMatchObject({ outcome: 'clean', score: 0 });
    expect(p.calls.length).toBe(2);
  });

  test('cached verdicts live for their outcome TTL', async () => {
    const bad = scripted('bad', () => answer(90, ['c2']));
    const fine = scripted('fine', () => answer(5, []));
    const none = scripted('none', () => noAnswer('not_found', 'HTTP 404'));
    const { intel, clock } = service([bad, fine, none]);
    const first = await intel.lookup('9.9.9.9');
    expect(first.verdicts.map((v) => v.cached)).toEqual([false, false, false]);
    clock.now += 15 * 60_000 - 1;
    const second = await intel.lookup('9.9.9.9');
    expect(second.verdicts.map((v) => v.cached)).toEqual([true, true, true]);
    expect(second.verdicts[0]).toMatchObject({ outcome: 'malicious', score: 90, categories: ['c2'] });
    clock.now += 1; // no-answer TTL (15 min) over
    await intel.lookup('9.9.9.9');
    expect([bad.calls.length, fine.calls.length, none.calls.length]).toEqual([1, 1, 2]);
    clock.now = 1_000_000 + 12 * HOUR; // clean TTL over
    await intel.lookup('9.9.9.9');
    expect([bad.calls.length, fine.calls.length]).toEqual([1, 2]);
    clock.now = 1_000_000 + 24 * HOUR; // malicious TTL over
    await intel.lookup('9.9.9.9');
    expect(bad.calls.length).toBe(2);
  });

  test('a cached score is judged against the current threshold', async () => {
    const p = scripted('p', () => answer(60, []));
    const first = service([p]);
    await first.intel.lookup('9.9.9.9');
    const again = new ThreatIntel({
      providers: [p],
      cache: first.cache,
      scoreThreshold: 50,
      ttl: { maliciousMs: HOUR, cleanMs: HOUR, noAnswerMs: HOUR },
      timeoutMs: 200,
      nowMs: () => first.clock.now,
    });
    const a = await again.lookup('9.9.9.9');
    expect(a.verdicts[0]).toMatchObject({ cached: true, outcome: 'malicious' });
    expect(a.malicious).toBe(true);
  });

  test('uncacheable providers are asked every time', async () => {
    const local = scripted('local', () => answer(0, []), { cacheable: false });
    const { intel, cache } = service([local]);
    await intel.lookup('9.9.9.9');
    await intel.lookup('9.9.9.9');
    expect(local.calls.length).toBe(2);
    expect(cache.size).toBe(0);
  });

  test('describeProviders lists every provider with its limits', () => {
    const p = scripted('p', () => answer(0, []), {
      limits: [{ count: 4, perMs: 60_000 }],
      describe: () => ({ x: 1 }),
    });
    const { intel } = service([p]);
    expect(intel.describeProviders()).toEqual([
      {
        name: 'p',
        cacheable: true,
        rateLimited: false,
        limits: [{ count: 4, perMs: 60_000, available: 4 }],
        cooldownUntilMs: null,
        nextAllowedAtMs: 1_000_000,
        details: { x: 1 },
      },
    ]);
    expect(intel.providerNames).toEqual(['p']);
  });
});
