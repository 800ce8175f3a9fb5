/**
 * How ISE failures become HTTP answers, in one place, so REST, the dashboard
 * and (through REST) MCP and the CLI say the same thing:
 *
 *   sync NOT_CONFIGURED      → 409 "ISE not configured": the route and the
 *                              tenant exist; what is missing is a setting of
 *                              the tenant, which an administrator can add.
 *                              404 means "no such object (or another
 *                              tenant's)" everywhere else in this API, and
 *                              would send a client looking for a typo.
 *   sync NOT_READY           → 409 with code NOT_READY and the readiness figures
 *   sync VERSION_NOT_FOUND   → 404
 *   sync NO_MATRIX, BUSY     → 409 (nothing approved yet; another push of the tenant runs)
 *   IseError                 → 502 naming the cause: wrong credentials, an
 *                              untrusted certificate, ISE unreachable, what ISE
 *                              answered. The sync reads before it writes, so such
 *                              a failure before the first write leaves ISE as it was.
 *   IseError INVALID_CONFIG  → 500: the product's ISE settings, not ISE, are wrong
 */
import { IseError, IseErrorCode } from '../../integrations/ise/errors.ts';
import { IseSyncError, IseSyncErrorCode } from '../../integrations/ise/sync/mod.ts';
import { HttpError } from '../problem.ts';

/** The IseError behind an error (itself, or a cause down its chain), or null. */
export function iseErrorOf(error: unknown): IseError | null {
  let e: unknown = error;
  for (let depth = 0; depth < 5 && e instanceof Error; depth++) {
    if (e instanceof IseError) return e;
    e = e.cause;
  }
  return null;
}

const TITLES: Partial<Record<IseErrorCode, string>> = {
  [IseErrorCode.Unauthorized]: 'ISE refused the credentials',
  [IseErrorCode.Forbidden]: 'ISE refused the account',
  [IseErrorCode.Csrf]: 'ISE refused the CSRF token',
  [IseErrorCode.UntrustedCertificate]: 'ISE certificate not trusted',
  [IseErrorCode.Unreachable]: 'ISE unreachable',
  [IseErrorCode.RateLimited]: 'ISE busy',
  [IseErrorCode.Server]: 'ISE failed',
  [IseErrorCode.InvalidResponse]: 'ISE answered unexpectedly',
};

/** What an IseError tells a client beyond its message: where it happened and what ISE said. */
function iseDetails(e: IseError): Record<string, unknown> {
  return {
    code: e.code,
    ise: {
      ...(e.status === undefined ? {} : { status: e.status }),
      ...(e.method === undefined ? {} : { method: e.method }),
      ...(e.path === undefined ? {} : { path: e.path }),
      ...(e.titles.length === 0 ? {} : { titles: e.titles }),
      retryable: e.retryable,
      ...(e.outcomeUnknown ? { outcomeUnknown: true } : {}),
    },
  };
}

export function notConfigured(tenant: string): HttpError {
  return new HttpError(
    409,
    'ISE not configured',
    `tenant ${tenant} has no ISE connection: an administrator sets SCOPILOT_ISE__URL, __USERNAME and ` +
      '__PASSWORD (the default tenant) or an entry of SCOPILOT_ISE__TENANTS',
    { code: IseSyncErrorCode.NotConfigured },
  );
}

const PROBLEM_MEMBERS = new Set(['type', 'title', 'status', 'detail', 'instance']);

const SYNC_STATUS: Record<IseSyncErrorCode, { status: number; title: string }> = {
  [IseSyncErrorCode.NotConfigured]: { status: 409, title: 'ISE not configured' },
  [IseSyncErrorCode.NotReady]: { status: 409, title: 'Not ready for a deny default' },
  [IseSyncErrorCode.VersionNotFound]: { status: 404, title: 'Not found' },
  [IseSyncErrorCode.NoMatrix]: { status: 409, title: 'No approved matrix' },
  [IseSyncErrorCode.Busy]: { status: 409, title: 'ISE push in progress' },
};

/** The HttpError for an ISE or sync failure, or null for anything else (an internal error). */
export function iseHttpError(error: unknown, tenant: string): HttpError | null {
  if (error instanceof IseSyncError) {
    if (error.code === IseSyncErrorCode.NotConfigured) return notConfigured(tenant);
    const { status, title } = SYNC_STATUS[error.code];
    // The sync's plain data, never over the problem's own members; NOT_READY's figures as `readiness`.
    const { ratio, required, ...rest } = error.detail;
    const extra = Object.fromEntries(Object.entries(rest).filter(([k]) => !PROBLEM_MEMBERS.has(k)));
    if (error.code === IseSyncErrorCode.NotReady) extra.readiness = { ratio, required };
    else
      Object.assign(extra, ratio === undefined ? {} : { ratio }, required === undefined ? {} : { required });
    return new HttpError(status, title, error.message, { ...extra, code: error.code });
  }
  const ise = iseErrorOf(error);
  if (ise === null) return null;
  if (ise.code === IseErrorCode.InvalidConfig)
    return new HttpError(500, 'ISE settings unusable', ise.message, { code: ise.code });
  return new HttpError(502, TITLES[ise.code] ?? 'ISE refused the request', ise.message, iseDetails(ise));
}

/** Run `fn`; an ISE or sync failure is thrown as its HttpError, anything else as it came. */
export async function orIseProblem<T>(tenant: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (error) {
    throw iseHttpError(error, tenant) ?? error;
  }
}
