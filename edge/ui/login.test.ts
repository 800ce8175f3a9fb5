/**
 * The dashboard's sign-in over a real socket: bodies bounded while they
 * stream, server-side sessions that end at sign-out, throttled failures.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { ApiKey } from '../../config/schema.ts';
import { Bucket, bucketName } from '../../kv-schema/mod.ts';
import { isolatedNamespace } from '../../streams/namespace.ts';
import { testDeps } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { expectProblem, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import { login, ORIGIN, uiFetch } from '../../test/support/ui.ts';
import { createApp } from '../app.ts';
import { Authenticator } from '../auth.ts';
import { Sessions } from '../sessions.ts';
import { UI_BODY_LIMIT } from './mod.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;

let h: RestHarness;
let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(async () => {
  server?.stop(true);
  server = undefined;
  await h?.stop();
});

/** The harness's app on a loopback port, as `serve` runs it. */
async function listen(): Promise<string> {
  h = await startRest(embedded);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: h.api.app.fetch });
  return `http://127.0.0.1:${server.port}`;
}

/** A body of `total` bytes made on demand, counting what the server pulled. */
function endless(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= total) return ctrl.close();
      pulled += chunk.byteLength;
      ctrl.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

describe('form bodies', () => {
  test('a 120 MB streamed sign-in body (under Bun’s own 128 MiB cap) is refused with 413 after reading a bounded amount', async () => {
    const base = await listen();
    const { body, pulled } = endless(120 << 20);
    const started = performance.now();
    const res = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Payload too large');
    expect(performance.now() - started).toBeLessThan(5_000);
    await Bun.sleep(300);
    // The limit plus what sockets buffer: nowhere near the 120 MB offered.
    expect(pulled()).toBeLessThan(16 << 20);
  });

  test('a declared length over the limit is refused before reading; a form under it is served', async () => {
    const base = await listen();
    const big = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(UI_BODY_LIMIT)}`,
    });
    expect(big.status).toBe(413);
    const ok = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.viewer, next: '/ui' }).toString(),
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
  });
});

const form = (base: string, token: string): RequestInit => ({
  method: 'POST',
  headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
  body: new URLSearchParams({ token, next: '/ui' }).toString(),
  redirect: 'manual',
});

const cookieOf = (res: Response): string | undefined =>
  /scopilot_session=([^;]*)/.exec(res.headers.get('set-cookie') ?? '')?.[1];

describe('server-side sessions', () => {
  test('the cookie holds a random id, not the token; the store keeps only its hash, the principal and an expiry', async () => {
    h = await startRest(embedded);
    const res = await uiFetch(h.api, '/ui/login', { form: { token: TOKENS.operator } });
    expect(res.status).toBe(303);
    const id = decodeURIComponent(cookieOf(res) ?? '');
    expect(id).not.toBe(TOKENS.operator);
    expect(id).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(res.headers.get('set-cookie')).toContain(`Max-Age=${12 * 3600}`);
    const bucket = await h.te.engine.kv.bucket(bucketName(Bucket.Sessions, h.te.ns));
    const stored = await bucket.keys();
    expect(stored).toEqual([`session.${createHash('sha256').update(id).digest('hex')}`]);
    const text = new TextDecoder().decode((await bucket.get(stored[0]!))?.value);
    expect(text).not.toContain(id);
    expect(text).not.toContain(TOKENS.operator);
    const record = JSON.parse(text) as Record<string, number | string>;
    expect(record).toMatchObject({ tenant: 'acme', role: 'operator' });
    expect(Number(record.expiresAtMs) - Number(record.createdAtMs)).toBe(12 * 3_600_000);
    // Two sign-ins, two sessions.
    expect(await login(h.api, TOKENS.operator)).not.toBe(id);
  });

  test('signing out ends the session: the old cookie opens no page and no API call', async () => {
    h = await startRest(embedded);
    const cookie = await login(h.api, TOKENS.operator);
    expect((await uiFetch(h.api, '/ui', { cookie })).status).toBe(200);
    expect((await uiFetch(h.api, '/api/v1/flows', { cookie })).status).toBe(200);
    const out = await uiFetch(h.api, '/ui/logout', { cookie, form: {} });
    expect(out.status).toBe(303);
    expect(out.headers.get('set-cookie')).toContain('Max-Age=0');
    const page = await uiFetch(h.api, '/ui', { cookie });
    expect(page.status).toBe(302);
    expect(page.headers.get('location')).toStartWith('/ui/login');
    expect((await uiFetch(h.api, '/api/v1/flows', { cookie })).status).toBe(401);
    // Another session of the same token lives on.
    const other = await login(h.api, TOKENS.operator);
    expect((await uiFetch(h.api, '/ui', { cookie: other })).status).toBe(200);
  });

  test('a raw API token in the cookie is no session', async () => {
    h = await startRest(embedded);
    expect((await uiFetch(h.api, '/ui', { cookie: TOKENS.admin })).status).toBe(302);
    expect((await uiFetch(h.api, '/api/v1/flows', { cookie: TOKENS.admin })).status).toBe(401);
  });
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`session lifetime on ${flavour.name}`, () => {
    let te: TestEngine | undefined;
    afterEach(async () => {
      await te?.dispose();
      te = undefined;
    });

    test('ends at its expiry, when its key goes, at a JWT’s expiry; a changed key applies at once', async () => {
      te = await flavour.open();
      let now = Date.UTC(2026, 5, 1);
      const key = { token: 'ann-operator-token-0001', tenant: 'acme', role: 'operator' } as const;
      const auth = (keys: ApiKey[]) =>
        new Authenticator({ requireAuth: true, defaultTenant: 'acme', apiKeys: keys });
      const before = auth([key]);
      const sessions = (a: Authenticator) =>
        new Sessions({ engine: te!.engine, ns: te!.ns, auth: a, now: () => now });
      const credential = (await before.authenticate(key.token))!;

      const first = await sessions(before).open(credential);
      expect(first.maxAgeSeconds).toBe(12 * 3600);
      expect(await sessions(before).principalOf(first.id)).toMatchObject({
        tenant: 'acme',
        role: 'operator',
      });
      now += 12 * 3_600_000;
      expect(await sessions(before).principalOf(first.id)).toBeNull();
      const bucket = await te.engine.kv.bucket(bucketName(Bucket.Sessions, te.ns));
      expect(await bucket.keys()).toEqual([]);

      const second = await sessions(before).open(credential);
      // The key now names its holder and is an admin: the session follows.
      const changed = auth([{ ...key, role: 'admin', user: 'ann@example.com' }]);
      expect(await sessions(changed).principalOf(second.id)).toEqual({
        tenant: 'acme',
        role: 'admin',
        subject: 'ann@example.com',
      });
      // Removed from the configuration: the session ends.
      expect(await sessions(auth([])).principalOf(second.id)).toBeNull();
      expect(await sessions(before).principalOf(second.id)).toBeNull();

      const jwt = await sessions(before).open({
        principal: { tenant: 'acme', role: 'viewer', subject: 'sso-user' },
        expiresAtMs: now + 90_000,
      });
      expect(jwt.maxAgeSeconds).toBe(90);
      expect(await sessions(auth([])).principalOf(jwt.id)).toMatchObject({ subject: 'sso-user' });
      now += 90_000;
      expect(await sessions(auth([])).principalOf(jwt.id)).toBeNull();

      const ended = await sessions(before).open(credential);
      await sessions(before).end(ended.id);
      expect(await sessions(before).principalOf(ended.id)).toBeNull();
    });
  });
}

describe('failed sign-ins are throttled per address', () => {
  test('300 wrong tokens at /ui/login: ten are answered, the rest get 429 with Retry-After, a right one too', async () => {
    const base = await listen();
    const statuses: number[] = [];
    const waits: number[] = [];
    for (let batch = 0; batch < 10; batch++) {
      const answers = await Promise.all(
        Array.from({ length: 30 }, (_, i) =>
          fetch(`${base}/ui/login`, form(base, `wrong-token-${batch}-${i}`)),
        ),
      );
      for (const res of answers) {
        statuses.push(res.status);
        if (res.status === 429) waits.push(Number(res.headers.get('retry-after')));
        await res.arrayBuffer();
      }
    }
    expect(statuses.filter((s) => s === 401)).toHaveLength(10);
    expect(statuses.filter((s) => s === 429)).toHaveLength(290);
    for (const wait of waits) {
      expect(wait).toBeGreaterThanOrEqual(1);
      expect(wait).toBeLessThanOrEqual(60);
    }
    const right = await fetch(`${base}/ui/login`, form(base, TOKENS.viewer));
    expect(right.status).toBe(429);
    expect(cookieOf(right)).toBeUndefined();
  });

  test('wrong bearer tokens on the API count too: 429 problem with Retry-After past ten', async () => {
    const base = await listen();
    const call = (token: string) =>
      fetch(`${base}/api/v1/flows`, { headers: { authorization: `Bearer ${token}` } });
    for (let i = 0; i < 10; i++) expect((await call(`wrong-token-${i}`)).status).toBe(401);
    const refused = await call('wrong-token-x');
    const problem = await expectProblem(refused, 429);
    expect(String(problem.detail)).toContain('try again');
    expect(Number(refused.headers.get('retry-after'))).toBeGreaterThan(0);
    expect((await call(TOKENS.viewer)).status).toBe(429);
    // The dashboard's login shares the count.
    expect((await fetch(`${base}/ui/login`, form(base, TOKENS.viewer))).status).toBe(429);
  });
});

describe('before the engine is ready', () => {
  test('sign-in and pages answer 503 Starting, not a 500 from the missing sessions bucket', async () => {
    h = await startRest(embedded);
    // A namespace whose schema is not there yet, as at start-up.
    const deps = { ...(await testDeps(h.te)), ns: isolatedNamespace(`${h.te.ns.root}x`) };
    const auth = new Authenticator({
      requireAuth: true,
      defaultTenant: 'acme',
      apiKeys: [{ token: TOKENS.viewer, tenant: 'acme', role: 'viewer' }],
    });
    const app = createApp({
      logger: deps.logger,
      readiness: { checks: {} },
      api: { auth, ready: () => false, deps },
    });
    const starting = async (res: Response | Promise<Response>) => {
      const r = await res;
      expect(r.status).toBe(503);
      expect(r.headers.get('retry-after')).toBe('5');
    };
    await starting(
      app.request(`${ORIGIN}/ui`, { headers: { cookie: `scopilot_session=${'a'.repeat(43)}` } }),
    );
    await starting(app.request(`${ORIGIN}/ui/login`, form(ORIGIN, TOKENS.viewer)));
  });
});
