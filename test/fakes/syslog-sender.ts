/**
 * A switch sending syslog, for tests and benchmarks: UDP datagrams, TCP and
 * TLS streams from a chosen loopback source address (all of 127.0.0.0/8 is
 * local on Linux, so two "switches" can be 127.0.0.2 and 127.0.0.3), and the
 * SGACLHIT lines they send in RFC 3164, RFC 5424 and IOS's own format.
 */
import { createSocket, type Socket as UdpSocket } from 'node:dgram';
import { type Socket, connect as tcpConnect } from 'node:net';
import { connect as tlsConnect } from 'node:tls';

export interface HitFields {
  sgt?: number;
  dgt?: number;
  dstPort?: number;
  hits?: number;
}

/** The `%RBM-6-SGACLHIT: …` message itself. */
export function sgaclHit({ sgt = 10, dgt = 20, dstPort = 443, hits = 1 }: HitFields = {}): string {
  return (
    "%RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/2' sgacl_name='web' action='Permit' protocol='tcp' " +
    `src-ip='10.10.1.5' src-port='52341' dest-ip='10.20.1.10' dest-port='${dstPort}' sgt='${sgt}' dgt='${dgt}' ` +
    `logging_interval_hits='${hits}'`
  );
}

const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** `<190>Jun 18 10:17:22 sw01 123: …` stamped now. */
export function rfc3164(fields: HitFields = {}, host = 'sw01', at = new Date()): string {
  const day = String(at.getUTCDate()).padStart(2, ' ');
  const time = at.toISOString().slice(11, 19);
  return `<190>${MONTHS[at.getUTCMonth()]} ${day} ${time} ${host} 123: ${sgaclHit(fields)}`;
}

/** `<190>1 2026-…Z sw01 - - - - …`, optionally with structured data and a BOM before MSG. */
export function rfc5424(fields: HitFields = {}, host = 'sw01.example.net', sd = '-', bom = false): string {
  return `<190>1 ${new Date().toISOString()} ${host} - - - ${sd} ${bom ? '\uFEFF' : ''}${sgaclHit(fields)}`;
}

/** A UDP socket bound to a loopback source address. */
export async function udpSender(from = '127.0.0.1'): Promise<UdpSender> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve, reject) => {
    socket.once('error', reject);
    socket.bind(0, from, () => resolve());
  });
  return new UdpSender(socket);
}

export class UdpSender {
  readonly #socket: UdpSocket;
  constructor(socket: UdpSocket) {
    this.#socket = socket;
  }

  send(port: number, message: string | Uint8Array, to = '127.0.0.1'): Promise<void> {
    return new Promise((resolve, reject) =>
      this.#socket.send(message, port, to, (error) => (error ? reject(error) : resolve())),
    );
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.#socket.close(() => resolve()));
  }
}

/**
 * Send `count` datagrams, cycling through `messages`, as fast as the kernel
 * takes them (batches of 64 handed over at once, waiting only when the send
 * buffer is full). Returns how many were sent, which is exactly `count`.
 */
export async function udpBlast(
  port: number,
  messages: readonly (string | Uint8Array)[],
  count: number,
  from = '127.0.0.1',
): Promise<number> {
  const encoder = new TextEncoder();
  const packets = messages.map((m) => (typeof m === 'string' ? encoder.encode(m) : m));
  let drained = Promise.withResolvers<void>();
  const socket = await Bun.udpSocket({
    hostname: from,
    connect: { hostname: '127.0.0.1', port },
    socket: { drain: () => drained.resolve() },
  });
  let sent = 0;
  try {
    while (sent < count) {
      const batch = Array.from({ length: Math.min(64, count - sent) }, (_, i) => {
        return packets[(sent + i) % packets.length]!;
      });
      const n = socket.sendMany(batch);
      sent += n;
      if (n < batch.length) {
        await drained.promise;
        drained = Promise.withResolvers<void>();
      }
    }
  } finally {
    socket.close();
  }
  return sent;
}

/** A TCP connection from a loopback source address. */
export function tcpSender(port: number, from = '127.0.0.1'): Promise<Socket> {
  return new Promise((resolve, reject) => {
    const socket = tcpConnect({ port, host: '127.0.0.1', localAddress: from }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** A TLS connection (over a TCP one from `from`) that trusts exactly the given self-signed certificate. */
export async function tlsSender(port: number, ca: string, from = '127.0.0.1'): Promise<Socket> {
  const tcp = await tcpSender(port, from);
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ socket: tcp, ca, servername: 'localhost' }, () => resolve(socket));
    socket.once('error', reject);
  });
}

/** Write and wait until the bytes are handed to the kernel. */
export function write(socket: Socket, data: string | Uint8Array): Promise<void> {
  return new Promise((resolve, reject) => socket.write(data, (error) => (error ? reject(error) : resolve())));
}

/** RFC 6587 octet counting: `<length> <message>`. */
export const octetCounted = (message: string): string =>
  `${new TextEncoder().encode(message).length} ${message}`;

/** A self-signed P-256 certificate for `localhost`, made by the openssl CLI in `dir`. */
export async function selfSignedCert(dir: string): Promise<{ certFile: string; keyFile: string }> {
  const certFile = `${dir}/cert.pem`;
  const keyFile = `${dir}/key.pem`;
  const proc = Bun.spawn(
    [
      'openssl',
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:prime256v1',
      '-nodes',
      '-days',
      '1',
      '-subj',
      '/CN=localhost',
      '-addext',
      'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdout: 'ignore', stderr: 'pipe' },
  );
  if ((await proc.exited) !== 0) throw new Error(`openssl failed: ${await new Response(proc.stderr).text()}`);
  return { certFile, keyFile };
}
