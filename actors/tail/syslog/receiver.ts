/**
 * The syslog receiver: switches (or a relay) send SGACLHIT lines over UDP,
 * TCP or TLS; each sender's address says which tenant they belong to; lines
 * are aggregated per tenant for up to a second and published as
 * `flows.observed` deltas, like the file tail does.
 *
 * Unlike a file there is nothing to re-read after a crash: what is in hand
 * (at most one interval) is lost if the process dies, and a UDP sender does
 * not resend. Everything else is counted: received, parsed, rejected and
 * ignored by the parser, dropped before parsing with a reason, and what the
 * kernel dropped before the UDP socket was read (`udp_kernel_drops`).
 *
 * Each tenant has its own queue per transport, so a tenant over its
 * lines-per-second quota is held back in its own queue (queue.ts) while the
 * others' lines keep flowing; UDP lines past its bound are shed and counted
 * (`dropped_over_quota`, `scopilot_quota_shed_total`).
 */
import { createServer, type Server, type Socket } from 'node:net';
import type { LogSource, SourceHealth } from '../source.ts';
import { SourceState } from '../source.ts';
import { ReceiverCounters, Transport } from './counters.ts';
import { SyslogError, SyslogErrorCode } from './errors.ts';
import { DropReason, trimTrailer } from './framing.ts';
import { listen, readStream, tlsServer } from './listeners.ts';
import {
  type BoundPorts,
  type Settings,
  type SyslogReceiverOptions,
  settings,
  sourceName,
} from './options.ts';
import { TenantQueue } from './queue.ts';
import { type Sender, SenderMap } from './senders.ts';
import { type UdpHealth, UdpListener } from './udp.ts';
import type { Batch } from './udp-messages.ts';

export interface SyslogHealth extends SourceHealth {
  /** The UDP listener's socket as the kernel sees it. */
  udp?: UdpHealth;
}

/** Unique per process start: with a sequence number it names each interval's deltas. */
const bootId = () => `${Date.now().toString(36)}${crypto.randomUUID().slice(0, 8)}`;

export class SyslogReceiver implements LogSource {
  readonly name: string;
  readonly counters = new ReceiverCounters();
  readonly #o: Settings;
  readonly #senders: SenderMap;
  readonly #queues = new Map<string, TenantQueue>();
  /** Open connections, each with a promise of its end (its last message queued). */
  readonly #sockets = new Map<Socket, Promise<void>>();
  readonly #boot = bootId();
  #sequence = 0;
  #udp: UdpListener | null = null;
  /** Kept once stopped: its last kernel counts stay in health(). */
  #udpStopped: UdpListener | null = null;
  readonly #servers: Server[] = [];
  #ports: BoundPorts = {};
  #state: SourceState = SourceState.Connecting;
  #detail: string | undefined;
  #lastReadAtMs: number | null = null;
  #isoMs = -1;
  #iso = '';
  /** Reused for every datagram: its sender is set before the message is queued. */
  readonly #udpOrigin = { sender: '', receivedAt: () => this.#receivedAt() };

  constructor(options: SyslogReceiverOptions) {
    this.#o = settings(options);
    this.#senders = new SenderMap(options.senders);
    this.name = sourceName(options);
  }

  /** Bind every configured listener; if one fails, none stays open and the error names it. */
  async start(): Promise<void> {
    const { host, udpPort, tcpPort, tlsPort, tlsCertFile, tlsKeyFile } = this.#o;
    try {
      if (udpPort !== undefined) {
        const { udpRcvbufBytes, udpBacklogBytes } = this.#o;
        this.#udp = await UdpListener.bind({
          host,
          port: udpPort,
          receiveBufferBytes: udpRcvbufBytes,
          backlogBytes: udpBacklogBytes,
          onBatch: (batch) => this.#batch(batch),
          onFailure: (error) => this.#failed(Transport.Udp, error),
        });
        this.#ports.udp = this.#udp.port;
        const granted = this.#udp.grantedBelow(udpRcvbufBytes);
        if (granted !== null) {
          this.#o.logger.warn(
            { requestedBytes: udpRcvbufBytes, grantedBytes: granted },
            'syslog udp: the kernel granted a smaller receive buffer than configured (raise net.core.rmem_max)',
          );
        }
      }
      if (tcpPort !== undefined) {
        const server = createServer((socket) => this.#connection(socket, Transport.Tcp));
        this.#limit(server);
        this.#ports.tcp = await listen(server, Transport.Tcp, host, tcpPort);
        server.on('error', (error) => this.#failed(Transport.Tcp, error));
      }
      if (tlsPort !== undefined) {
        if (tlsCertFile === undefined || tlsKeyFile === undefined) {
          throw new SyslogError(SyslogErrorCode.Tls, 'syslog tls needs tlsCertFile and tlsKeyFile');
        }
        const server = await tlsServer(tlsCertFile, tlsKeyFile);
        // Unknown senders are refused before the handshake costs anything.
        server.on('connection', (socket: Socket) => this.#known(socket, Transport.Tls));
        server.on('secureConnection', (socket) => this.#connection(socket, Transport.Tls));
        server.on('tlsClientError', (error, socket) => {
          if (this.#senders.resolve(socket.remoteAddress ?? '') === null) return; // refused above
          this.counters.tlsErrors++;
          this.#o.logger.debug({ err: error }, 'syslog tls handshake failed');
        });
        this.#limit(server);
        this.#ports.tls = await listen(server, Transport.Tls, host, tlsPort);
        server.on('error', (error) => this.#failed(Transport.Tls, error));
      }
    } catch (error) {
      await this.#closeListeners();
      this.#state = SourceState.Down;
      this.#detail = error instanceof Error ? error.message : String(error);
      throw error;
    }
    this.#state = SourceState.Up;
    this.#detail = undefined;
    this.#o.logger.info({ source: this.name, ports: this.#ports }, 'syslog receiver listening');
  }

  /** Stop listening, end open connections, publish what is in hand. */
  async stop(): Promise<void> {
    await this.#closeListeners();
    await Promise.all([...this.#queues.values()].map((q) => q.close(this.#o.stopTimeoutMs)));
    this.#state = SourceState.Down;
    this.#detail = 'stopped';
  }

  /** The ports actually bound (port 0 picks a free one), once started. */
  ports(): BoundPorts {
    return { ...this.#ports };
  }

  health(): SyslogHealth {
    const udp = (this.#udp ?? this.#udpStopped)?.health(this.#o.udpRcvbufBytes);
    const counters = this.counters.snapshot();
    if (udp?.kernelDrops != null) counters.udp_kernel_drops = udp.kernelDrops;
    return {
      name: this.name,
      kind: 'syslog',
      state: this.#state,
      ...(this.#detail === undefined ? {} : { detail: this.#detail }),
      lastReadAtMs: this.#lastReadAtMs,
      counters,
      ...(udp === undefined ? {} : { udp }),
    };
  }

  /** Datagrams read by the listener's worker, in arrival order. */
  #batch({ data, ends, from, addresses, dropped }: Batch): void {
    this.#lastReadAtMs = this.#o.now();
    let start = 0;
    for (let i = 0; i < ends.length; i++) {
      const end = ends[i]!;
      this.counters.received++;
      const reason = this.#admit(data.subarray(start, end), addresses[from[i]!]!);
      if (reason !== null) this.#drop(Transport.Udp, reason);
      start = end;
    }
    if (dropped > 0) {
      // Read by the worker while too much was waiting for this thread: the product's own queue was full.
      this.counters.received += dropped;
      this.counters.drop(DropReason.QueueFull, dropped);
      this.#o.syslogMetrics?.dropped(Transport.Udp, DropReason.QueueFull, dropped);
    }
  }

  /** Queue one datagram: null, or why it is dropped. */
  #admit(message: Uint8Array, address: string): DropReason | null {
    const sender = this.#senders.resolve(address);
    if (sender === null) return DropReason.UnknownSender;
    if (message.length > this.#o.maxMessageBytes) return DropReason.Oversize;
    const end = trimTrailer(message, 0, message.length);
    if (end === 0) return DropReason.BadFrame;
    const queue = this.#queue(sender.tenant, Transport.Udp);
    if (queue.full) {
      if (!queue.overQuota) return DropReason.QueueFull;
      this.#o.quota?.shed(sender.tenant, 1);
      return DropReason.OverQuota;
    }
    this.#udpOrigin.sender = sender.address;
    queue.add(message, 0, end, this.#udpOrigin);
    return null;
  }

  /** The connection's sender; an unknown one is refused (counted as one dropped message). */
  #known(socket: Socket, transport: Transport): Sender | null {
    const sender = this.#senders.resolve(socket.remoteAddress ?? '');
    if (sender !== null) return sender;
    this.counters.received++;
    this.#drop(transport, DropReason.UnknownSender);
    socket.destroy();
    return null;
  }

  #connection(socket: Socket, transport: Transport): void {
    const sender = this.#known(socket, transport);
    if (sender === null) return;
    this.counters.connections++;
    const closed = Promise.withResolvers<void>();
    this.#sockets.set(socket, closed.promise);
    readStream(socket, sender, this.#queue(sender.tenant, transport), this.#o.maxMessageBytes, {
      received: () => {
        this.counters.received++;
        this.#lastReadAtMs = this.#o.now();
      },
      receivedAt: () => this.#receivedAt(),
      dropped: (reason) => {
        this.counters.received++;
        this.#drop(transport, reason);
      },
      closed: () => {
        this.#sockets.delete(socket);
        closed.resolve();
      },
    });
  }

  /** Keep the server for stop(), and cap its connections: each holds a decoder buffer. */
  #limit(server: Server): void {
    server.maxConnections = this.#o.maxConnections;
    server.on('drop', () => this.counters.refusedConnections++);
    this.#servers.push(server);
  }

  #queue(tenant: string, transport: Transport): TenantQueue {
    const key = `${transport}/${tenant}`;
    let queue = this.#queues.get(key);
    if (queue === undefined) {
      queue = new TenantQueue({
        ...this.#o,
        tenant,
        transport,
        nextOrigin: () => `${this.#boot}-${++this.#sequence}`,
        counters: this.counters,
      });
      this.#queues.set(key, queue);
    }
    return queue;
  }

  #drop(transport: Transport, reason: DropReason): void {
    this.counters.drop(reason);
    this.#o.syslogMetrics?.dropped(transport, reason, 1);
  }

  /** The time of receipt for headers without one, as RFC 3339; one Date per millisecond at most. */
  #receivedAt(): string {
    const ms = this.#o.now();
    if (ms !== this.#isoMs) {
      this.#isoMs = ms;
      this.#iso = new Date(ms).toISOString();
    }
    return this.#iso;
  }

  #failed(transport: Transport, error: Error): void {
    this.#state = SourceState.Down;
    this.#detail = `${transport}: ${error.message}`;
    this.#o.logger.error({ err: error, source: this.name, transport }, 'syslog listener failed');
  }

  async #closeListeners(): Promise<void> {
    const udp = this.#udp;
    this.#udp = null;
    this.#udpStopped = udp;
    const closing = this.#servers
      .splice(0)
      .map((server) => new Promise<void>((resolve) => server.close(() => resolve())));
    if (udp !== null) closing.push(udp.close());
    for (const socket of this.#sockets.keys()) socket.destroy();
    closing.push(...this.#sockets.values());
    await Promise.all(closing);
  }
}
