/**
 * Request ids and access logs. Every request gets an `x-request-id`: the
 * caller's when it is a sane token (so a proxy's id follows the request
 * through), a fresh UUID otherwise. It is echoed on the response, available
 * to handlers as `c.get('requestId')`, and written on one JSON log line per
 * request with method, route pattern, status, duration and, once
 * authenticated, tenant. Never the Authorization header, never the query
 * string (it may carry a token), never the client's address.
 */
import type { Context, MiddlewareHandler } from 'hono';
import type { Logger } from '../engine/log.ts';
import type { Principal } from './auth.ts';
import { routeLabel } from './route-label.ts';

export const REQUEST_ID_HEADER = 'x-request-id';

/** Letters, digits and `._:=-`, at most 128: anything else is replaced, so a log line cannot be forged through it. */
const VALID_ID = /^[A-Za-z0-9._:=-]{1,128}$/;

/** Probes and scrapes arrive every few seconds: logged at debug unless they fail. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export type RequestIdVariables = { requestId: string };

type Env = { Variables: RequestIdVariables & { principal?: Principal } };

export function requestIdOf(c: Context): string | undefined {
  const id: unknown = c.get('requestId' as never);
  return typeof id === 'string' ? id : undefined;
}

export function accessLog(
  logger: Logger,
  newId: () => string = () => crypto.randomUUID(),
): MiddlewareHandler<Env> {
  return async (c, next) => {
    const started = performance.now();
    const incoming = c.req.header(REQUEST_ID_HEADER);
    const requestId = incoming !== undefined && VALID_ID.test(incoming) ? incoming : newId();
    c.set('requestId', requestId);
    try {
      await next();
    } finally {
      c.header(REQUEST_ID_HEADER, requestId);
      const route = routeLabel(c);
      const status = c.res.status;
      const principal = c.get('principal');
      const line = {
        requestId,
        method: c.req.method,
        route,
        status,
        durationMs: Math.round((performance.now() - started) * 1_000) / 1_000,
        ...(principal ? { tenant: principal.tenant } : {}),
      };
      if (status >= 500) logger.warn(line, 'request failed');
      else if (QUIET.has(route) && status < 400) logger.debug(line, 'request');
      else logger.info(line, 'request');
    }
  };
}
