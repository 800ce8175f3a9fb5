/**
 * Named SSH errors. Each carries a `code` so health reports and callers branch
 * on codes, not message text. A refused host key is its own class: it is a
 * security decision, never a network hiccup, and the operator must act on it.
 */

export const SshErrorCode = {
  HostKeyUnknown: 'host_key_unknown',
  HostKeyMismatch: 'host_key_mismatch',
  HostKeyRevoked: 'host_key_revoked',
  AuthFailed: 'auth_failed',
  ConnectFailed: 'connect_failed',
  Timeout: 'timeout',
  Sftp: 'sftp_failed',
  NotConnected: 'not_connected',
  Config: 'config_invalid',
} as const;
export type SshErrorCode = (typeof SshErrorCode)[keyof typeof SshErrorCode];

export type HostKeyErrorCode =
  | typeof SshErrorCode.HostKeyUnknown
  | typeof SshErrorCode.HostKeyMismatch
  | typeof SshErrorCode.HostKeyRevoked;

export class SshError extends Error {
  readonly code: SshErrorCode;
  constructor(code: SshErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = new.target.name;
    this.code = code;
  }
}

/** The server presented a key we do not trust: the connection was refused before authenticating. */
export class HostKeyError extends SshError {
  /** What the server presented, `SHA256:<base64>`. */
  readonly fingerprint: string;
  constructor(code: HostKeyErrorCode, message: string, fingerprint: string) {
    super(code, message);
    this.fingerprint = fingerprint;
  }
}
