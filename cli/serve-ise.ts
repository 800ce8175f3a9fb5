/**
 * Cisco ISE in `scopilot serve`: each tenant's connection resolved from the
 * settings before anything opens (an unreadable CA file stops start-up,
 * exit 2), one ERS client per tenant and one IseSync per process shared by
 * the REST API, the dashboard, MCP and the drift check, and the drift check
 * itself: the scheduler role compares every configured tenant's approved
 * matrix with ISE every `SCOPILOT_ISE__DRIFT_INTERVAL_MINUTES`, on the
 * process holding its lease only.
 *
 * With `--demo` and no ISE settings for the default tenant, a loopback ISE
 * simulator holding the demo campus's tags stands in for ISE, so the whole
 * path from a flow to a cell in ISE can be shown.
 */
import { CAMPUS_SGTS } from '../actors/demo/campus.ts';
import { type Config, describeIse, type IseConnection, iseConnections } from '../config/mod.ts';
import type { Logger } from '../engine/mod.ts';
import { createIseClient } from '../integrations/ise/mod.ts';
import { createIseSync, type IseSync } from '../integrations/ise/sync/mod.ts';
import { subjectsFor } from '../streams/mod.ts';
import { startLeaderLoop } from './leader-loop.ts';
import type { RoleContext, Running } from './roles.ts';

export interface IseSetup {
  /** Tenants with an ISE connection, the default tenant first. */
  connections: readonly IseConnection[];
  /** The sync over the opened stores; undefined when no tenant has ISE. */
  build(ctx: RoleContext): IseSync | undefined;
  /** Stops the demo simulator, if one runs. */
  close(): Promise<void>;
}

/**
 * Resolves every tenant's ISE (throws ConfigError on an unreadable file) and,
 * for the demo without ISE settings, starts the simulator for the default tenant.
 */
export async function iseSetup(config: Config, logger: Logger, demo: boolean): Promise<IseSetup> {
  const connections = iseConnections(config);
  let close = async (): Promise<void> => undefined;
  if (demo && !connections.some((c) => c.tenant === config.defaultTenantId)) {
    const { DEFAULT_SIMULATOR_USER, startIseSimulator } = await import(
      '../integrations/ise/simulator/mod.ts'
    );
    const simulator = await startIseSimulator({
      tags: Object.entries(CAMPUS_SGTS)
        .filter(([tag]) => tag !== '0')
        .map(([tag, name]) => ({ name, value: Number(tag), description: 'demo campus' })),
    });
    close = () => simulator.close();
    connections.unshift({
      tenant: config.defaultTenantId,
      url: simulator.url,
      username: DEFAULT_SIMULATOR_USER.username,
      password: DEFAULT_SIMULATOR_USER.password,
      caPem: simulator.caPem,
      insecure: false,
      monitorSoakMs: config.ise.monitorSoak,
      denyDefaultMinReadiness: config.ise.denyDefaultMinReadiness,
    });
    logger.info(
      { tenant: config.defaultTenantId, ise: simulator.url, username: DEFAULT_SIMULATOR_USER.username },
      'demo: a simulated ISE (ERS API, the campus tags) stands in for Cisco ISE: scopilot ise plan --stage monitor, then push',
    );
  }
  for (const c of connections) logger.info(describeIse(c), 'ISE configured');
  return {
    connections,
    build: (ctx) => (connections.length === 0 ? undefined : buildSync(ctx, connections)),
    close,
  };
}

function buildSync(ctx: RoleContext, connections: readonly IseConnection[]): IseSync {
  const byTenant = new Map(connections.map((c) => [c.tenant, c]));
  // One client per tenant, made now: a client made with `insecure` logs its warning at every start.
  const clients = new Map(
    connections.map((c) => [
      c.tenant,
      createIseClient({
        url: c.url,
        username: c.username,
        password: c.password,
        ...(c.caPem === undefined ? {} : { caPem: c.caPem }),
        ...(c.insecure ? { insecure: true } : {}),
        logger: ctx.logger,
      }),
    ]),
  );
  return createIseSync({
    engine: ctx.engine,
    ns: ctx.ns,
    stores: ctx.stores,
    subjects: subjectsFor(ctx.ns),
    clientFor: (tenant) => clients.get(tenant),
    urlFor: (tenant) => byTenant.get(tenant)?.url,
    settingsFor: (tenant) => {
      const c = byTenant.get(tenant);
      return c === undefined
        ? undefined
        : { monitorSoakMs: c.monitorSoakMs, denyDefaultMinReadiness: c.denyDefaultMinReadiness };
    },
  });
}

/**
 * The drift check, on the lease holder only: a run as it takes over, then
 * every interval. One tenant's failure (ISE down) is logged and does not
 * stop the others.
 */
export async function startIseDrift(
  ctx: RoleContext,
  sync: IseSync,
  tenants: readonly string[],
): Promise<Running> {
  const { logger } = ctx;
  // A run slower than the interval (a slow ISE) is not started twice.
  return startLeaderLoop(ctx, 'ise-drift', ctx.config.ise.driftIntervalMinutes * 60_000, async () => {
    for (const tenant of tenants) {
      try {
        const drift = await sync.drift(tenant);
        logger.info({ tenant, drift: drift.length }, 'ISE drift checked');
      } catch (error) {
        logger.warn({ err: error, tenant }, 'ISE drift check failed');
      }
    }
  });
}
