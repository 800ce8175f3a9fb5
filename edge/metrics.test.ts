/**
 * /metrics: the Prometheus text of the process registry, and the request
 * histogram labelled by route pattern (never the raw path).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { loadConfig } from '../config/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { openStores } from '../kv-schema/mod.ts';
import { subjectsFor } from '../streams/mod.ts';
import { openTestEmbedded, type TestEngine } from '../test/support/engines.ts';
import { sample } from '../test/support/metrics.ts';
import { createApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { httpMetrics, Metrics } from './metrics.ts';

const TOKEN = 'acme-admin-token-0123456789';
const HISTOGRAM = 'scopilot_http_request_duration_seconds';

describe('/metrics', () => {
  let te: TestEngine;
  let metrics: Metrics;
  let app: Hono;
  const get = (path: string, token?: string) =>
    Promise.resolve(
      app.request(`http://edge.test${path}`, token ? { headers: { authorization: `Bearer ${token}` } } : {}),
    );
  const scrape = async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    return res.text();
  };

  beforeAll(async () => {
    te = await openTestEmbedded();
    const stores = await openStores(te.engine, te.ns);
    const logger = silentLogger();
    metrics = new Metrics({ role: 'edge' });
    app = createApp({
      logger,
      metrics,
      readiness: { checks: { engine: () => null } },
      api: {
        auth: new Authenticator({
          requireAuth: true,
          defaultTenant: 'acme',
          apiKeys: [{ token: TOKEN, tenant: 'acme', role: 'admin' }],
        }),
        ready: () => true,
        deps: {
          engine: te.engine,
          stores,
          ns: te.ns,
          subjects: subjectsFor(te.ns),
          config: loadConfig({}),
          logger,
        },
      },
    });
  });
  afterAll(async () => {
    await te.dispose();
  });

  test('serves the Prometheus text format without a token, with process metrics', async () => {
    const res = await get('/metrics');
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/plain; version=0.0.4');
    const text = await res.text();
    expect(text).toContain('# TYPE scopilot_http_request_duration_seconds histogram');
    expect(sample(text, 'process_cpu_seconds_total')).toBeGreaterThanOrEqual(0);
    expect(sample(text, 'scopilot_info', { role: 'edge' })).toBe(1);
    expect(text).not.toContain('nodejs_eventloop_lag_min_seconds 9223372036');
  });

  test('counts requests by method, route pattern and status', async () => {
    const before = await scrape();
    const count = (text: string, labels: Record<string, string>) =>
      sample(text, `${HISTOGRAM}_count`, { method: 'GET', ...labels }) ?? 0;
    for (let i = 0; i < 3; i++) expect((await get('/healthz')).status).toBe(200);
    expect((await get('/no/such/thing-42')).status).toBe(404);
    expect((await get('/api/v1/sgts')).status).toBe(401);
    expect((await get('/api/v1/no-such-resource/7', TOKEN)).status).toBe(404);
    const after = await scrape();
    expect(
      count(after, { route: '/healthz', status: '200' }) -
        count(before, { route: '/healthz', status: '200' }),
    ).toBe(3);
    expect(
      count(after, { route: 'unmatched', status: '404' }) -
        count(before, { route: 'unmatched', status: '404' }),
    ).toBe(2);
    expect(count(after, { route: '/api/v1/*', status: '401' })).toBe(1);
    // The scrape itself is timed too; the bucket for +Inf equals the count.
    expect(sample(after, `${HISTOGRAM}_bucket`, { route: '/healthz', le: '+Inf' })).toBe(
      count(after, { route: '/healthz', status: '200' }),
    );
    expect(sample(after, `${HISTOGRAM}_sum`, { route: '/healthz' })).toBeGreaterThan(0);
    // Raw paths never become labels.
    expect(after).not.toContain('thing-42');
    expect(after).not.toContain('no-such-resource');
  });
});

describe('route labels', () => {
  test('are the registered pattern, through mounted sub-apps, whatever the status', async () => {
    const metrics = new Metrics({ defaults: false });
    const things = new Hono();
    things.get('/:id', (c) => c.json({ id: c.req.param('id') }));
    things.delete('/:id', (c) => c.json({ title: 'gone' }, 404));
    things.get('/:id/boom', () => {
      throw new Error('boom');
    });
    const app = new Hono();
    app.use('*', httpMetrics(metrics));
    app.route('/things', things);
    app.onError((_e, c) => c.text('failed', 500));
    await app.request('/things/10.0.0.1');
    await app.request('/things/abc', { method: 'DELETE' });
    await app.request('/things/abc/boom');
    await app.request('/things/abc', { method: 'PROPFIND' });
    const text = await metrics.text();
    const count = (labels: Record<string, string>) => sample(text, `${HISTOGRAM}_count`, labels);
    expect(count({ method: 'GET', route: '/things/:id', status: '200' })).toBe(1);
    expect(count({ method: 'DELETE', route: '/things/:id', status: '404' })).toBe(1);
    expect(count({ method: 'GET', route: '/things/:id/boom', status: '500' })).toBe(1);
    expect(count({ method: 'OTHER', route: 'unmatched', status: '404' })).toBe(1);
    expect(text).not.toContain('10.0.0.1');
  });
});

describe('claude usage', () => {
  test('is read from the client at scrape time', async () => {
    const metrics = new Metrics({ defaults: false });
    const usage = {
      calls: 0,
      attempts: 0,
      inputTokens: 0,
      outputTokens: 0,
      cacheReadTokens: 0,
      cacheWriteTokens: 0,
    };
    metrics.addClaudeUsage(() => usage);
    expect(sample(await metrics.text(), 'scopilot_claude_calls_total')).toBe(0);
    Object.assign(usage, {
      calls: 2,
      attempts: 3,
      inputTokens: 120,
      outputTokens: 40,
      cacheReadTokens: 900,
      cacheWriteTokens: 1800,
    });
    const text = await metrics.text();
    expect(text).toContain('# TYPE scopilot_claude_tokens_total counter');
    expect(sample(text, 'scopilot_claude_calls_total')).toBe(2);
    expect(sample(text, 'scopilot_claude_attempts_total')).toBe(3);
    expect(sample(text, 'scopilot_claude_tokens_total', { type: 'input' })).toBe(120);
    expect(sample(text, 'scopilot_claude_tokens_total', { type: 'output' })).toBe(40);
    expect(sample(text, 'scopilot_claude_tokens_total', { type: 'cache_read' })).toBe(900);
    expect(sample(text, 'scopilot_claude_tokens_total', { type: 'cache_write' })).toBe(1800);
  });
});
