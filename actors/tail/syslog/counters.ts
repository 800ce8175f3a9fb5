/**
 * What the receiver counts, for health() and metrics. Every message received
 * ends up in exactly one of parsed, rejected, ignored or dropped (or is still
 * pending in an interval); the per-reason counts say why.
 */
import type { AnalysisStats } from '../../../domain/analysis.ts';
import { DropReason } from './framing.ts';
import { SyslogFormat } from './header.ts';

export const Transport = { Udp: 'udp', Tcp: 'tcp', Tls: 'tls' } as const;
export type Transport = (typeof Transport)[keyof typeof Transport];

/** Where drops are reported (a metrics registry); lines that reach the parser go through IngestMetrics. */
export interface SyslogMetrics {
  dropped(transport: Transport, reason: DropReason, count: number): void;
}

export class ReceiverCounters {
  /** Messages (datagrams and frames) received, whatever became of them. */
  received = 0;
  /** SGACLHIT lines accepted. */
  parsed = 0;
  /** Refused by the parser, see `rejectedBy`. */
  rejected = 0;
  /** Other syslog traffic. */
  ignored = 0;
  dropped = 0;
  readonly droppedBy: Record<DropReason, number> = {
    [DropReason.UnknownSender]: 0,
    [DropReason.QueueFull]: 0,
    [DropReason.OverQuota]: 0,
    [DropReason.Oversize]: 0,
    [DropReason.BadFrame]: 0,
  };
  readonly rejectedBy = new Map<string, number>();
  /** Of the messages received, those without a usable syslog header (passed on as they are). */
  notSyslog = 0;
  badHeader = 0;
  deltas = 0;
  /** Lines whose batch waited for the tenant's lines-per-second quota. */
  throttled = 0;
  publishFailures = 0;
  /** Deltas given up on because stop() ran out of time while publishing kept failing. */
  lostDeltas = 0;
  connections = 0;
  /** Connections turned away because `maxConnections` were open. */
  refusedConnections = 0;
  tlsErrors = 0;

  format(format: SyslogFormat): void {
    if (format === SyslogFormat.NotSyslog) this.notSyslog++;
    else if (format === SyslogFormat.BadHeader) this.badHeader++;
  }

  drop(reason: DropReason, count = 1): void {
    this.dropped += count;
    this.droppedBy[reason] += count;
  }

  /** One interval's analysis. */
  analysed(stats: AnalysisStats): void {
    this.parsed += stats.events;
    this.ignored += stats.notSgaclHit;
    this.rejected += stats.rejectedTotal;
    for (const [reason, entry] of Object.entries(stats.rejected)) {
      if (entry !== undefined) this.rejectedBy.set(reason, (this.rejectedBy.get(reason) ?? 0) + entry.count);
    }
  }

  /** Flat, for SourceHealth: `dropped_<reason>` and `rejected_<reason>` beside the totals. */
  snapshot(): Record<string, number> {
    const out: Record<string, number> = {
      received: this.received,
      parsed: this.parsed,
      rejected: this.rejected,
      ignored: this.ignored,
      dropped: this.dropped,
      not_syslog: this.notSyslog,
      bad_header: this.badHeader,
      deltas: this.deltas,
      throttled: this.throttled,
      publish_failures: this.publishFailures,
      lost_deltas: this.lostDeltas,
      connections: this.connections,
      refused_connections: this.refusedConnections,
      tls_errors: this.tlsErrors,
    };
    for (const [reason, n] of Object.entries(this.droppedBy)) out[`dropped_${reason}`] = n;
    for (const [reason, n] of this.rejectedBy) out[`rejected_${reason}`] = n;
    return out;
  }
}
