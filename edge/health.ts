/**
 * Liveness and readiness. `/healthz` says the process answers; `/readyz`
 * says it can do its job: the engine is connected and the schema ensured.
 */
import { Hono } from 'hono';
import { problem } from './problem.ts';

export interface Readiness {
  /** Each check returns null when fine, or what is wrong. */
  checks: Record<string, () => string | null>;
  /**
   * Shown in the answer without deciding it, e.g. each log source's health:
   * a switch that stopped talking is worth seeing, not a reason to take the
   * process out of service.
   */
  details?: Record<string, () => unknown>;
}

export function healthRoutes(readiness: Readiness): Hono {
  const app = new Hono();
  app.get('/healthz', (c) => c.json({ status: 'ok' }));
  app.get('/readyz', (c) => {
    const results = Object.entries(readiness.checks).map(([name, check]) => [name, check()] as const);
    const failing = results.filter(([, why]) => why !== null);
    const details = Object.fromEntries(
      Object.entries(readiness.details ?? {}).map(([n, read]) => [n, read()]),
    );
    if (failing.length === 0) {
      return c.json({
        status: 'ready',
        checks: Object.fromEntries(results.map(([n]) => [n, 'ok'])),
        ...details,
      });
    }
    return problem({
      title: 'Not ready',
      status: 503,
      detail: failing.map(([name, why]) => `${name}: ${why}`).join('; '),
      checks: Object.fromEntries(results.map(([n, why]) => [n, why ?? 'ok'])),
      ...details,
    });
  });
  return app;
}
