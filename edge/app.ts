/**
 * The Hono app: every HTTP surface of the product hangs off this one app.
 * Web-standard Request/Response only, so the same app runs under Bun.serve
 * and Deno.serve.
 */
import { Hono } from 'hono';
import type { Logger } from '../engine/log.ts';
import { healthRoutes, type Readiness } from './health.ts';
import { problem } from './problem.ts';

export interface EdgeDeps {
  readiness: Readiness;
  logger: Logger;
}

export function createApp(deps: EdgeDeps): Hono {
  const app = new Hono();
  app.route('/', healthRoutes(deps.readiness));
  app.notFound((c) =>
    problem({ title: 'Not found', status: 404, detail: `no route for ${c.req.method} ${c.req.path}` }),
  );
  app.onError((error, c) => {
    deps.logger.error({ err: error, path: c.req.path }, 'unhandled error');
    return problem({
      title: 'Internal error',
      status: 500,
      detail: 'the server failed; the error is logged',
    });
  });
  return app;
}
