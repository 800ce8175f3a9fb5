/**
 * The route a request matched, as its pattern (`/api/v1/proposals/:id`),
 * never the raw path: a label with the raw path would grow without bound
 * and would carry ids into metrics. Read after the handlers ran.
 */
import type { Context } from 'hono';
import { matchedRoutes } from 'hono/route';
import { findTargetHandler, isMiddleware } from 'hono/utils/handler';

/** Requests no route answered (the not-found handler did). */
export const UNMATCHED = 'unmatched';

export function routeLabel(c: Context): string {
  const route = matchedRoutes(c)[c.req.routeIndex];
  if (route === undefined) return UNMATCHED;
  // The last code that ran was middleware (`app.use`) and nothing answered: the not-found handler did.
  if (c.res.status === 404 && isMiddleware(findTargetHandler(route.handler))) return UNMATCHED;
  return route.path;
}
