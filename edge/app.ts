/**
 * The Hono app: every HTTP surface of the product hangs off this one app.
 * Web-standard Request/Response only, so the same app runs under Bun.serve
 * and Deno.serve.
 */
import { Hono } from 'hono';
import type { Logger } from '../engine/log.ts';
import { Bucket, bucketName, SharedRateLimiter } from '../kv-schema/mod.ts';
import { accessLog } from './access-log.ts';
import type { Authenticator } from './auth.ts';
import { healthRoutes, type Readiness } from './health.ts';
import { mcpRoutes } from './mcp/mod.ts';
import { httpMetrics, Metrics, metricsRoutes } from './metrics.ts';
import { HttpError, problem } from './problem.ts';
import { CallerIdentity, CallerRateLimiter, rateLimit } from './rate-limit.ts';
import type { ApiDeps } from './rest/deps.ts';
import { apiRoutes } from './rest/mod.ts';
import { openapiRoute } from './rest/openapi.ts';
import { Sessions } from './sessions.ts';
import { uiRoutes } from './ui/mod.ts';
import type { WebexWebhook } from './webex/mod.ts';

export interface EdgeDeps {
  readiness: Readiness;
  logger: Logger;
  /** The REST API, for roles that serve it (`edge`, `all`); answers 503 until `ready()`. */
  api?: { deps: ApiDeps; auth: Authenticator; ready: () => boolean };
  /** The process registry served at /metrics (a bare one when absent). */
  metrics?: Metrics;
  /** The WebEx bot's webhook, where WebEx is configured: signed by WebEx, so outside bearer auth. */
  webex?: WebexWebhook;
}

export function createApp(deps: EdgeDeps): Hono {
  const app = new Hono();
  const metrics = deps.metrics ?? new Metrics({ defaults: false });
  app.use('*', accessLog(deps.logger));
  app.use('*', httpMetrics(metrics));
  app.route('/', healthRoutes(deps.readiness));
  app.route('/', metricsRoutes(metrics));
  if (deps.webex) app.route('/webhooks/webex', deps.webex.routes);
  const api = deps.api;
  if (api) {
    // The API description is public: registered before the readiness gate and authentication.
    app.route('/', openapiRoute());
    app.use('/api/v1/*', async (_c, next) => {
      if (api.ready()) return next();
      return problem({
        title: 'Service unavailable',
        status: 503,
        detail: 'starting: the engine and its schema are not ready yet',
      });
    });
    const perMinute = api.deps.config.api.requestsPerMinute;
    if (perMinute > 0) {
      // Every caller's requests per minute, one budget for all edge replicas (edge/rate-limit.ts).
      const { engine, ns } = api.deps;
      let shared: Promise<SharedRateLimiter> | undefined;
      const openShared = (): Promise<SharedRateLimiter> => {
        shared ??= engine.kv.bucket(bucketName(Bucket.Sessions, ns)).then((b) => new SharedRateLimiter(b));
        shared.catch(() => {
          shared = undefined;
        });
        return shared;
      };
      app.use(
        '*',
        rateLimit({
          limiter: new CallerRateLimiter({ perMinute, shared: openShared }),
          identity: new CallerIdentity(api.auth, new Sessions({ engine, ns, auth: api.auth })),
          logger: deps.logger,
          metrics: metrics.quota,
        }),
      );
    }
    app.route('/api/v1', apiRoutes(api.deps, api.auth));
    app.route(
      '/',
      mcpRoutes({
        auth: api.auth,
        fetch: (r) => app.fetch(r),
        gates: {
          dictionaryEdit: api.deps.config.mcp.allowDictionaryEdit,
          rollback: api.deps.config.mcp.allowRollback,
          iseWrite: api.deps.config.mcp.allowIseWrite,
        },
        logger: deps.logger,
      }),
    );
    app.route('/ui', uiRoutes(api.deps, api.auth, api.ready));
    // A person who types the bare address wants the dashboard.
    app.get('/', (c) => c.redirect('/ui', 302));
  }
  app.notFound((c) =>
    problem({ title: 'Not found', status: 404, detail: `no route for ${c.req.method} ${c.req.path}` }),
  );
  app.onError((error, c) => {
    if (error instanceof HttpError) {
      return problem({
        title: error.title,
        status: error.status,
        detail: error.message,
        ...error.extensions,
      });
    }
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return problem({
      title: 'Internal error',
      status: 500,
      detail: 'the server failed; the error is logged',
    });
  });
  return app;
}
