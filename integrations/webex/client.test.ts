/**
 * The WebEx client against real loopback servers: the fake API for the happy
 * paths and 429s, and small scripted servers for 5xx, slow and bad answers.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { type FakeWebex, startFakeWebex } from '../../test/fakes/webex.ts';
import { WebexClient } from './client.ts';
import { retryAfterMs, WebexError, WebexErrorCode } from './http.ts';

let fake: FakeWebex | null = null;
let scripted: ReturnType<typeof Bun.serve> | null = null;
afterEach(async () => {
  await fake?.stop();
  await scripted?.stop(true);
  fake = scripted = null;
});

const failure = async (p: Promise<unknown>): Promise<WebexError> => {
  try {
    await p;
  } catch (error) {
    if (error instanceof WebexError) return error;
    throw error;
  }
  throw new Error('expected a WebexError');
};

/** A server answering each request with the next scripted response (the last one repeats). */
function script(...answers: ((req: Request) => Response | Promise<Response>)[]) {
  const seen: { method: string; url: string; auth: string | null }[] = [];
  scripted = Bun.serve({
    port: 0,
    hostname: '127.0.0.1',
    fetch: (req) => {
      seen.push({ method: req.method, url: req.url, auth: req.headers.get('authorization') });
      return (answers[Math.min(seen.length - 1, answers.length - 1)] as (r: Request) => Response)(req);
    },
  });
  return { url: `http://127.0.0.1:${scripted.port}/v1`, seen };
}

const message = { id: 'm1', roomId: 'r1', personId: 'bot', created: '2026-06-18T10:00:00.000Z' };

describe('WebexClient', () => {
  test('posts with the bearer token and returns the validated message', async () => {
    fake = await startFakeWebex();
    const client = new WebexClient({ baseUrl: fake.url, token: fake.token });
    const posted = await client.postMessage({ roomId: 'room-1', markdown: '**hi**', parentId: 'm0' });
    expect(posted).toMatchObject({ roomId: 'room-1', personId: fake.bot.id });
    expect(fake.posted[0]).toMatchObject({ roomId: 'room-1', markdown: '**hi**', parentId: 'm0' });
    expect(await client.getMessage(posted.id)).toMatchObject({ id: posted.id });
    expect((await client.me()).id).toBe(fake.bot.id);
    await client.me();
    expect(fake.calls.filter((c) => c.path === '/v1/people/me')).toHaveLength(1);
  });

  test('a wrong token is rejected at once, not retried', async () => {
    fake = await startFakeWebex();
    const error = await failure(new WebexClient({ baseUrl: fake.url, token: 'wrong' }).me());
    expect(error).toMatchObject({ code: WebexErrorCode.Rejected, status: 401, retryable: false });
    expect(error.message).toContain('valid access token');
    expect(fake.calls).toHaveLength(1);
  });

  test('429 waits for Retry-After, then succeeds', async () => {
    fake = await startFakeWebex();
    fake.throttle(1, 1);
    const client = new WebexClient({ baseUrl: fake.url, token: fake.token });
    await client.postMessage({ roomId: 'room-1', markdown: 'x' });
    const [first, second] = fake.calls;
    expect([first?.status, second?.status]).toEqual([429, 200]);
    expect((second?.atMs ?? 0) - (first?.atMs ?? 0)).toBeGreaterThanOrEqual(900);
    expect(fake.posted).toHaveLength(1);
  });

  test('attempts are bounded; a Retry-After beyond the limit ends the call', async () => {
    fake = await startFakeWebex();
    fake.throttle(3, 0);
    const client = new WebexClient({ baseUrl: fake.url, token: fake.token, maxAttempts: 3 });
    expect(await failure(client.postMessage({ roomId: 'r', markdown: 'x' }))).toMatchObject({
      code: WebexErrorCode.Exhausted,
      status: 429,
      retryable: true,
    });
    expect(fake.calls).toHaveLength(3);
    fake.throttle(1, 120);
    expect(await failure(client.postMessage({ roomId: 'r', markdown: 'x' }))).toMatchObject({
      code: WebexErrorCode.RetryAfterTooLong,
    });
    expect(fake.calls).toHaveLength(4);
  });

  test('5xx is retried for reads but not for posts (a post may have happened)', async () => {
    const boom = () => Response.json({ message: 'boom', trackingId: 'T1' }, { status: 500 });
    const s = script(boom, () => Response.json(message));
    const client = new WebexClient({ baseUrl: s.url, token: 't', baseDelayMs: 1 });
    expect(await client.getMessage('m1')).toMatchObject({ id: 'm1' });
    expect(s.seen).toHaveLength(2);
    const s2 = script(boom);
    const error = await failure(
      new WebexClient({ baseUrl: s2.url, token: 't' }).postMessage({ roomId: 'r', markdown: 'x' }),
    );
    expect(error).toMatchObject({ status: 500, retryable: true });
    expect(s2.seen).toHaveLength(1);
  });

  test('a slow server times out; a garbled answer is a bad answer', async () => {
    const s = script(() => Bun.sleep(2_000).then(() => Response.json(message)));
    const slow = new WebexClient({ baseUrl: s.url, token: 't', timeoutMs: 100, maxAttempts: 1 });
    expect(await failure(slow.getMessage('m1'))).toMatchObject({
      code: WebexErrorCode.Timeout,
      retryable: true,
    });
    await scripted?.stop(true);
    const bad = script(() => Response.json({ id: 'm1' }));
    const client = new WebexClient({ baseUrl: bad.url, token: 't' });
    const error = await failure(client.getMessage('m1'));
    expect(error).toMatchObject({ code: WebexErrorCode.BadAnswer, retryable: false });
    expect(error.message).toContain('roomId');
  });

  test('webhook pages are followed on the API host only', async () => {
    const hook = (id: string) => ({
      id,
      name: id,
      targetUrl: 'https://x',
      resource: 'messages',
      event: 'created',
    });
    const s = script(
      (req) =>
        Response.json(
          { items: [hook('w1')] },
          { headers: { link: `<${new URL('/v1/webhooks?max=100&cursor=2', req.url)}>; rel="next"` } },
        ),
      () =>
        Response.json(
          { items: [hook('w2')] },
          { headers: { link: '<https://evil.example/v1/webhooks>; rel="next"' } },
        ),
    );
    const hooks = await new WebexClient({ baseUrl: s.url, token: 't' }).listWebhooks();
    expect(hooks.map((h) => h.id)).toEqual(['w1', 'w2']);
    expect(s.seen.map((x) => new URL(x.url).search)).toEqual(['?max=100', '?max=100&cursor=2']);
    expect(s.seen.every((x) => x.auth === 'Bearer t')).toBe(true);
  });
});

test('retryAfterMs reads seconds and HTTP dates', () => {
  const now = Date.parse('2026-06-18T10:00:00.000Z');
  expect(retryAfterMs('3', now)).toBe(3000);
  expect(retryAfterMs('Thu, 18 Jun 2026 10:00:05 GMT', now)).toBe(5000);
  expect(retryAfterMs('soon', now)).toBeNull();
  expect(retryAfterMs(null, now)).toBeNull();
});
