/** REST: /api/v1/sgts (being written). */
import { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './deps.ts';

export function sgtsRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>();
}
