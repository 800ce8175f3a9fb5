/** What the syslog receiver is configured with, its defaults, and the source name it reports. */
import type { Logger } from '../../../engine/log.ts';
import type { EventLog } from '../../../engine/types.ts';
import type { Subjects } from '../../../streams/mod.ts';
import type { IngestMetrics } from '../ingest.ts';
import type { LinesQuota } from '../quota.ts';
import type { SyslogMetrics } from './counters.ts';
import { MAX_MESSAGE_BYTES } from './framing.ts';
import type { SenderRule } from './senders.ts';

export interface SyslogReceiverOptions {
  /** Address the listeners bind to (`0.0.0.0`, `::` for both families). */
  host: string;
  /** Each listener is off when its port is unset; 0 picks a free port (see ports()). */
  udpPort?: number;
  tcpPort?: number;
  tlsPort?: number;
  tlsCertFile?: string;
  tlsKeyFile?: string;
  /** First match wins; a sender that matches none is dropped (`unknown_sender`). */
  senders: readonly SenderRule[];
  log: EventLog;
  subjects: Subjects;
  logger: Logger;
  /** Longest micro-aggregation interval (default 1 s). */
  intervalMs?: number;
  /** Lines a tenant's interval may collect while its previous batch is still being published (default 1,000,000). */
  maxPendingLines?: number;
  /** Longer messages are dropped as `oversize` (default 8 KB). */
  maxMessageBytes?: number;
  /**
   * SO_RCVBUF asked for on the UDP socket (default 8 MiB): what the kernel holds while the
   * receiver is not reading. Unprivileged, Linux caps it at net.core.rmem_max.
   */
  udpRcvbufBytes?: number;
  /** Datagrams read but not yet handled, in bytes, beyond which UDP is dropped as `queue_full` (default 64 MiB). */
  udpBacklogBytes?: number;
  /** Open connections per TCP or TLS listener beyond which new ones are closed at once (default 1,000). */
  maxConnections?: number;
  /** How long stop() keeps retrying a failing publish before giving up on it (default 10 s). */
  stopTimeoutMs?: number;
  /** Backoff between publish retries: doubling from base to max (default 250 ms to 10 s). */
  retryBaseMs?: number;
  retryMaxMs?: number;
  now?: () => number;
  /** Lines that reached the parser, by tenant, with source `syslog`. */
  metrics?: IngestMetrics;
  /** Messages dropped before the parser. */
  syslogMetrics?: SyslogMetrics;
  /**
   * Each tenant's lines-per-second quota: a tenant over it is held in its own queue (TCP and
   * TLS paused, UDP shed as `over_quota` past the bound); absent: no limit.
   */
  quota?: LinesQuota;
  /** Seconds of a tenant's quota its interval may hold beside a batch in flight; beyond, it is over quota (default 5). */
  quotaHoldSeconds?: number;
}

const DEFAULTS = {
  intervalMs: 1_000,
  maxPendingLines: 1_000_000,
  maxMessageBytes: MAX_MESSAGE_BYTES,
  udpRcvbufBytes: 8 * 1024 * 1024,
  udpBacklogBytes: 64 * 1024 * 1024,
  maxConnections: 1_000,
  stopTimeoutMs: 10_000,
  retryBaseMs: 250,
  retryMaxMs: 10_000,
  quotaHoldSeconds: 5,
  now: Date.now,
};

export type Settings = SyslogReceiverOptions & typeof DEFAULTS;

/** The options with defaults filled in (an option given as undefined takes its default too). */
export function settings(options: SyslogReceiverOptions): Settings {
  const given = Object.fromEntries(Object.entries(options).filter(([, value]) => value !== undefined));
  return { ...DEFAULTS, ...(given as SyslogReceiverOptions) };
}

/** `syslog:udp:0.0.0.0:514,tcp:0.0.0.0:601`: the listeners as configured (no secrets). */
export function sourceName({ host, udpPort, tcpPort, tlsPort }: SyslogReceiverOptions): string {
  const parts = [
    udpPort === undefined ? null : `udp:${host}:${udpPort}`,
    tcpPort === undefined ? null : `tcp:${host}:${tcpPort}`,
    tlsPort === undefined ? null : `tls:${host}:${tlsPort}`,
  ].filter((p) => p !== null);
  return `syslog:${parts.join(',') || 'off'}`;
}

export interface BoundPorts {
  udp?: number;
  tcp?: number;
  tls?: number;
}
