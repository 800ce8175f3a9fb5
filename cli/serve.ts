/**
 * `scopilot serve --role …`: open the engine, run the schema migration, start
 * what the role owns, serve HTTP, and drain cleanly on SIGTERM / SIGINT.
 *
 * Every role serves `/healthz` and `/readyz` on the HTTP port so an
 * orchestrator can probe it; `edge` and `all` serve the whole API there.
 */
import type { Config } from '../config/mod.ts';
import { createApp, type HttpServer, serveWithBun } from '../edge/mod.ts';
import { type Logger, openEngine, sleep } from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import { ensureSchema, openStores } from '../kv-schema/mod.ts';
import { DEFAULT_NAMESPACE, isolatedNamespace } from '../streams/mod.ts';
import {
  type RoleContext,
  type Running,
  startDemoRole,
  startEngineRole,
  startSchedulerRole,
  startTailRole,
} from './roles.ts';
import { UsageError } from './usage.ts';

export const Role = {
  All: 'all',
  Edge: 'edge',
  Engine: 'engine',
  Tail: 'tail',
  Threat: 'threat',
  Scheduler: 'scheduler',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

export const ROLES: readonly Role[] = Object.values(Role);

export interface Runtime {
  readonly url: string;
  readonly engine: Engine;
  /** Stop taking work, finish what is in flight, close everything. */
  stop(): Promise<void>;
}

export interface ServeOptions {
  role: Role;
  config: Config;
  logger: Logger;
  /** Feed the simulated campus through the pipeline. */
  demo?: boolean;
}

const runs = (role: Role, part: Role): boolean => role === Role.All || role === part;

export async function serve(options: ServeOptions): Promise<Runtime> {
  const { role, config, logger } = options;
  const ns = config.namespace === undefined ? DEFAULT_NAMESPACE : isolatedNamespace(config.namespace);
  if (config.natsUrl === undefined && role !== Role.All) {
    throw new UsageError(
      `--role ${role} needs NATS: the embedded engine serves one process running every role (--role all). ` +
        'Set SCOPILOT_NATS_URL to run roles as separate processes.',
    );
  }
  const engine = await openEngine({
    natsUrl: config.natsUrl,
    dataDir: config.dataDir,
    name: `scopilot-${role}`,
  });
  logger.info({ engine: engine.kind }, 'engine open');

  let schemaReady = false;
  let stopping = false;
  const schema = (async () => {
    // Retry until the migration succeeds: /readyz stays 503 meanwhile, and says why.
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const report = await ensureSchema(engine, ns, {
          classificationCacheDays: config.sched.classificationCacheDays,
        });
        schemaReady = true;
        logger.info(report, 'schema ensured');
        return;
      } catch (error) {
        logger.warn({ err: error, attempt }, 'schema not ensured yet; retrying');
        await sleep(Math.min(5_000, 200 * attempt));
      }
    }
  })();

  // Each role's parts start once the schema exists; a failure is logged and keeps /readyz at 503.
  let started: Running[] = [];
  let roleError: string | null = null;
  const roles = schema.then(async () => {
    if (stopping) return;
    const ctx: RoleContext = { engine, stores: await openStores(engine, ns), config, ns, logger };
    try {
      if (runs(role, Role.Engine)) started.push(await startEngineRole(ctx));
      if (runs(role, Role.Scheduler)) started.push(await startSchedulerRole(ctx));
      if (runs(role, Role.Tail)) started.push(await startTailRole(ctx));
      if (options.demo) started.push(await startDemoRole(ctx));
    } catch (error) {
      roleError = (error as Error).message;
      logger.error({ err: error }, 'role did not start');
    }
  });

  const app = createApp({
    logger,
    readiness: {
      checks: {
        engine: () => (engine.isConnected() ? null : `${engine.kind} engine not connected`),
        schema: () => (schemaReady ? null : 'streams and buckets not ensured yet'),
        role: () => roleError,
      },
    },
  });
  const http: HttpServer = serveWithBun(app, config.http.host, config.http.port);
  logger.info({ url: http.url }, 'listening');

  return {
    url: http.url,
    engine,
    async stop() {
      stopping = true;
      logger.info('draining');
      await roles;
      for (const part of started.reverse()) await part.stop();
      started = [];
      await http.stop();
      await engine.drain();
      logger.info('stopped');
    },
  };
}
