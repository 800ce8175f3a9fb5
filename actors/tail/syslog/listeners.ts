/**
 * The receiver's stream sockets (UDP is in udp.ts): listening with a TCP /
 * TLS server (a failure is a SyslogError naming the listener), and reading one
 * TCP or TLS connection through the stream decoder, pausing it while its
 * tenant's queue is full.
 */
import { readFile } from 'node:fs/promises';
import type { Server, Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer } from 'node:tls';
import type { Transport } from './counters.ts';
import { SyslogError, SyslogErrorCode } from './errors.ts';
import { type FrameSink, StreamDecoder } from './framing.ts';
import type { Origin } from './header.ts';
import type { TenantQueue } from './queue.ts';
import type { Sender } from './senders.ts';

export async function listen(
  server: Server,
  transport: Transport,
  host: string,
  port: number,
): Promise<number> {
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen({ host, port }, () => {
      server.off('error', reject);
      resolve();
    });
  }).catch((error: unknown) => {
    throw new SyslogError(SyslogErrorCode.Bind, `syslog ${transport}: cannot listen on ${host}:${port}`, {
      cause: error,
    });
  });
  const address = server.address();
  return typeof address === 'object' && address !== null ? address.port : port;
}

export async function tlsServer(certFile: string, keyFile: string): Promise<TlsServer> {
  const [cert, key] = await Promise.all([readFile(certFile), readFile(keyFile)]).catch((error: unknown) => {
    throw new SyslogError(SyslogErrorCode.Tls, `syslog tls: cannot read ${certFile} and ${keyFile}`, {
      cause: error,
    });
  });
  try {
    return createTlsServer({ cert, key, minVersion: 'TLSv1.2' });
  } catch (error) {
    throw new SyslogError(SyslogErrorCode.Tls, 'syslog tls: the certificate or key is unusable', {
      cause: error,
    });
  }
}

export interface StreamHooks extends Pick<FrameSink, 'dropped'> {
  /** A message arrived (before it is queued). */
  received(): void;
  receivedAt(): string;
  closed(): void;
}

/** Read one connection from a known sender into its tenant's queue until it closes. */
export function readStream(
  socket: Socket,
  sender: Sender,
  queue: TenantQueue,
  maxMessageBytes: number,
  hooks: StreamHooks,
): void {
  const origin: Origin = { sender: sender.address, receivedAt: hooks.receivedAt };
  const decoder = new StreamDecoder(
    {
      message: (b, start, end) => {
        hooks.received();
        queue.add(b, start, end, origin);
      },
      dropped: hooks.dropped,
    },
    maxMessageBytes,
  );
  let paused = false;
  socket.setKeepAlive(true, 60_000);
  socket.on('data', (chunk: Uint8Array) => {
    decoder.push(chunk);
    // TCP is reliable: nothing it carries is dropped. A full queue stops reading, which
    // fills the socket buffers and slows the sender down.
    if (queue.full && !paused) {
      paused = true;
      socket.pause();
      queue.onDrain(() => {
        paused = false;
        socket.resume();
      });
    }
  });
  socket.on('error', () => undefined); // a reset connection just ends; 'close' follows
  socket.once('close', () => {
    decoder.end();
    hooks.closed();
  });
}
