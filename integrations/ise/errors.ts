/**
 * Named errors of the ISE ERS client. Every failure a caller can see is an
 * IseError whose `code` says what went wrong and whose message names the
 * cause in words an operator can act on: these messages end up in the
 * `detail` of a 502 problem+json, so they say which call failed, what ISE
 * answered (its ERSResponse titles) and, where it helps, what to change.
 * Credentials never appear in a message.
 */

export const IseErrorCode = {
  /** 401: wrong username or password, or the account may not use ERS. */
  Unauthorized: 'UNAUTHORIZED',
  /** 403 that is not about CSRF: e.g. an `ERS Operator` account trying to write. */
  Forbidden: 'FORBIDDEN',
  /** 403 about the CSRF token, still refused after fetching a fresh token. */
  Csrf: 'CSRF',
  NotFound: 'NOT_FOUND',
  /** 400 "Cell Already Exists", or a name that is taken. */
  AlreadyExists: 'ALREADY_EXISTS',
  /** 409: ISE refused the change because of the object's current state. */
  Conflict: 'CONFLICT',
  /** Any other 400 (or 405/406/415): ISE did not accept the request as sent. */
  BadRequest: 'BAD_REQUEST',
  /** TLS verification failed: ISE's certificate is not signed by the configured CA, expired, or names another host. */
  UntrustedCertificate: 'UNTRUSTED_CERTIFICATE',
  /** No connection, no TLS handshake, or no answer in time. */
  Unreachable: 'UNREACHABLE',
  /** 429 after the last attempt. */
  RateLimited: 'RATE_LIMITED',
  /** 5xx. */
  Server: 'SERVER',
  /** ISE answered, but not in the documented shape (not JSON, a field missing, no Location header). */
  InvalidResponse: 'INVALID_RESPONSE',
  /** The client was given something it cannot use (not an https URL, a CA bundle that is not PEM). */
  InvalidConfig: 'INVALID_CONFIG',
} as const;
export type IseErrorCode = (typeof IseErrorCode)[keyof typeof IseErrorCode];

export interface IseErrorDetails {
  /** HTTP status, when ISE answered. */
  status?: number;
  /** `GET`, `POST`… of the failed call. */
  method?: string;
  /** Path of the failed call, e.g. `/ers/config/egressmatrixcell`. */
  path?: string;
  /** ERSResponse `messages[].title`, as ISE wrote them. */
  titles?: readonly string[];
  /** ERSResponse `operation`, e.g. `POST-create`. */
  operation?: string;
  /** Whether the same call later may succeed (a network hiccup, a 5xx). */
  retryable?: boolean;
  /**
   * A write whose fate is unknown: it was sent but the answer never came
   * (timeout, dropped connection). Re-read ISE before deciding to send it again.
   */
  outcomeUnknown?: boolean;
  cause?: unknown;
}

export class IseError extends Error {
  readonly code: IseErrorCode;
  readonly status: number | undefined;
  readonly method: string | undefined;
  readonly path: string | undefined;
  readonly titles: readonly string[];
  readonly operation: string | undefined;
  readonly retryable: boolean;
  readonly outcomeUnknown: boolean;

  constructor(code: IseErrorCode, message: string, d: IseErrorDetails = {}) {
    super(message, d.cause === undefined ? undefined : { cause: d.cause });
    this.name = 'IseError';
    this.code = code;
    this.status = d.status;
    this.method = d.method;
    this.path = d.path;
    this.titles = d.titles ?? [];
    this.operation = d.operation;
    this.retryable = d.retryable ?? false;
    this.outcomeUnknown = d.outcomeUnknown ?? false;
  }
}

export const isIseError = (e: unknown, code?: IseErrorCode): e is IseError =>
  e instanceof IseError && (code === undefined || e.code === code);

/** The code for an HTTP error status, before looking at ISE's titles. */
export function codeForStatus(status: number): IseErrorCode {
  if (status === 401) return IseErrorCode.Unauthorized;
  if (status === 403) return IseErrorCode.Forbidden;
  if (status === 404) return IseErrorCode.NotFound;
  if (status === 409) return IseErrorCode.Conflict;
  if (status === 429) return IseErrorCode.RateLimited;
  if (status >= 500) return IseErrorCode.Server;
  return IseErrorCode.BadRequest;
}

/** What to tell an operator beyond ISE's own words, per code. */
export const HINTS: Partial<Record<IseErrorCode, string>> = {
  [IseErrorCode.Unauthorized]:
    'check the ERS username and password, and that the account has the ERS Admin (or ERS Operator) role',
  [IseErrorCode.Forbidden]: 'the account may lack the ERS Admin role needed to write',
  [IseErrorCode.Csrf]:
    'ISE has enhanced security (CSRF) enabled and refused the token; enable CSRF handling in the client',
  [IseErrorCode.UntrustedCertificate]:
    "configure the CA bundle that signed ISE's ERS certificate (and connect by a name the certificate lists)",
};

/** TLS verification error codes (OpenSSL / BoringSSL names as Bun and Node report them). */
export function isCertificateErrorCode(code: string): boolean {
  return (
    code.startsWith('CERT_') ||
    code.startsWith('ERR_TLS_CERT') ||
    code.startsWith('UNABLE_TO_') ||
    code === 'SELF_SIGNED_CERT_IN_CHAIN' ||
    code === 'DEPTH_ZERO_SELF_SIGNED_CERT' ||
    code === 'HOSTNAME_MISMATCH' ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
  );
}
