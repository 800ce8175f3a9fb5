/** REST: /api/v1/flows (being written). */
import { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './deps.ts';

export function flowsRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>();
}
