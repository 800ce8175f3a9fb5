/**
 * The CLI's HTTP client of the REST API (DESIGN §9): base URL and bearer token
 * from SCOPILOT_API_BASE / SCOPILOT_API_TOKEN, a timeout on every request, and
 * every failure turned into one line a person can act on. Mistakes in what the
 * user gave (400, 413, 422) are UsageErrors (exit 2); the rest exit 1.
 */
import { UsageError } from '../usage.ts';

export const DEFAULT_BASE = 'http://127.0.0.1:8000';
export const DEFAULT_TIMEOUT_MS = 30_000;
const USER_AGENT = 'scopilot-cli/0.1';

/** An operation that reached the server, or tried to, and failed: exit 1. */
export class ApiError extends Error {
  readonly code = 'API';
  /** The HTTP status, or 0 when no answer came. */
  readonly status: number;
  constructor(status: number, message: string) {
    super(message);
    this.name = 'ApiError';
    this.status = status;
  }
}

export interface RequestOptions {
  query?: Record<string, string | undefined>;
  /** A JSON value (sent as application/json) unless `contentType` says otherwise. */
  json?: unknown;
  body?: BodyInit;
  contentType?: string;
  headers?: Record<string, string>;
  /** 0: no timeout (uploads and streams). */
  timeoutMs?: number;
  /** Error statuses answered as the Response instead of thrown (a body the command still shows). */
  accept?: readonly number[];
  signal?: AbortSignal;
}

interface ProblemBody {
  title?: unknown;
  detail?: unknown;
}

/** `detail` of a problem+json body, else its title, else the status line. */
async function problemDetail(response: Response): Promise<string> {
  const text = await response.text().catch(() => '');
  try {
    const p = JSON.parse(text) as ProblemBody;
    if (typeof p.detail === 'string' && p.detail !== '') return p.detail;
    if (typeof p.title === 'string' && p.title !== '') return p.title;
  } catch {
    // Not JSON: a proxy's page, say. Its first line is better than nothing.
  }
  const first = text.trim().split('\n', 1)[0]?.slice(0, 200) ?? '';
  return first !== '' ? first : `${response.status} ${response.statusText}`.trim();
}

export class ApiClient {
  readonly base: string;
  readonly #token: string | undefined;

  constructor(env: Record<string, string | undefined> = process.env) {
    const base = (env.SCOPILOT_API_BASE ?? '').trim() || DEFAULT_BASE;
    let url: URL;
    try {
      url = new URL(base);
    } catch {
      throw new UsageError(`SCOPILOT_API_BASE ${JSON.stringify(base)} is not a URL`);
    }
    if (url.protocol !== 'http:' && url.protocol !== 'https:')
      throw new UsageError(`SCOPILOT_API_BASE ${JSON.stringify(base)} is not an http(s) URL`);
    // Joined by hand, not with new URL(path, base), so a base with a path prefix keeps it.
    this.base = base.replace(/\/+$/, '');
    const token = env.SCOPILOT_API_TOKEN?.trim();
    this.#token = token === '' ? undefined : token;
  }

  url(path: string, query: Record<string, string | undefined> = {}): string {
    const params = new URLSearchParams();
    for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, v);
    const qs = params.toString();
    return `${this.base}${path}${qs === '' ? '' : `?${qs}`}`;
  }

  /** A 2xx response, or a thrown ApiError / UsageError. */
  async request(method: string, path: string, o: RequestOptions = {}): Promise<Response> {
    const headers = new Headers({ 'user-agent': USER_AGENT, accept: 'application/json, text/*;q=0.9' });
    if (this.#token !== undefined) headers.set('authorization', `Bearer ${this.#token}`);
    let body = o.body;
    if (o.json !== undefined) {
      body = JSON.stringify(o.json);
      headers.set('content-type', 'application/json');
    }
    if (o.contentType !== undefined) headers.set('content-type', o.contentType);
    for (const [k, v] of Object.entries(o.headers ?? {})) headers.set(k, v);
    const timeoutMs = o.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    const signals = [o.signal, timeoutMs > 0 ? AbortSignal.timeout(timeoutMs) : undefined].filter(
      (s): s is AbortSignal => s !== undefined,
    );
    let response: Response;
    try {
      response = await fetch(this.url(path, o.query), {
        method,
        headers,
        ...(body === undefined ? {} : { body }),
        ...(signals.length === 0 ? {} : { signal: AbortSignal.any(signals) }),
      });
    } catch (error) {
      throw this.#unreachable(error, timeoutMs);
    }
    if (response.ok || o.accept?.includes(response.status)) return response;
    throw await this.#failure(response, method, path);
  }

  async json<T>(method: string, path: string, o: RequestOptions = {}): Promise<T> {
    const response = await this.request(method, path, o);
    const text = await response.text();
    try {
      return JSON.parse(text) as T;
    } catch {
      throw new ApiError(response.status, `the server answered ${method} ${path} with something not JSON`);
    }
  }

  get<T>(path: string, query?: Record<string, string | undefined>): Promise<T> {
    return this.json<T>('GET', path, query === undefined ? {} : { query });
  }

  async text(path: string, query?: Record<string, string | undefined>): Promise<string> {
    return (await this.request('GET', path, query === undefined ? {} : { query })).text();
  }

  #unreachable(error: unknown, timeoutMs: number): Error {
    const e = error as Error & { code?: unknown };
    if (e.name === 'TimeoutError')
      return new ApiError(0, `cannot reach ${this.base}: no answer within ${timeoutMs / 1000} s`);
    if (e.name === 'AbortError') return e;
    return new ApiError(0, `cannot reach ${this.base}: ${e.message ?? String(error)}`);
  }

  async #failure(response: Response, method: string, path: string): Promise<Error> {
    const detail = await problemDetail(response);
    switch (response.status) {
      case 400:
      case 422:
        return new UsageError(`bad request: ${detail}`);
      case 413:
        return new UsageError(`too large: ${detail}`);
      case 401:
        return new ApiError(
          401,
          this.#token === undefined
            ? 'not authenticated: set SCOPILOT_API_TOKEN'
            : 'not authenticated: set SCOPILOT_API_TOKEN (the server refused the token it holds)',
        );
      case 403:
        return new ApiError(403, `not allowed: ${detail}`);
      case 404:
        return new ApiError(404, `not found: ${detail}`);
      case 409:
        return new ApiError(409, `conflict: ${detail}`);
      case 503:
        return new ApiError(503, `unavailable: ${detail}`);
      default:
        return new ApiError(response.status, `${method} ${path} failed (${response.status}): ${detail}`);
    }
  }
}
