/**
 * A loopback SSH server for tests (DESIGN §11): ssh2's `Server` with a freshly
 * generated host key, password and public-key authentication, and an SFTP
 * subsystem backed by a real directory through real file descriptors, so
 * renames, appends and truncations in that directory look exactly as they
 * would on a syslog host. The directory is served as `/`.
 *
 * It can drop connections the way networks do: `dropAfterMs` destroys each
 * connection's TCP socket a (random) time after it was accepted, without any
 * SSH goodbye.
 */
import type { Stats } from 'node:fs';
import { type FileHandle, open, stat } from 'node:fs/promises';
import { createServer, type Server as NetServer, type Socket } from 'node:net';
import { posix, resolve, sep } from 'node:path';
import { type Attributes, type AuthContext, type Connection, Server, type SFTPWrapper, utils } from 'ssh2';
import { fingerprintOf } from '../../integrations/ssh/host-key.ts';

const { STATUS_CODE, OPEN_MODE } = utils.sftp;

export interface FakeSshOptions {
  /** The directory served as `/`. */
  root: string;
  username?: string;
  /** Accepted password; unset: password auth is refused. */
  password?: string;
  /** Accepted client public key (OpenSSH `ssh-ed25519 AAAA…` line); unset: key auth is refused. */
  authorizedKey?: string;
  /** Each connection is cut this many ms after it was accepted (called per connection). */
  dropAfterMs?: () => number;
}

export interface FakeSsh {
  host: string;
  port: number;
  username: string;
  /** `SHA256:…` of the host key, as `ssh-keygen -lf` prints it. */
  fingerprint: string;
  /** The host key as a known_hosts line for `hostField`, e.g. `[127.0.0.1]:2222`. */
  knownHostsLine(hostField: string): string;
  /** Connections that authenticated, connections cut by `dropAfterMs`, SFTP reads served. */
  counts: { authenticated: number; dropped: number; sftpReads: number };
  close(): Promise<void>;
}

function parsed(key: string) {
  const k = utils.parseKey(key);
  if (k instanceof Error) throw k;
  return k;
}

/** A fresh ed25519 key pair: `private` (OpenSSH PEM), `public` (`ssh-ed25519 AAAA…`) and its `SHA256:` fingerprint. */
export function newKeyPair(): { private: string; public: string; fingerprint: string } {
  for (;;) {
    const pair = utils.generateKeyPairSync('ed25519');
    // ssh2's generator under Bun drops a leading zero byte of the public key about once in 500
    // pairs (a 31-byte key that nothing parses); such a pair is thrown away and made again.
    const usable = [pair.public, pair.private].every((k) => !(utils.parseKey(k) instanceof Error));
    if (usable) return { ...pair, fingerprint: fingerprintOf(parsed(pair.public).getPublicSSH()) };
  }
}

export async function startFakeSsh(options: FakeSshOptions): Promise<FakeSsh> {
  const username = options.username ?? 'log';
  const hostKey = newKeyPair();
  const hostPublic = parsed(hostKey.public).getPublicSSH();
  const authorized = options.authorizedKey === undefined ? null : parsed(options.authorizedKey);
  const root = resolve(options.root);
  const sockets = new Set<Socket>();
  const timers = new Set<ReturnType<typeof setTimeout>>();
  const counts = { authenticated: 0, dropped: 0, sftpReads: 0 };

  const authenticate = (ctx: AuthContext) => {
    if (ctx.username !== username) return ctx.reject();
    if (ctx.method === 'password' && options.password !== undefined) {
      return ctx.password === options.password ? ctx.accept() : ctx.reject();
    }
    if (ctx.method === 'publickey' && authorized !== null) {
      if (!ctx.key.data.equals(authorized.getPublicSSH())) return ctx.reject();
      // Without a signature the client only asks whether this key would do.
      if (ctx.signature === undefined || ctx.blob === undefined) return ctx.accept();
      return authorized.verify(ctx.blob, ctx.signature, ctx.hashAlgo) ? ctx.accept() : ctx.reject();
    }
    ctx.reject(['password', 'publickey']);
  };

  const sshd = new Server({ hostKeys: [hostKey.private] }, (client: Connection) => {
    client.on('error', () => undefined); // cut sockets surface here; the test sees them on the client side
    client.on('authentication', authenticate);
    client.on('ready', () => {
      counts.authenticated++;
      client.on('session', (accept) => {
        accept().on('sftp', (acceptSftp) => serveSftp(acceptSftp(), root, counts));
      });
    });
  });

  const net: NetServer = createServer((socket) => {
    sockets.add(socket);
    socket.on('error', () => undefined);
    sshd.injectSocket(socket);
    const drop = options.dropAfterMs;
    const timer =
      drop === undefined
        ? null
        : setTimeout(() => {
            counts.dropped++;
            socket.destroy();
          }, drop());
    if (timer !== null) timers.add(timer);
    socket.on('close', () => {
      sockets.delete(socket);
      if (timer !== null) {
        clearTimeout(timer);
        timers.delete(timer);
      }
    });
  });
  await new Promise<void>((done) => net.listen(0, '127.0.0.1', done));
  const address = net.address();
  if (address === null || typeof address === 'string') throw new Error('fake ssh: no TCP address');

  return {
    host: '127.0.0.1',
    port: address.port,
    username,
    fingerprint: fingerprintOf(hostPublic),
    knownHostsLine: (hostField) => `${hostField} ssh-ed25519 ${hostPublic.toString('base64')}`,
    counts,
    close: async () => {
      for (const t of timers) clearTimeout(t);
      for (const s of sockets) s.destroy();
      await new Promise<void>((done) => net.close(() => done()));
    },
  };
}

/** Read-only SFTP over real files under `root`: enough for a tail (open, read, fstat, stat, close, realpath). */
function serveSftp(sftp: SFTPWrapper, root: string, counts: FakeSsh['counts']): void {
  const handles = new Map<number, FileHandle>();
  let nextHandle = 1;
  const local = (path: string) => {
    const full = resolve(root, `.${posix.normalize(`/${path}`)}`);
    return full === root || full.startsWith(root + sep) ? full : null;
  };
  const handleOf = (buffer: Buffer) =>
    buffer.length === 4 ? handles.get(buffer.readUInt32BE(0)) : undefined;
  const attrsOf = (s: Stats): Attributes => ({
    mode: Number(s.mode),
    uid: Number(s.uid),
    gid: Number(s.gid),
    size: Number(s.size),
    atime: Math.floor(Number(s.atimeMs) / 1000),
    mtime: Math.floor(Number(s.mtimeMs) / 1000),
  });
  const failed = (reqId: number, error: unknown) =>
    sftp.status(
      reqId,
      (error as NodeJS.ErrnoException).code === 'ENOENT' ? STATUS_CODE.NO_SUCH_FILE : STATUS_CODE.FAILURE,
    );

  sftp.on('error', () => undefined);
  sftp.on('OPEN', (reqId, filename, flags) => {
    const path = local(filename);
    if (path === null || flags !== OPEN_MODE.READ) return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    open(path, 'r').then(
      (fh) => {
        const id = nextHandle++;
        handles.set(id, fh);
        const buffer = Buffer.alloc(4);
        buffer.writeUInt32BE(id, 0);
        sftp.handle(reqId, buffer);
      },
      (error) => failed(reqId, error),
    );
  });
  sftp.on('READ', (reqId, handle, offset, length) => {
    const fh = handleOf(handle);
    if (fh === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
    counts.sftpReads++;
    const buffer = Buffer.alloc(length);
    fh.read(buffer, 0, length, offset).then(
      ({ bytesRead }) => {
        if (bytesRead === 0) sftp.status(reqId, STATUS_CODE.EOF);
        else sftp.data(reqId, buffer.subarray(0, bytesRead));
      },
      (error) => failed(reqId, error),
    );
  });
  sftp.on('FSTAT', (reqId, handle) => {
    const fh = handleOf(handle);
    if (fh === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
    fh.stat().then(
      (s) => sftp.attrs(reqId, attrsOf(s)),
      (error) => failed(reqId, error),
    );
  });
  const statPath = (reqId: number, path: string) => {
    const full = local(path);
    if (full === null) return sftp.status(reqId, STATUS_CODE.PERMISSION_DENIED);
    stat(full).then(
      (s) => sftp.attrs(reqId, attrsOf(s)),
      (error) => failed(reqId, error),
    );
  };
  sftp.on('STAT', statPath);
  sftp.on('LSTAT', statPath);
  sftp.on('REALPATH', (reqId, path) => {
    const normal = posix.normalize(`/${path}`);
    sftp.name(reqId, [{ filename: normal, longname: normal, attrs: {} as Attributes }]);
  });
  sftp.on('CLOSE', (reqId, handle) => {
    const fh = handleOf(handle);
    if (fh === undefined) return sftp.status(reqId, STATUS_CODE.FAILURE, 'bad handle');
    handles.delete(handle.readUInt32BE(0));
    fh.close().then(
      () => sftp.status(reqId, STATUS_CODE.OK),
      (error) => failed(reqId, error),
    );
  });
  // A cut connection closes its channel: its descriptors are released like a real sftp-server's.
  sftp.on('close', () => {
    for (const fh of handles.values()) void fh.close().catch(() => undefined);
    handles.clear();
  });
}
