/**
 * The REST API on a test engine, called in-process through the app's fetch
 * (the same Hono app `serve` runs). Tokens for three roles of tenant `acme`
 * and an admin of another tenant, `globex`.
 */
import { Hono } from 'hono';
import { loadConfig } from '../../config/mod.ts';
import { createApp } from '../../edge/app.ts';
import { Authenticator } from '../../edge/auth.ts';
import type { ApiDeps, ApiEnv } from '../../edge/rest/deps.ts';
import { silentLogger } from '../../engine/log.ts';
import { openStores, type Stores } from '../../kv-schema/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';
import type { TestEngine } from './engines.ts';

export const TOKENS = {
  admin: 'acme-admin-token-0123456789',
  operator: 'acme-operator-token-0123456789',
  viewer: 'acme-viewer-token-0123456789',
  other: 'globex-admin-token-0123456789',
} as const;

export interface TestApi {
  app: Hono;
  stores: Stores;
  /** `fetch` against the app; `token` picks the bearer (none when omitted). */
  request(path: string, init?: RequestInit & { token?: string }): Promise<Response>;
}

/** What the API's routers get, for a test engine. */
export async function testDeps(te: TestEngine): Promise<ApiDeps> {
  return {
    engine: te.engine,
    stores: await openStores(te.engine, te.ns),
    ns: te.ns,
    subjects: subjectsFor(te.ns),
    config: loadConfig({}),
    logger: silentLogger(),
  };
}

/**
 * The app with one router mounted at `/api/v1<path>`, built by the test (to
 * pass it options such as a small size limit), behind `acme`'s operator token.
 */
export async function appWithRouter(
  te: TestEngine,
  path: string,
  router: (deps: ApiDeps) => Hono<ApiEnv>,
): Promise<Hono> {
  const deps = await testDeps(te);
  const auth = new Authenticator({
    requireAuth: true,
    defaultTenant: 'acme',
    apiKeys: [{ token: TOKENS.operator, tenant: 'acme', role: 'operator' }],
  });
  const app = createApp({ logger: deps.logger, readiness: { checks: {} } });
  const api = new Hono<ApiEnv>();
  api.use('*', auth.middleware());
  api.route(path, router(deps));
  app.route('/api/v1', api);
  return app;
}

export async function startApi(te: TestEngine, over: Partial<ApiDeps> = {}): Promise<TestApi> {
  const deps = { ...(await testDeps(te)), ...over };
  const auth = new Authenticator({
    requireAuth: true,
    defaultTenant: 'acme',
    apiKeys: [
      { token: TOKENS.admin, tenant: 'acme', role: 'admin' },
      { token: TOKENS.operator, tenant: 'acme', role: 'operator' },
      { token: TOKENS.viewer, tenant: 'acme', role: 'viewer' },
      { token: TOKENS.other, tenant: 'globex', role: 'admin' },
    ],
  });
  const app = createApp({
    logger: deps.logger,
    readiness: { checks: {} },
    api: { auth, ready: () => true, deps },
  });
  return {
    app,
    stores: deps.stores,
    request: (path, init = {}) => {
      const headers = new Headers(init.headers);
      if (init.token) headers.set('authorization', `Bearer ${init.token}`);
      return Promise.resolve(app.request(`http://api.test${path}`, { ...init, headers }));
    },
  };
}
