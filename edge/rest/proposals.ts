/** REST: /api/v1/proposals (being written). */
import { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './deps.ts';

export function proposalsRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>();
}
