/**
 * `scopilot serve --role …`: open the engine, run the schema migration, start
 * what the role owns, serve HTTP, and drain cleanly on SIGTERM / SIGINT.
 *
 * Every role serves `/healthz` and `/readyz` on the HTTP port so an
 * orchestrator can probe it; `edge` and `all` serve the whole API there.
 */
import { hostname } from 'node:os';
import type { Config } from '../config/mod.ts';
import { createApp, type HttpServer, serveWithBun } from '../edge/mod.ts';
import {
  ActorSystem,
  type AnyActorDefinition,
  LeaderLease,
  type Logger,
  openEngine,
  sleep,
} from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import { Bucket, bucketName, ensureSchema, keys } from '../kv-schema/mod.ts';
import { DEFAULT_NAMESPACE, isolatedNamespace, subjectsFor } from '../streams/mod.ts';
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
  /** Actor definitions this process runs (none until the flow actors are registered). */
  actors?: readonly AnyActorDefinition[];
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

  const subjects = subjectsFor(ns);
  const actors = new ActorSystem({
    engine,
    logger,
    stateBucket: bucketName(Bucket.State, ns),
    stateKey: keys.actorState,
    deadSubject: subjects.dead,
    tenantOf: subjects.tenantOf,
    ackWaitMs: config.engine.ackWaitSeconds * 1_000,
    maxDeliver: config.engine.maxDeliver,
    passivateAfterMs: config.engine.passivateAfterSeconds * 1_000,
  });
  const definitions = runs(role, Role.Engine) ? (options.actors ?? []) : [];
  const actorsStarted = schema.then(() => (stopping ? undefined : actors.start(definitions)));
  actorsStarted.catch((error) => logger.error({ err: error }, 'actors did not start'));

  const leaseStarted = runs(role, Role.Scheduler)
    ? schema.then(async () => {
        if (stopping) return null;
        const lease = new LeaderLease({
          bucket: await engine.kv.bucket(bucketName(Bucket.State, ns)),
          key: keys.lease('scheduler'),
          holder: `${hostname()}:${process.pid}:${crypto.randomUUID().slice(0, 8)}`,
          ttlMs: config.engine.leaseSeconds * 1_000,
          logger,
        });
        lease.start();
        return lease;
      })
    : Promise.resolve(null);

  const app = createApp({
    logger,
    readiness: {
      checks: {
        engine: () => (engine.isConnected() ? null : `${engine.kind} engine not connected`),
        schema: () => (schemaReady ? null : 'streams and buckets not ensured yet'),
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
      await (await leaseStarted.catch(() => null))?.stop();
      await actorsStarted.catch(() => undefined);
      await actors.drain();
      await http.stop();
      await engine.drain();
      logger.info('stopped');
    },
  };
}
