/** REST: /api/v1/ingest (being written). */
import { Hono } from 'hono';
import type { ApiDeps, ApiEnv } from './deps.ts';

export function ingestRoutes(_deps: ApiDeps): Hono<ApiEnv> {
  return new Hono<ApiEnv>();
}
