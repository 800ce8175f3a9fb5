/** Errors of the syslog receiver, each with a `code` callers branch on. */

export const SyslogErrorCode = {
  /** A `senders` entry that is no address or CIDR. */
  BadSender: 'SYSLOG_BAD_SENDER',
  /** A listener could not bind (port in use, no permission, no such address). */
  Bind: 'SYSLOG_BIND',
  /** TLS is configured without a readable certificate and key. */
  Tls: 'SYSLOG_TLS',
} as const;
export type SyslogErrorCode = (typeof SyslogErrorCode)[keyof typeof SyslogErrorCode];

export class SyslogError extends Error {
  readonly code: SyslogErrorCode;
  constructor(code: SyslogErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}
