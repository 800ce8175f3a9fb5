/**
 * Opens an SSH connection with an SFTP session: key or password auth, host key
 * checked by `hostVerifier` before anything is sent (an unknown or changed key
 * fails the connection with a HostKeyError), SSH keepalives so a dead peer is
 * noticed, and a bound on how long setting up may take.
 */
import { Client, type ConnectConfig, type SFTPWrapper } from 'ssh2';
import { type HostKeyError, SshError, SshErrorCode } from './errors.ts';
import { checkHostKey, type HostKeyPolicy } from './host-key.ts';

/**
 * Offered ciphers. chacha20-poly1305 is left out: ssh2 implements it only in
 * its native addon, which Bun does not load, and offering it anyway could
 * select a cipher this process cannot run.
 */
export const CIPHERS = [
  'aes128-gcm@openssh.com',
  'aes256-gcm@openssh.com',
  'aes128-ctr',
  'aes192-ctr',
  'aes256-ctr',
] as const;

export interface SshTarget {
  host: string;
  port: number;
  username: string;
  /** PEM or OpenSSH private key text. */
  privateKey?: string | Buffer;
  passphrase?: string;
  password?: string;
  hostKey: HostKeyPolicy;
  /** Handshake, authentication and SFTP start together (default 15 s). */
  readyTimeoutMs?: number;
  /** SSH-level heartbeat (default 10 s); after `keepaliveCountMax` unanswered ones (default 3) the connection is dropped. */
  keepaliveIntervalMs?: number;
  keepaliveCountMax?: number;
}

export interface SshSession {
  readonly sftp: SFTPWrapper;
  /** Settles once the connection is gone, with what ended it (null: ended on purpose or by the peer). */
  readonly closed: Promise<Error | null>;
  end(): void;
}

type Ssh2Error = Error & { level?: string };

function explain(err: Ssh2Error, refused: HostKeyError | null, target: SshTarget): SshError {
  const where = `${target.host}:${target.port}`;
  if (refused !== null) return refused;
  if (err instanceof SshError) return err;
  if (err.level === 'client-authentication') {
    return new SshError(SshErrorCode.AuthFailed, `${where} refused authentication as ${target.username}`, {
      cause: err,
    });
  }
  if (err.level === 'client-timeout') {
    return new SshError(SshErrorCode.Timeout, `${where}: ${err.message}`, { cause: err });
  }
  return new SshError(SshErrorCode.ConnectFailed, `${where}: ${err.message}`, { cause: err });
}

export function connectSsh(target: SshTarget): Promise<SshSession> {
  const readyTimeout = target.readyTimeoutMs ?? 15_000;
  return new Promise((resolve, reject) => {
    const client = new Client();
    let refused: HostKeyError | null = null;
    let lastError: Error | null = null;
    let settled = false;
    let markClosed: (error: Error | null) => void = () => undefined;
    const closed = new Promise<Error | null>((r) => {
      markClosed = r;
    });
    const fail = (error: SshError) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      client.end();
      reject(error);
    };
    // ssh2's readyTimeout covers the handshake only; this also bounds opening the SFTP channel.
    const timer = setTimeout(
      () =>
        fail(new SshError(SshErrorCode.Timeout, `${target.host}:${target.port}: no SFTP session in time`)),
      readyTimeout + 1_000,
    );

    client.on('error', (err: Ssh2Error) => {
      lastError = explain(err, refused, target);
      fail(lastError as SshError);
    });
    client.on('close', () => {
      markClosed(lastError);
      fail(new SshError(SshErrorCode.ConnectFailed, `${target.host}:${target.port} closed the connection`));
    });
    client.on('ready', () => {
      client.sftp((err, sftp) => {
        if (err) {
          fail(
            new SshError(SshErrorCode.Sftp, `SFTP refused by ${target.host}: ${err.message}`, { cause: err }),
          );
          return;
        }
        if (settled) return void client.end();
        settled = true;
        clearTimeout(timer);
        // Without its SFTP channel the connection is useless: end both together.
        sftp.on('close', () => client.end());
        resolve({ sftp, closed, end: () => client.end() });
      });
    });

    const config: ConnectConfig = {
      host: target.host,
      port: target.port,
      username: target.username,
      readyTimeout,
      keepaliveInterval: target.keepaliveIntervalMs ?? 10_000,
      keepaliveCountMax: target.keepaliveCountMax ?? 3,
      algorithms: { cipher: [...CIPHERS] },
      hostVerifier: (key: Buffer) => {
        refused = checkHostKey(target.hostKey, target.host, target.port, key);
        return refused === null;
      },
    };
    if (target.privateKey !== undefined) config.privateKey = target.privateKey;
    if (target.passphrase !== undefined) config.passphrase = target.passphrase;
    if (target.password !== undefined) config.password = target.password;
    try {
      client.connect(config);
    } catch (error) {
      // ssh2 throws at once for settings it cannot use, e.g. an unreadable private key.
      fail(new SshError(SshErrorCode.Config, `ssh ${target.host}: ${(error as Error).message}`));
    }
  });
}
