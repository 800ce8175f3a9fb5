/**
 * The Hono app: every HTTP surface of the product hangs off this one app.
 * Web-standard Request/Response only, so the same app runs under Bun.serve
 * and Deno.serve.
 */
import { Hono } from 'hono';
import type { Logger } from '../engine/log.ts';
import type { Authenticator } from './auth.ts';
import { healthRoutes, type Readiness } from './health.ts';
import { HttpError, problem } from './problem.ts';
import type { ApiDeps } from './rest/deps.ts';
import { apiRoutes } from './rest/mod.ts';

export interface EdgeDeps {
  readiness: Readiness;
  logger: Logger;
  /** The REST API, for roles that serve it (`edge`, `all`); answers 503 until `ready()`. */
  api?: { deps: ApiDeps; auth: Authenticator; ready: () => boolean };
}

export function createApp(deps: EdgeDeps): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(deps.readiness));
  const api = deps.api;
  if (api) {
    app.use('/api/v1/*', async (_c, next) => {
      if (api.ready()) return next();
      return problem({
        title: 'Service unavailable',
        status: 503,
        detail: 'starting: the engine and its schema are not ready yet',
      });
    });
    app.route('/api/v1', apiRoutes(api.deps, api.auth));
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
