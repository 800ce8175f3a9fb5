/**
 * RFC 9457 problem details. Every error the edge returns goes through here,
 * so clients can rely on one shape: type, title, status, detail.
 */
export interface Problem {
  type?: string;
  title: string;
  status: number;
  detail?: string;
  [extension: string]: unknown;
}

export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

export function problem(p: Problem): Response {
  return new Response(JSON.stringify({ type: 'about:blank', ...p }), {
    status: p.status,
    headers: { 'content-type': PROBLEM_CONTENT_TYPE },
  });
}

/** Thrown by handlers and helpers; the app's error handler turns it into problem+json. */
export class HttpError extends Error {
  readonly status: number;
  readonly title: string;
  readonly extensions: Record<string, unknown>;
  constructor(status: number, title: string, detail: string, extensions: Record<string, unknown> = {}) {
    super(detail);
    this.name = 'HttpError';
    this.status = status;
    this.title = title;
    this.extensions = extensions;
  }
}

export const badRequest = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpError(400, 'Bad request', detail, extensions);
export const notFound = (detail: string) => new HttpError(404, 'Not found', detail);
export const conflict = (detail: string, extensions?: Record<string, unknown>) =>
  new HttpError(409, 'Conflict', detail, extensions);
export const tooLarge = (detail: string) => new HttpError(413, 'Payload too large', detail);
