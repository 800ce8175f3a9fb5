/**
 * Request ids and access logs: an id on every response (the caller's when
 * sane, a fresh one otherwise) and one JSON line per request that never
 * carries a token.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import pino from 'pino';
import { loadConfig } from '../config/mod.ts';
import { openStores } from '../kv-schema/mod.ts';
import { subjectsFor } from '../streams/mod.ts';
import { openTestEmbedded, type TestEngine } from '../test/support/engines.ts';
import { accessLog, REQUEST_ID_HEADER, requestIdOf } from './access-log.ts';
import { createApp } from './app.ts';
import { Authenticator } from './auth.ts';
import type { ApiDeps } from './rest/deps.ts';

const TOKEN = 'acme-viewer-token-0123456789';
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

function capture() {
  const lines: Record<string, unknown>[] = [];
  const raw: string[] = [];
  const logger = pino(
    { level: 'debug' },
    {
      write(s: string) {
        raw.push(s);
        lines.push(JSON.parse(s));
      },
    },
  );
  return {
    logger,
    lines,
    raw,
    requests: () => lines.filter((l) => l.msg === 'request' || l.msg === 'request failed'),
  };
}

let te: TestEngine;
let deps: Omit<ApiDeps, 'logger'>;
beforeAll(async () => {
  te = await openTestEmbedded();
  const stores = await openStores(te.engine, te.ns);
  deps = { engine: te.engine, stores, ns: te.ns, subjects: subjectsFor(te.ns), config: loadConfig({}) };
});
afterAll(async () => {
  await te.dispose();
});

function app(logger: pino.Logger) {
  return createApp({
    logger,
    readiness: { checks: {} },
    api: {
      auth: new Authenticator({
        requireAuth: true,
        defaultTenant: 'acme',
        apiKeys: [{ token: TOKEN, tenant: 'acme', role: 'viewer' }],
      }),
      ready: () => true,
      deps: { ...deps, logger },
    },
  });
}

describe('request ids', () => {
  test('a valid incoming id is echoed, a missing or unsafe one replaced by a UUID', async () => {
    const { logger, requests } = capture();
    const a = app(logger);
    const echoed = await a.request('/healthz', { headers: { [REQUEST_ID_HEADER]: 'lb-7f3a.42:x=1' } });
    expect(echoed.headers.get(REQUEST_ID_HEADER)).toBe('lb-7f3a.42:x=1');
    const fresh = await a.request('/healthz');
    expect(fresh.headers.get(REQUEST_ID_HEADER)).toMatch(UUID);
    const forged = await a.request('/healthz', {
      headers: { [REQUEST_ID_HEADER]: 'x" level=error msg=pwned' },
    });
    expect(forged.headers.get(REQUEST_ID_HEADER)).toMatch(UUID);
    const long = await a.request('/healthz', { headers: { [REQUEST_ID_HEADER]: 'a'.repeat(129) } });
    expect(long.headers.get(REQUEST_ID_HEADER)).toMatch(UUID);
    expect(requests().map((l) => l.requestId)).toEqual([
      'lb-7f3a.42:x=1',
      fresh.headers.get(REQUEST_ID_HEADER),
      forged.headers.get(REQUEST_ID_HEADER),
      long.headers.get(REQUEST_ID_HEADER),
    ]);
  });

  test('are set on error responses and visible to handlers', async () => {
    const { logger, lines } = capture();
    const a = new Hono();
    a.use(
      '*',
      accessLog(logger, () => 'generated-1'),
    );
    a.get('/id', (c) => c.text(requestIdOf(c) ?? 'none'));
    a.get('/boom', () => {
      throw new Error('boom');
    });
    a.onError((_e, c) => c.text('failed', 500));
    const id = await a.request('/id');
    expect(await id.text()).toBe('generated-1');
    const boom = await a.request('/boom', { headers: { [REQUEST_ID_HEADER]: 'req-9' } });
    expect(boom.status).toBe(500);
    expect(boom.headers.get(REQUEST_ID_HEADER)).toBe('req-9');
    expect(lines.at(-1)).toMatchObject({
      level: 40,
      msg: 'request failed',
      requestId: 'req-9',
      route: '/boom',
      status: 500,
    });
  });
});

describe('access log', () => {
  test('one line per request: method, route pattern, status, duration, tenant; no token, no query', async () => {
    const { logger, requests, raw } = capture();
    const a = app(logger);
    const res = await a.request('/api/v1/nothing-here/5?access_token=query-secret-123', {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(404);
    await a.request('/api/v1/nothing-here/5', {
      headers: { authorization: 'Bearer wrong-token-0123456789' },
    });
    const [authed, refused] = requests();
    expect(authed).toMatchObject({
      level: 30,
      method: 'GET',
      route: 'unmatched',
      status: 404,
      tenant: 'acme',
    });
    expect(typeof authed?.durationMs).toBe('number');
    expect(authed?.requestId).toBe(res.headers.get(REQUEST_ID_HEADER));
    expect(refused).toMatchObject({ route: '/api/v1/*', status: 401 });
    expect(refused).not.toHaveProperty('tenant');
    const all = raw.join('');
    for (const secret of [TOKEN, 'wrong-token', 'query-secret-123', 'access_token', 'authorization']) {
      expect(all).not.toContain(secret);
    }
  });

  test('probes and scrapes log at debug unless they fail', async () => {
    const { logger, requests } = capture();
    const a = createApp({ logger, readiness: { checks: { engine: () => 'down' } } });
    await a.request('/healthz');
    await a.request('/metrics');
    await a.request('/readyz');
    expect(requests().map((l) => [l.route, l.status, l.level])).toEqual([
      ['/healthz', 200, 20],
      ['/metrics', 200, 20],
      ['/readyz', 503, 40],
    ]);
  });
});
