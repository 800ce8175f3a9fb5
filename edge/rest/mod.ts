/**
 * The REST API under `/api/v1` (DESIGN §9): authentication first, then one
 * router per resource. Each router is a function of the API's dependencies.
 */
import { Hono } from 'hono';
import type { Authenticator } from '../auth.ts';
import { Sessions } from '../sessions.ts';
import { classificationsRoutes } from './classifications.ts';
import { denySimulationRoutes, flowExplainRoutes } from './coverage.ts';
import type { ApiDeps, ApiEnv } from './deps.ts';
import { flowsRoutes } from './flows.ts';
import { historyRoutes } from './history.ts';
import { ingestRoutes } from './ingest.ts';
import { iseRoutes } from './ise.ts';
import { matrixRoutes } from './matrix.ts';
import { proposalsRoutes } from './proposals.ts';
import { proposalsSummaryRoutes } from './proposals-summary.ts';
import { quotasRoutes } from './quotas.ts';
import { runsRoutes } from './runs.ts';
import { stagedRunsRoutes } from './runs-staged.ts';
import { sgtsRoutes } from './sgts.ts';
import { threatRoutes } from './threat.ts';

export type RouteModule = (deps: ApiDeps) => Hono<ApiEnv>;

/** Resource routers, mounted under /api/v1 in this order (a path may take a second router beside its first). */
export const ROUTES: [string, RouteModule][] = [
  ['/runs', runsRoutes],
  ['/runs', stagedRunsRoutes],
  ['/ingest', ingestRoutes],
  ['/sgts', sgtsRoutes],
  ['/flows', flowsRoutes],
  ['/flows', flowExplainRoutes],
  ['/classifications', classificationsRoutes],
  // Before the proposals router: its `/:id` would take `summary` for an id.
  ['/proposals', proposalsSummaryRoutes],
  ['/proposals', proposalsRoutes],
  ['/matrix', matrixRoutes],
  ['/matrix', denySimulationRoutes],
  ['/threat-intel', threatRoutes],
  ['/ise', iseRoutes],
  ['/metrics', historyRoutes],
  ['/quotas', quotasRoutes],
];

export function apiRoutes(deps: ApiDeps, auth: Authenticator): Hono<ApiEnv> {
  const api = new Hono<ApiEnv>();
  // The dashboard's session cookie is taken too (its upload form and live flows call the API).
  api.use('*', auth.middleware(new Sessions({ engine: deps.engine, ns: deps.ns, auth })));
  for (const [path, routes] of ROUTES) api.route(path, routes(deps));
  return api;
}
