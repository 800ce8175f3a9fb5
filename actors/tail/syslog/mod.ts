/** The syslog receiver (UDP, TCP, TLS; RFC 3164 and RFC 5424) and what callers configure or read of it. */
export { ReceiverCounters, type SyslogMetrics, Transport } from './counters.ts';
export { SyslogError, SyslogErrorCode } from './errors.ts';
export { DropReason, MAX_MESSAGE_BYTES } from './framing.ts';
export type { BoundPorts, SyslogReceiverOptions } from './options.ts';
export { type SyslogHealth, SyslogReceiver } from './receiver.ts';
export type { SenderRule } from './senders.ts';
export type { UdpHealth } from './udp.ts';
