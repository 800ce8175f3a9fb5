/**
 * The NATS connection shared by every port of the NATS adapter: connect with
 * reconnect-forever and jittered backoff, track connection status, and hand out
 * the JetStream client/manager and KV manager built on it.
 */
import { type JetStreamClient, type JetStreamManager, jetstream, jetstreamManager } from '@nats-io/jetstream';
import { Kvm } from '@nats-io/kv';
import {
  type Authenticator,
  type ConnectionOptions,
  credsAuthenticator,
  type NatsConnection,
  nkeyAuthenticator,
} from '@nats-io/nats-core';
import { connect } from '@nats-io/transport-node';

export type LogLevel = 'debug' | 'info' | 'warn' | 'error';
export type Logger = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export interface NatsEngineOptions {
  servers: string | string[];
  /** Connection name shown by the server (`nats server report connections`). */
  name?: string;
  user?: string;
  pass?: string;
  token?: string;
  /** NKey user seed (SU…): the server's nonce is signed with it. */
  nkeySeed?: string;
  /** `.creds` file text (user JWT and seed). */
  creds?: string;
  /** TLS to NATS with these PEM texts; an empty object requires TLS with the system roots. */
  tls?: { ca?: string; cert?: string; key?: string };
  logger?: Logger;
  /** Per JetStream API request timeout in milliseconds (default 10 s). */
  apiTimeoutMs?: number;
  /** How long a publish keeps retrying through timeouts and reconnects (default 30 s). */
  publishRetryMs?: number;
  /** How long one publish attempt waits for its PubAck before retrying (default 5 s). */
  publishAttemptTimeoutMs?: number;
}

export interface NatsContext {
  readonly nc: NatsConnection;
  readonly js: JetStreamClient;
  readonly jsm: JetStreamManager;
  readonly kvm: Kvm;
  readonly log: Logger;
  readonly publishRetryMs: number;
  readonly publishAttemptTimeoutMs: number;
  isConnected(): boolean;
  /** Null while connected; otherwise since when it is down and what the client is doing about it. */
  connectionProblem(): string | null;
}

const noopLogger: Logger = () => {};

/** Connect and wire the status watcher. Rejects only when the very first connect fails. */
export async function openConnection(options: NatsEngineOptions): Promise<NatsContext> {
  const log = options.logger ?? noopLogger;
  const apiTimeout = options.apiTimeoutMs ?? 10_000;
  const connectOptions: ConnectionOptions = {
    servers: options.servers,
    name: options.name ?? 'scopilot',
    // -1: never give up. A service outage must not turn into a dead process.
    maxReconnectAttempts: -1,
    // Jitter spreads reconnects of many clients so a restarted server is not stampeded.
    reconnectTimeWait: 1_000,
    reconnectJitter: 500,
    reconnectJitterTLS: 1_000,
    // Detect a dead peer (e.g. a cut TCP path that sends no RST) within ~20 s.
    pingInterval: 10_000,
    maxPingOut: 2,
    timeout: apiTimeout,
  };
  if (options.user !== undefined) connectOptions.user = options.user;
  if (options.pass !== undefined) connectOptions.pass = options.pass;
  if (options.token !== undefined) connectOptions.token = options.token;
  const authenticators: Authenticator[] = [];
  const encoder = new TextEncoder();
  if (options.nkeySeed !== undefined)
    authenticators.push(nkeyAuthenticator(encoder.encode(options.nkeySeed)));
  if (options.creds !== undefined) authenticators.push(credsAuthenticator(encoder.encode(options.creds)));
  if (authenticators.length > 0) connectOptions.authenticator = authenticators;
  if (options.tls !== undefined) {
    const { ca, cert, key } = options.tls;
    connectOptions.tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
  }

  const nc = await connect(connectOptions);
  const js = jetstream(nc, { timeout: apiTimeout });
  // checkAPI=false: skip the account-info round trip; the first real call reports problems.
  const jsm = await jetstreamManager(nc, { timeout: apiTimeout, checkAPI: false });
  const kvm = new Kvm(js);

  let connected = true;
  let downSince = 0;
  let lastServer = nc.getServer();
  let lastError = '';
  const down = () => {
    if (connected) downSince = Date.now();
    connected = false;
  };
  void (async () => {
    for await (const s of nc.status()) {
      switch (s.type) {
        case 'disconnect':
          down();
          lastServer = s.server;
          log('warn', 'nats disconnected', { server: s.server });
          break;
        case 'reconnecting':
          down();
          break;
        case 'reconnect':
          connected = true;
          lastError = '';
          lastServer = s.server;
          log('info', 'nats reconnected', { server: s.server });
          break;
        case 'close':
          down();
          break;
        case 'error':
          lastError = s.error.message;
          log('error', 'nats async error', { error: s.error.message });
          break;
        case 'slowConsumer':
          log('warn', 'nats slow consumer', { subject: s.sub.getSubject(), pending: s.pending });
          break;
        default:
          break;
      }
    }
  })().catch((error: unknown) => log('error', 'nats status watcher failed', { error: String(error) }));
  // The status iterator ends when the connection closes; make the flag honest then too.
  void nc.closed().then(() => down());

  return {
    nc,
    js,
    jsm,
    kvm,
    log,
    publishRetryMs: options.publishRetryMs ?? 30_000,
    publishAttemptTimeoutMs: options.publishAttemptTimeoutMs ?? 5_000,
    isConnected: () => connected && !nc.isClosed(),
    connectionProblem: () => {
      if (connected && !nc.isClosed()) return null;
      if (nc.isClosed()) return 'nats connection closed';
      const secs = Math.round((Date.now() - downSince) / 1000);
      const why = lastError === '' ? '' : ` (last error: ${lastError})`;
      return `nats disconnected from ${lastServer} for ${secs} s, reconnecting${why}`;
    },
  };
}
