/**
 * The NATS connection resolved from the settings at start-up: the seed list of
 * SCOPILOT_NATS_URL, credentials and TLS, with the files they name (NKey seed,
 * `.creds`, CA bundle, client certificate and key) read now. A file that
 * cannot be read, or does not hold what its setting promises, stops start-up
 * with a ConfigError naming the setting (exit 2) instead of a reconnect loop
 * that never authenticates. `describeNats` is what may be logged.
 */
import { readFileSync } from 'node:fs';
import type { ReadText } from './ise.ts';
import { ConfigError } from './load.ts';
import type { Config } from './schema.ts';

export interface NatsAccess {
  /** Seed servers; the client learns the rest of the cluster from them. */
  servers: string[];
  user?: string;
  pass?: string;
  token?: string;
  /** NKey user seed text (SU…). */
  nkeySeed?: string;
  /** `.creds` file text: user JWT and NKey seed. */
  creds?: string;
  /** PEM texts; an empty object still requires TLS. */
  tls?: { ca?: string; cert?: string; key?: string };
  replicas: 1 | 3;
}

const readText: ReadText = (path) => readFileSync(path, 'utf8');

function why(error: unknown): string {
  const code = (error as { code?: unknown }).code;
  if (code === 'ENOENT') return 'no such file';
  if (code === 'EACCES') return 'permission denied';
  if (code === 'EISDIR') return 'it is a directory';
  return (error as Error).message ?? String(error);
}

/** Null when no NATS URL is set (the embedded engine). Throws one ConfigError naming every bad file. */
export function natsAccess(config: Config, read: ReadText = readText): NatsAccess | null {
  if (config.natsUrl === undefined) return null;
  const s = config.nats;
  const problems: string[] = [];
  const file = (setting: string, path: string | undefined, holds: RegExp, what: string) => {
    if (path === undefined) return undefined;
    try {
      const text = read(path);
      if (holds.test(text)) return text;
      problems.push(`${setting}: ${path} holds no ${what}`);
    } catch (error) {
      problems.push(`${setting}: cannot read ${path}: ${why(error)}`);
    }
    return undefined;
  };
  const servers = config.natsUrl.split(',').map((u) => u.trim());
  const access: NatsAccess = { servers, replicas: s.replicas };
  if (s.user !== undefined && s.password !== undefined) {
    access.user = s.user;
    access.pass = s.password;
  }
  if (s.token !== undefined) access.token = s.token;
  const seed = file('SCOPILOT_NATS__NKEY_SEED_FILE', s.nkeySeedFile, /\bSU[A-Z2-7]{40,}/, 'NKey user seed');
  if (seed !== undefined) access.nkeySeed = (seed.match(/\bSU[A-Z2-7]{40,}/) as RegExpMatchArray)[0];
  const creds = file(
    'SCOPILOT_NATS__CREDS_FILE',
    s.credsFile,
    /BEGIN NATS USER JWT[\s\S]*BEGIN USER NKEY SEED/,
    'user JWT and seed',
  );
  if (creds !== undefined) access.creds = creds;
  const pemCert = /-----BEGIN CERTIFICATE-----/;
  const ca = file('SCOPILOT_NATS__TLS_CA_FILE', s.tlsCaFile, pemCert, 'PEM certificate');
  const cert = file('SCOPILOT_NATS__TLS_CERT_FILE', s.tlsCertFile, pemCert, 'PEM certificate');
  const key = file(
    'SCOPILOT_NATS__TLS_KEY_FILE',
    s.tlsKeyFile,
    /-----BEGIN [A-Z ]*PRIVATE KEY-----/,
    'PEM private key',
  );
  const tlsUrl = servers.some((u) => u.startsWith('tls://'));
  if (ca !== undefined || cert !== undefined || key !== undefined || tlsUrl) {
    access.tls = {
      ...(ca === undefined ? {} : { ca }),
      ...(cert === undefined ? {} : { cert }),
      ...(key === undefined ? {} : { key }),
    };
  }
  if (problems.length > 0) throw new ConfigError(problems);
  return access;
}

/** What may be logged: never a password, token, seed or key. */
export function describeNats(a: NatsAccess): Record<string, unknown> {
  const auth = a.creds
    ? 'creds file'
    : a.nkeySeed
      ? 'nkey'
      : a.token
        ? 'token'
        : a.user
          ? `user ${a.user}`
          : 'none';
  return {
    servers: a.servers,
    auth,
    tls: a.tls === undefined ? 'off' : a.tls.ca === undefined ? 'system roots' : 'configured CA',
    clientCertificate: a.tls?.cert !== undefined,
    replicas: a.replicas,
  };
}
