/**
 * Prometheus at the edge: a middleware timing every request by method,
 * route pattern and status, and `/metrics` serving the process registry in
 * the text format. Like `/healthz` it needs no token: it is meant to be
 * scraped on the internal network, and names no IP address or flow id.
 */
import { Hono, type MiddlewareHandler } from 'hono';
import { Metrics } from '../observability/metrics.ts';
import { routeLabel } from './route-label.ts';

export { Metrics };

export function httpMetrics(metrics: Metrics): MiddlewareHandler {
  return async (c, next) => {
    const started = performance.now();
    try {
      await next();
    } finally {
      metrics.observeHttp(c.req.method, routeLabel(c), c.res.status, (performance.now() - started) / 1_000);
    }
  };
}

export function metricsRoutes(metrics: Metrics): Hono {
  const app = new Hono();
  app.get('/metrics', async (c) => {
    const text = await metrics.text();
    return c.body(text, 200, { 'content-type': metrics.contentType, 'cache-control': 'no-store' });
  });
  return app;
}
