/**
 * The HTTP details of talking to WebEx, apart from the client: its named
 * error, and reading `Retry-After`, `Link` and error bodies.
 */
import * as v from 'valibot';
import { ErrorBody } from './schemas.ts';

export const WebexErrorCode = {
  /** An HTTP error status that retrying will not change (400, 401, 403, 404…). */
  Rejected: 'WEBEX_REJECTED',
  /** Still failing (429 / 5xx / connection) after the last attempt. */
  Exhausted: 'WEBEX_RETRIES_EXHAUSTED',
  /** The server asked us to wait longer than we are willing to within one call. */
  RetryAfterTooLong: 'WEBEX_RETRY_AFTER_TOO_LONG',
  Timeout: 'WEBEX_TIMEOUT',
  BadAnswer: 'WEBEX_BAD_ANSWER',
} as const;
export type WebexErrorCode = (typeof WebexErrorCode)[keyof typeof WebexErrorCode];

export class WebexError extends Error {
  readonly code: WebexErrorCode;
  readonly status: number | undefined;
  /** Whether trying again later may succeed. */
  readonly retryable: boolean;
  constructor(
    code: WebexErrorCode,
    message: string,
    o: { status?: number; retryable: boolean; cause?: unknown },
  ) {
    super(message, { cause: o.cause });
    this.name = 'WebexError';
    this.code = code;
    this.status = o.status;
    this.retryable = o.retryable;
  }
}

/** `Retry-After` as seconds or an HTTP date, in ms; null when absent or unreadable. */
export function retryAfterMs(value: string | null, nowMs: number): number | null {
  const raw = value?.trim();
  if (raw === undefined || raw === '') return null;
  if (/^\d+$/.test(raw)) return Number(raw) * 1000;
  const at = Date.parse(raw);
  return Number.isNaN(at) ? null : Math.max(0, at - nowMs);
}

/** The `rel="next"` target of a Link header. */
export function nextLink(header: string | null): string | null {
  for (const part of (header ?? '').split(',')) {
    const m = /^\s*<([^>]+)>\s*;\s*rel="?next"?/i.exec(part);
    if (m) return m[1] ?? null;
  }
  return null;
}

/** `: message (tracking id)` from an error body, for the error message; empty when unreadable. */
export async function errorDetail(res: Response): Promise<string> {
  try {
    const body = v.safeParse(ErrorBody, await res.json());
    if (!body.success) return '';
    const { message, trackingId } = body.output;
    return `${message ? `: ${message.slice(0, 300)}` : ''}${trackingId ? ` (tracking id ${trackingId})` : ''}`;
  } catch {
    return '';
  }
}
