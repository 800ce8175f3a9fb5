/**
 * A tail of one remote file, built from its `SshSource` settings: the key file
 * and known_hosts file are read again at every connection attempt, so fixing
 * them takes effect without a restart, and a missing one is reported in the
 * source's health instead of stopping the process.
 */
import { readFile } from 'node:fs/promises';
import type { FollowFrom } from '../../actors/tail/follower.ts';
import type { IngestMetrics } from '../../actors/tail/ingest.ts';
import type { LinesQuota } from '../../actors/tail/quota.ts';
import { FileTail } from '../../actors/tail/tail.ts';
import type { SshSource } from '../../config/mod.ts';
import type { Logger } from '../../engine/log.ts';
import type { EventLog } from '../../engine/types.ts';
import type { Stores } from '../../kv-schema/mod.ts';
import type { Subjects } from '../../streams/mod.ts';
import type { Backoff } from './backoff.ts';
import { connectSsh, type SshSession, type SshTarget } from './connect.ts';
import { SshError, SshErrorCode } from './errors.ts';
import { SshFollower } from './follower.ts';
import { type HostKeyPolicy, parseKnownHosts } from './host-key.ts';

export interface SshTailDeps {
  log: EventLog;
  stores: Stores;
  subjects: Subjects;
  logger: Logger;
  /** Without a saved position: the remote file from its start, or only what is appended (default). */
  from?: 'start' | 'end';
  metrics?: IngestMetrics;
  /** The tenant's lines-per-second quota; absent: no limit. */
  quota?: LinesQuota;
  intervalMs?: number;
  pollMs?: number;
  backoff?: Backoff;
  /** Connection tuning, mostly for tests: see SshTarget. */
  readyTimeoutMs?: number;
  keepaliveIntervalMs?: number;
}

/** `ssh:user@host:port/path`: stable, and free of secrets (it names flows and the cursor). */
export function sshSourceName(source: Pick<SshSource, 'username' | 'host' | 'port' | 'path'>): string {
  const host = source.host.includes(':') ? `[${source.host}]` : source.host;
  return `ssh:${source.username}@${host}:${source.port}${source.path}`;
}

async function readSetting(what: string, file: string): Promise<string> {
  try {
    return await readFile(file, 'utf8');
  } catch (error) {
    throw new SshError(SshErrorCode.Config, `cannot read ${what} ${file}: ${(error as Error).message}`);
  }
}

/** The connection settings of a source, with its key and known_hosts files read now. */
export async function sshTarget(
  source: SshSource,
  tuning: Pick<SshTailDeps, 'readyTimeoutMs' | 'keepaliveIntervalMs'> = {},
): Promise<SshTarget> {
  const hostKey: HostKeyPolicy = {};
  if (source.hostKeyFingerprint !== undefined) hostKey.fingerprint = source.hostKeyFingerprint;
  if (source.knownHostsFile !== undefined) {
    hostKey.knownHosts = parseKnownHosts(await readSetting('knownHostsFile', source.knownHostsFile));
  }
  const target: SshTarget = { host: source.host, port: source.port, username: source.username, hostKey };
  if (source.privateKeyFile !== undefined) {
    target.privateKey = await readSetting('privateKeyFile', source.privateKeyFile);
  }
  if (source.passphrase !== undefined) target.passphrase = source.passphrase;
  if (source.password !== undefined) target.password = source.password;
  if (tuning.readyTimeoutMs !== undefined) target.readyTimeoutMs = tuning.readyTimeoutMs;
  if (tuning.keepaliveIntervalMs !== undefined) target.keepaliveIntervalMs = tuning.keepaliveIntervalMs;
  return target;
}

export function sshTail(source: SshSource, deps: SshTailDeps): FileTail {
  const name = sshSourceName(source);
  const logger = deps.logger.child({ source: name });
  const connect = async (): Promise<SshSession> => connectSsh(await sshTarget(source, deps));
  const follower = (from: FollowFrom) =>
    new SshFollower({
      path: source.path,
      connect,
      from,
      logger,
      ...(deps.backoff === undefined ? {} : { backoff: deps.backoff }),
    });
  return new FileTail({
    path: source.path,
    tenant: source.tenant,
    log: deps.log,
    stores: deps.stores,
    subjects: deps.subjects,
    logger,
    follower,
    name,
    kind: 'ssh',
    ...(deps.from === undefined ? {} : { from: deps.from }),
    ...(deps.metrics === undefined ? {} : { metrics: deps.metrics }),
    ...(deps.quota === undefined ? {} : { quota: deps.quota }),
    ...(deps.intervalMs === undefined ? {} : { intervalMs: deps.intervalMs }),
    ...(deps.pollMs === undefined ? {} : { pollMs: deps.pollMs }),
  });
}
