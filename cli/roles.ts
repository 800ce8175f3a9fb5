/**
 * What each role runs once the engine is open and the schema ensured:
 * `engine` the flow actors and the matrix keeper, `scheduler` the
 * leader-elected scheduler, `tail` the file tails; `--demo` adds the simulated campus.
 */
import { startDemo } from '../actors/demo/feeder.ts';
import {
  flowActors,
  iseDriftNotifierActor,
  notifierActor,
  serveMatrixKeeper,
  threatWatchActor,
} from '../actors/mod.ts';
import { Scheduler } from '../actors/scheduler/scheduler.ts';
import { LinesQuota } from '../actors/tail/quota.ts';
import type { LogSource, SourceHealth } from '../actors/tail/source.ts';
import { SyslogReceiver } from '../actors/tail/syslog/mod.ts';
import { FileTail } from '../actors/tail/tail.ts';
import type { Config } from '../config/mod.ts';
import type { ClassifierMode } from '../domain/classify/classifier.ts';
import { ActorSystem, type ConsumerHealth, type Logger } from '../engine/mod.ts';
import type { Engine } from '../engine/types.ts';
import { SharedLlmCallLimits } from '../integrations/anthropic/call-limits.ts';
import { AnthropicClassifier } from '../integrations/anthropic/client.ts';
import type { ThreatIntel } from '../integrations/threat-intel/mod.ts';
import { roomsFromSettings, WebexClient } from '../integrations/webex/mod.ts';
import { Bucket, bucketName, keys, SharedRateLimiter, type Stores } from '../kv-schema/mod.ts';
import type { Metrics } from '../observability/metrics.ts';
import type { Namespace } from '../streams/mod.ts';
import { subjectsFor } from '../streams/mod.ts';
import { startLeaderLoop } from './leader-loop.ts';
import { sshTail } from './ssh-tail.ts';

export interface RoleContext {
  engine: Engine;
  stores: Stores;
  config: Config;
  ns: Namespace;
  logger: Logger;
  metrics?: Metrics;
}

export interface Running {
  stop(): Promise<void>;
  /** Live actor activations per kind, when this role runs actors. */
  activations?: () => Record<string, number>;
  /** Each actor kind's consumer, when this role runs actors. */
  consumers?: () => ConsumerHealth[];
  /** Each log source's health, when this role reads logs. */
  sources?: () => SourceHealth[];
}

export async function startEngineRole(ctx: RoleContext): Promise<Running> {
  const { engine, stores, config, ns, metrics } = ctx;
  const subjects = subjectsFor(ns);
  const apiKey = config.anthropic.apiKey;
  const mode: ClassifierMode = apiKey === undefined ? 'heuristic' : 'auto';
  const llm =
    apiKey === undefined
      ? undefined
      : new AnthropicClassifier({
          apiKey,
          model: config.anthropic.model,
          ...(config.anthropic.baseUrl ? { baseURL: config.anthropic.baseUrl } : {}),
        });
  if (llm) metrics?.addClaudeUsage(() => llm.usage);
  // Every replica spends the same budgets: each tenant's calls an hour and the account's a minute.
  const llmLimits = new SharedLlmCallLimits({
    shared: new SharedRateLimiter(await engine.kv.bucket(bucketName(Bucket.State, ns))),
    quotas: config.quotas,
    callsPerMinute: config.anthropic.callsPerMinute,
    ...(metrics ? { metrics: metrics.quota } : {}),
  });
  const system = actorSystem(ctx);
  const keeper = serveMatrixKeeper(engine, stores, subjects, config.proposals.fourEyes);
  const hour = 3_600_000;
  const webex = webexApi(config);
  await system.start([
    ...flowActors(ns, stores, {
      classifier: {
        mode,
        cacheDays: config.sched.classificationCacheDays,
        ...(llm ? { llm: metrics ? metrics.countLlmFailures(llm) : llm, llmLimits } : {}),
      },
      proposer: {
        expiryMs: config.proposals.expiryHours * hour,
        learningMs: config.proposals.learningPeriodHours * hour,
        rareDays: config.proposals.rareDays,
        quotas: config.quotas,
        ...(metrics ? { quotaMetrics: metrics.quota } : {}),
      },
      ...(metrics ? { metrics: metrics.pipeline } : {}),
      flowQuota: { quotas: config.quotas, ...(metrics ? { metrics: metrics.quota } : {}) },
    }),
    // Cards go to the operators room once the bot has a token and a room to post to; so do ISE drift notices.
    ...(webex && config.webex.operatorsRoomId
      ? [
          notifierActor(ns, stores, {
            api: webex,
            rooms: roomsFromSettings(config.webex, config.defaultTenantId),
          }),
          iseDriftNotifierActor(ns, stores, {
            api: webex,
            rooms: roomsFromSettings(config.webex, config.defaultTenantId),
          }),
        ]
      : []),
  ]);
  return {
    activations: () => system.activations(),
    consumers: () => system.consumers(),
    stop: async () => {
      await system.drain();
      await keeper.stop();
    },
  };
}

/** An actor system on this role's engine, with the runtime settings. */
function actorSystem({ engine, config, ns, logger, metrics }: RoleContext): ActorSystem {
  const subjects = subjectsFor(ns);
  return new ActorSystem({
    engine,
    logger,
    stateBucket: bucketName(Bucket.State, ns),
    stateKey: keys.actorState,
    deadSubject: subjects.dead,
    tenantOf: subjects.tenantOf,
    ackWaitMs: config.engine.ackWaitSeconds * 1_000,
    maxDeliver: config.engine.maxDeliver,
    passivateAfterMs: config.engine.passivateAfterSeconds * 1_000,
    hooks: metrics?.actors,
  });
}

/** The WebEx API client, when the bot has a token. */
export function webexApi(config: Config): WebexClient | null {
  const token = config.webex.botAccessToken;
  return token === undefined ? null : new WebexClient({ baseUrl: config.webex.apiBaseUrl, token });
}

/**
 * The threat watch: every observed destination checked with threat intel. With
 * no provider configured there is nothing to ask, and the role says so.
 */
export async function startThreatRole(ctx: RoleContext, intel: ThreatIntel): Promise<Running> {
  if (intel.providerNames.length === 0) {
    ctx.logger.warn(
      'threat watch off: no provider configured (SCOPILOT_THREAT__*_API_KEY, __TALOS_ENABLED or __BLOCKLIST_DIR)',
    );
    return { stop: async () => undefined };
  }
  const system = actorSystem(ctx);
  await system.start([
    threatWatchActor(ctx.ns, {
      intel,
      recheckMs: ctx.config.threat.cacheNoAnswerMinutes * 60_000,
    }),
  ]);
  return {
    activations: () => system.activations(),
    consumers: () => system.consumers(),
    stop: () => system.drain(),
  };
}

export async function startSchedulerRole(ctx: RoleContext): Promise<Running> {
  const { engine, stores, config, ns, logger } = ctx;
  const scheduler = new Scheduler({
    stores,
    log: engine.log,
    subjects: subjectsFor(ns),
    logger,
    rareDays: config.proposals.rareDays,
  });
  // Only the lease holder ticks: a tick as it takes over, then every interval.
  const loop = await startLeaderLoop(ctx, 'scheduler', config.sched.scanIntervalMinutes * 60_000, () =>
    scheduler
      .tick()
      .then((report) => logger.info(report, 'scheduler tick'))
      .catch((error) => logger.error({ err: error }, 'scheduler tick failed')),
  );
  return {
    stop: async () => {
      await loop.stop();
      scheduler.stop();
    },
  };
}

/** Local files, remote files over SSH and the syslog receiver, each reporting its health. */
export async function startTailRole(ctx: RoleContext): Promise<Running> {
  const { engine, stores, config, ns, logger, metrics } = ctx;
  // Each tenant's lines per second, shared by every source here and every replica.
  const quota = new LinesQuota({
    limiter: new SharedRateLimiter(await engine.kv.bucket(bucketName(Bucket.State, ns))),
    quotas: config.quotas,
    ...(metrics ? { metrics: metrics.quota } : {}),
  });
  const deps = {
    log: engine.log,
    stores,
    subjects: subjectsFor(ns),
    logger,
    from: config.tail.from,
    quota,
    ...(metrics ? { metrics: metrics.ingest } : {}),
  };
  const sources: LogSource[] = [
    ...config.tail.files.map((f) => new FileTail({ ...deps, path: f.path, tenant: f.tenant })),
    ...config.tail.ssh.map((s) => sshTail(s, deps)),
  ];
  const s = config.syslog;
  if (s.udpPort !== undefined || s.tcpPort !== undefined || s.tlsPort !== undefined) {
    sources.push(
      new SyslogReceiver({
        ...s,
        log: engine.log,
        subjects: subjectsFor(ns),
        logger,
        quota,
        ...(metrics ? { metrics: metrics.ingest } : {}),
      }),
    );
  }
  // A file not there yet or a host that is down is reported in health, not thrown; a port in use is thrown.
  const running: LogSource[] = [];
  try {
    for (const source of sources) {
      await source.start();
      running.push(source);
    }
  } catch (error) {
    await Promise.all(running.map((r) => r.stop()));
    throw error;
  }
  // Names only: a source's settings may hold a password.
  if (sources.length > 0) logger.info({ sources: sources.map((x) => x.name) }, 'reading logs');
  return {
    stop: async () => void (await Promise.all(sources.map((x) => x.stop()))),
    sources: () => sources.map((x) => x.health()),
  };
}

/** The simulated campus, fed to the default tenant. */
export async function startDemoRole(ctx: RoleContext): Promise<Running> {
  const { engine, stores, config, ns, logger } = ctx;
  return startDemo({
    ...(ctx.metrics ? { metrics: ctx.metrics.ingest } : {}),
    tenant: config.defaultTenantId,
    log: engine.log,
    stores,
    subjects: subjectsFor(ns),
    logger,
  });
}
