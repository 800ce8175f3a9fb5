/**
 * Named errors of the ISE sync. ISE's own failures stay `IseError` (the
 * edge answers them 502 naming the cause); these are the sync's refusals,
 * each with a `code` the edge maps to a status:
 * NOT_CONFIGURED → 404 or 409, NOT_READY → 409, VERSION_NOT_FOUND → 404,
 * NO_MATRIX → 409, BUSY → 409.
 */

export const IseSyncErrorCode = {
  /** The tenant has no ISE connection. */
  NotConfigured: 'NOT_CONFIGURED',
  /** deny-default below the readiness setting, without `force`. */
  NotReady: 'NOT_READY',
  /** The version asked for was never written. */
  VersionNotFound: 'VERSION_NOT_FOUND',
  /** No approved version yet: nothing to plan or compare against. */
  NoMatrix: 'NO_MATRIX',
  /** Another push or import of the same tenant is running. */
  Busy: 'BUSY',
} as const;
export type IseSyncErrorCode = (typeof IseSyncErrorCode)[keyof typeof IseSyncErrorCode];

export class IseSyncError extends Error {
  readonly code: IseSyncErrorCode;
  /** Plain data for the caller (e.g. NOT_READY's readiness and the setting). */
  readonly detail: Record<string, unknown>;

  constructor(code: IseSyncErrorCode, message: string, detail: Record<string, unknown> = {}) {
    super(message);
    this.name = 'IseSyncError';
    this.code = code;
    this.detail = detail;
  }
}

export const isIseSyncError = (e: unknown, code?: IseSyncErrorCode): e is IseSyncError =>
  e instanceof IseSyncError && (code === undefined || e.code === code);
