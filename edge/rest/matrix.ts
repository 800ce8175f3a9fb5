/** REST: /api/v1/matrix (being written). */
import { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './deps.ts';

export function matrixRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>();
}
