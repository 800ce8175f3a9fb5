/**
 * `scopilot serve --role …`: open the engine, run the schema migration, start
 * what the role owns, serve HTTP, and drain cleanly on SIGTERM / SIGINT.
 *
 * Every role serves `/healthz` and `/readyz` on the HTTP port so an
 * orchestrator can probe it; `edge` and `all` serve the whole API there.
 */
import { type Config, describeNats, natsAccess } from '../config/mod.ts';
import { createApp, type HttpServer, serveWithBun } from '../edge/mod.ts';
import { webexWebhook } from '../edge/webex/mod.ts';
import { type Logger, openEngine, StoreProbe, sleep } from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import type { IseSync } from '../integrations/ise/sync/types.ts';
import { createThreatIntel, type ThreatIntel } from '../integrations/threat-intel/mod.ts';
import { roomsFromSettings } from '../integrations/webex/mod.ts';
import {
  Bucket,
  bucketName,
  ensureSchema,
  keys,
  openStores,
  SharedRateLimiter,
  type Stores,
} from '../kv-schema/mod.ts';
import { readLeases } from '../observability/cluster.ts';
import { Metrics } from '../observability/metrics.ts';
import { DEFAULT_NAMESPACE, isolatedNamespace, streamConfigs, subjectsFor } from '../streams/mod.ts';
import {
  type RoleContext,
  type Running,
  startDemoRole,
  startEngineRole,
  startSchedulerRole,
  startTailRole,
  startThreatRole,
  webexApi,
} from './roles.ts';
import { apiAccess, startupMessage } from './serve-access.ts';
import { iseSetup, startIseDrift } from './serve-ise.ts';
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
  // ISE settings first: an unreadable CA or password file stops start-up (exit 2) before anything opens.
  // The demo's simulated ISE lives in this process: only a process running every role can share it.
  const ise = await iseSetup(config, logger, options.demo === true && role === Role.All);
  // NATS credential and TLS files likewise: read now, a bad one is a ConfigError (exit 2).
  const nats = natsAccess(config);
  if (nats) logger.info(describeNats(nats), 'nats settings');
  const { servers: _seeds, replicas: _replicas, ...natsAuth } = nats ?? { servers: [], replicas: 1 };
  const engine = await openEngine({
    natsUrl: config.natsUrl,
    dataDir: config.dataDir,
    name: config.natsName ?? `scopilot-${role}`,
    nats: natsAuth,
  });
  logger.info({ engine: engine.kind }, 'engine open');
  const metrics = new Metrics({ role });

  let schemaReady = false;
  let stopping = false;
  const schema = (async () => {
    // Retry until the migration succeeds: /readyz stays 503 meanwhile, and says why.
    for (let attempt = 1; !stopping; attempt++) {
      try {
        const report = await ensureSchema(engine, ns, {
          classificationCacheDays: config.sched.classificationCacheDays,
          // Only on NATS: the embedded engine keeps one copy whatever is asked.
          ...(nats ? { replicas: nats.replicas } : {}),
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
  /** Null once every part of the role runs; until then what it is waiting for, or what failed. */
  let roleError: string | null = 'starting';
  let stores: Stores | null = null;
  const storesNow = (): Stores => {
    if (stores === null) throw new Error('stores are not open yet');
    return stores;
  };
  // One threat-intel instance per process: REST lookups and the watch share its cache and rate limits.
  let threatIntel: ThreatIntel | null = null;
  // One ISE sync per process, for the tenants with ISE settings: the API and the drift check share it.
  let iseSync: IseSync | undefined;
  let probe: StoreProbe | null = null;
  const roles = schema.then(async () => {
    if (stopping) return;
    probe = new StoreProbe(await engine.kv.bucket(bucketName(Bucket.State, ns)), keys.storeProbe());
    await probe.start();
    const opened = await openStores(engine, ns);
    const ctx: RoleContext = { engine, stores: opened, config, ns, logger, metrics };
    stores = opened;
    try {
      if (runs(role, Role.Edge) || runs(role, Role.Scheduler)) iseSync = ise.build(ctx);
      if (runs(role, Role.Edge) || runs(role, Role.Threat)) {
        // Provider quotas are shared by every replica through the state bucket.
        const shared = new SharedRateLimiter(await engine.kv.bucket(bucketName(Bucket.State, ns)));
        threatIntel = await createThreatIntel(config.threat, { stores: opened, logger, shared });
      }
      if (runs(role, Role.Engine)) started.push(await startEngineRole(ctx));
      if (runs(role, Role.Scheduler)) started.push(await startSchedulerRole(ctx));
      if (runs(role, Role.Scheduler) && iseSync) {
        started.push(
          await startIseDrift(
            ctx,
            iseSync,
            ise.connections.map((c) => c.tenant),
          ),
        );
      }
      if (runs(role, Role.Tail)) started.push(await startTailRole(ctx));
      if (runs(role, Role.Threat) && threatIntel) started.push(await startThreatRole(ctx, threatIntel));
      if (options.demo) started.push(await startDemoRole(ctx));
      roleError = null;
    } catch (error) {
      roleError = (error as Error).message;
      logger.error({ err: error }, 'role did not start');
    }
  });

  metrics.setActivations(() => {
    const all: Record<string, number> = {};
    for (const part of started) Object.assign(all, part.activations?.());
    return all;
  });
  // Consumer lag and replication, from every process (cluster-wide facts: aggregate with max).
  metrics.watchCluster({
    connected: () => engine.isConnected(),
    read: async () => {
      const names = {
        streams: streamConfigs(ns).map((s) => s.name),
        buckets: Object.values(Bucket).map((b) => bucketName(b, ns)),
      };
      const [health, leases] = await Promise.all([
        engine.log.health?.(names) ?? { streams: [], consumers: [] },
        schemaReady ? engine.kv.bucket(bucketName(Bucket.State, ns)).then((b) => readLeases(b)) : [],
      ]);
      return { ...health, leases };
    },
  });
  const sources = () => started.flatMap((part) => part.sources?.() ?? []);
  metrics.watchSources(sources);
  // Store-wide facts (flows, proposals, decisions) come from the processes serving the API only.
  if (runs(role, Role.Edge)) metrics.watchStores(() => stores);
  if (ise.connections.length > 0 && runs(role, Role.Edge)) {
    metrics.watchIse(async () => {
      const sync = iseSync;
      if (sync === undefined) return [];
      const statuses = await Promise.all(ise.connections.map((c) => sync.status(c.tenant).catch(() => null)));
      return statuses.flatMap((s) =>
        s?.lastDrift === undefined ? [] : [{ tenant: s.tenant, cells: s.lastDrift.count }],
      );
    });
  }
  const api = webexApi(config);
  const secret = config.webex.webhookSecret;
  const webex =
    runs(role, Role.Edge) && api && secret
      ? webexWebhook({
          engine,
          get stores() {
            return storesNow();
          },
          ns,
          subjects: subjectsFor(ns),
          api,
          secret,
          rooms: roomsFromSettings(config.webex, config.defaultTenantId),
          allowedApprovers: config.webex.allowedApprovers,
          logger,
          ready: () => stores !== null,
        })
      : null;
  const access = runs(role, Role.Edge) ? apiAccess(config, logger) : null;
  const app = createApp({
    logger,
    metrics,
    ...(webex ? { webex } : {}),
    ...(access
      ? {
          api: {
            auth: access.auth,
            ready: () => stores !== null,
            deps: {
              engine,
              get stores(): Stores {
                return storesNow();
              },
              get threat(): ThreatIntel | undefined {
                return threatIntel ?? undefined;
              },
              get ise(): IseSync | undefined {
                return iseSync;
              },
              ns,
              subjects: subjectsFor(ns),
              config,
              logger,
              ingestMetrics: metrics.ingest,
              quotaMetrics: metrics.quota,
            },
          },
        }
      : {}),
    readiness: {
      checks: {
        engine: () =>
          engine.isConnected()
            ? null
            : (engine.connectionProblem?.() ?? `${engine.kind} engine not connected`),
        schema: () => (schemaReady ? null : 'streams and buckets not ensured yet'),
        role: () => roleError,
        store: () => probe?.status() ?? null,
        consumers: () => stoppedConsumers(started),
      },
      ...(runs(role, Role.Tail) ? { details: { sources } } : {}),
    },
  });
  const http: HttpServer = serveWithBun(app, config.http.host, config.http.port);
  logger.info({ url: http.url }, 'listening');
  if (access) {
    const { bootstrapToken } = access;
    console.error(
      startupMessage({
        url: http.url,
        tenant: config.defaultTenantId,
        ...(bootstrapToken === undefined ? {} : { bootstrapToken }),
      }),
    );
  }

  return {
    url: http.url,
    engine,
    async stop() {
      stopping = true;
      probe?.stop();
      logger.info('draining');
      await roles;
      for (const part of started.reverse()) await part.stop();
      started = [];
      await http.stop();
      await webex?.drain();
      await engine.drain();
      await ise.close();
      logger.info('stopped');
    },
  };
}

/** Null while every actor consumer runs; otherwise which stopped and why (they restart with backoff). */
export function stoppedConsumers(parts: readonly Running[]): string | null {
  const stopped = parts.flatMap((part) => part.consumers?.() ?? []).filter((c) => !c.running);
  if (stopped.length === 0) return null;
  return stopped
    .map((c) => `${c.kind} consumer stopped (${c.error}), restart attempt ${c.attempt}`)
    .join('; ');
}
