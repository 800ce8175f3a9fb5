/**
 * The followers of one remote file, built from its `SshSource` settings: the
 * key file and known_hosts file are read again at every connection attempt,
 * so fixing them takes effect without a restart, and a missing one is
 * reported in the source's health instead of stopping the process. The tail
 * that reads through them is put together by whoever runs the sources (the
 * CLI's roles): this client knows the follower contract (engine/sources.ts),
 * not the tail actor.
 */
import { readFile } from 'node:fs/promises';
import type { SshSource } from '../../config/mod.ts';
import type { Logger } from '../../engine/log.ts';
import type { FollowerFactory, FollowFrom } from '../../engine/sources.ts';
import type { Backoff } from './backoff.ts';
import { connectSsh, type SshSession, type SshTarget } from './connect.ts';
import { SshError, SshErrorCode } from './errors.ts';
import { SshFollower } from './follower.ts';
import { type HostKeyPolicy, parseKnownHosts } from './host-key.ts';

export interface SshFollowersOptions {
  /** Tagged with the source's name. */
  logger: Logger;
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
  tuning: Pick<SshFollowersOptions, 'readyTimeoutMs' | 'keepaliveIntervalMs'> = {},
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

/** A new follower of the source's remote file for each start, from where the saved cursor says. */
export function sshFollowers(source: SshSource, options: SshFollowersOptions): FollowerFactory {
  const connect = async (): Promise<SshSession> => connectSsh(await sshTarget(source, options));
  return (from: FollowFrom) =>
    new SshFollower({
      path: source.path,
      connect,
      from,
      logger: options.logger,
      ...(options.backoff === undefined ? {} : { backoff: options.backoff }),
    });
}
