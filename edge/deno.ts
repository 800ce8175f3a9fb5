/**
 * The edge under Deno: the same Hono app `scopilot serve --role edge` runs
 * under Bun (REST, dashboard, MCP, threat lookups, the WebEx webhook), served
 * with `Deno.serve`, against NATS (the embedded engine is bun:sqlite and
 * stays on Bun).
 *
 *   SCOPILOT_NATS_URL=nats://127.0.0.1:4222 deno run -A edge/deno.ts
 */
import { ConfigError, describeNats, loadConfig, natsAccess } from '../config/mod.ts';
import { createLogger } from '../engine/log.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { createThreatIntel } from '../integrations/threat-intel/mod.ts';
import { roomsFromSettings, WebexClient } from '../integrations/webex/mod.ts';
import { ensureSchema, openStores, type Stores } from '../kv-schema/mod.ts';
import { DEFAULT_NAMESPACE, isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { createApp } from './app.ts';
import { Authenticator } from './auth.ts';
import { webexWebhook } from './webex/mod.ts';

interface DenoServer {
  finished: Promise<void>;
  shutdown(): Promise<void>;
}
declare const Deno: {
  serve(
    options: {
      hostname: string;
      port: number;
      onListen?: (addr: { hostname: string; port: number }) => void;
    },
    handler: (request: Request) => Response | Promise<Response>,
  ): DenoServer;
  addSignalListener(signal: 'SIGTERM' | 'SIGINT', handler: () => void): void;
  exit(code: number): never;
};

const config = loadConfig();
const logger = createLogger(config.logLevel, { role: 'edge', runtime: 'deno' });
if (config.natsUrl === undefined) {
  logger.fatal('the edge under Deno needs SCOPILOT_NATS_URL');
  Deno.exit(2);
}
const ns = config.namespace === undefined ? DEFAULT_NAMESPACE : isolatedNamespace(config.namespace);
// Credentials, TLS and the replica count as `serve` reads them: a bad file stops start-up (exit 2).
let nats: NonNullable<ReturnType<typeof natsAccess>>;
try {
  nats = natsAccess(config)!;
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  logger.fatal(error.message);
  Deno.exit(2);
}
logger.info(describeNats(nats), 'nats settings');
const { servers, replicas, ...natsAuth } = nats;
const engine = await openNatsEngine({
  servers,
  name: config.natsName ?? 'scopilot-edge-deno',
  ...natsAuth,
});
await ensureSchema(engine, ns, { classificationCacheDays: config.sched.classificationCacheDays, replicas });
const stores: Stores = await openStores(engine, ns);
const oidc = config.api.oidcJwksUrl
  ? { jwksUrl: config.api.oidcJwksUrl, issuer: config.api.oidcIssuer, audience: config.api.oidcAudience }
  : undefined;
const auth = new Authenticator({
  requireAuth: config.api.requireAuth,
  apiKeys: config.api.apiKeys,
  defaultTenant: config.defaultTenantId,
  trustedOrigins: config.http.trustedOrigins,
  ...(oidc ? { oidc } : {}),
});
const subjects = subjectsFor(ns);
const threat = await createThreatIntel(config.threat, { stores, logger });
const webexToken = config.webex.botAccessToken;
const webexSecret = config.webex.webhookSecret;
const webex =
  webexToken && webexSecret
    ? webexWebhook({
        engine,
        stores,
        ns,
        subjects,
        api: new WebexClient({ baseUrl: config.webex.apiBaseUrl, token: webexToken }),
        secret: webexSecret,
        rooms: roomsFromSettings(config.webex, config.defaultTenantId),
        allowedApprovers: config.webex.allowedApprovers,
        logger,
      })
    : null;
const app = createApp({
  logger,
  readiness: {
    checks: {
      engine: () =>
        engine.isConnected() ? null : (engine.connectionProblem?.() ?? 'nats engine not connected'),
    },
  },
  api: { auth, ready: () => true, deps: { engine, stores, ns, subjects, config, logger, threat } },
  ...(webex ? { webex } : {}),
});
const server = Deno.serve(
  {
    hostname: config.http.host,
    port: config.http.port,
    onListen: ({ hostname, port }) => logger.info({ url: `http://${hostname}:${port}` }, 'listening'),
  },
  app.fetch,
);
const stop = async () => {
  await server.shutdown();
  await webex?.drain();
  await engine.drain();
  Deno.exit(0);
};
Deno.addSignalListener('SIGTERM', stop);
Deno.addSignalListener('SIGINT', stop);
