/**
 * How MCP tools reach the REST API: one small call interface, two backends.
 *
 * - in-process, for `/mcp` in the edge: the call is a Request handed to the
 *   same Hono app (no network), carrying the MCP caller's own Authorization
 *   header, so authentication, roles and tenant scoping are exactly the
 *   REST API's;
 * - remote, for `scopilot mcp` over stdio (cli/mcp.ts): the CLI's client,
 *   configured like every other command (SCOPILOT_API_BASE, SCOPILOT_API_TOKEN).
 *
 * Both send the channel headers (edge/rest/channel.ts): changes are recorded
 * as made through `mcp` by the caller, labelled with the MCP client's name.
 */
import { markInner } from '../inner-requests.ts';
import { CHANNEL_HEADER, CLIENT_HEADER, clientLabel } from '../rest/channel.ts';

export interface ApiRequest {
  method: 'GET' | 'POST' | 'PUT';
  /** Under /api/v1, e.g. `/proposals/abc/approve`. */
  path: string;
  query?: Record<string, string | number | undefined>;
  /** Sent as JSON. */
  body?: unknown;
  headers?: Record<string, string>;
}

export interface ApiResponse {
  status: number;
  /** Parsed JSON (problem+json too), or the text of any other body. */
  body: unknown;
}

export type ApiCall = (request: ApiRequest) => Promise<ApiResponse>;

/** The problem+json fields a tool error reports. */
export interface ProblemInfo {
  status: number;
  title: string;
  detail?: string;
  code?: string;
  errors?: { path: string; message: string }[];
}

const API_BASE = '/api/v1';

function queryString(query: ApiRequest['query'] = {}): string {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(query)) if (v !== undefined) params.set(k, String(v));
  const qs = params.toString();
  return qs === '' ? '' : `?${qs}`;
}

/** JSON when the response says so, else its text. */
export async function readBody(response: Response): Promise<unknown> {
  const text = await response.text();
  if (/json/i.test(response.headers.get('content-type') ?? '')) {
    try {
      return JSON.parse(text);
    } catch {
      return text;
    }
  }
  return text;
}

/** The headers that record a change as made through MCP by `client`. */
export function channelHeaders(client: () => string | undefined): Record<string, string> {
  return { [CHANNEL_HEADER]: 'mcp', [CLIENT_HEADER]: clientLabel(client()) };
}

export interface InProcessOptions {
  /** The app's own fetch (`app.fetch`). */
  fetch: (request: Request) => Response | Promise<Response>;
  /** Scheme and host of the MCP request: inner requests look like they came to the same place. */
  origin: string;
  /** The MCP request's Authorization header, passed on as it came. */
  authorization?: string;
  /** The MCP request's id, so the access log ties the inner calls to it. */
  requestId?: string;
  /** The MCP client's name (from its initialize request). */
  client: () => string | undefined;
}

/** Calls into the app itself: the REST API answers exactly as it would over HTTP. */
export function inProcessApi(o: InProcessOptions): ApiCall {
  return async (r) => {
    const headers = new Headers({ accept: 'application/json', ...channelHeaders(o.client), ...r.headers });
    if (o.authorization !== undefined) headers.set('authorization', o.authorization);
    if (o.requestId !== undefined) headers.set('x-request-id', o.requestId);
    if (r.body !== undefined) headers.set('content-type', 'application/json');
    const request = new Request(`${o.origin}${API_BASE}${r.path}${queryString(r.query)}`, {
      method: r.method,
      headers,
      ...(r.body === undefined ? {} : { body: JSON.stringify(r.body) }),
    });
    const response = await o.fetch(markInner(request));
    return { status: response.status, body: await readBody(response) };
  };
}

/** Titles for answers that carried no problem body. */
export const TITLES: Record<number, string> = {
  0: 'Unreachable',
  400: 'Bad request',
  401: 'Unauthorized',
  403: 'Forbidden',
  404: 'Not found',
  409: 'Conflict',
  413: 'Payload too large',
  503: 'Service unavailable',
};

/** The problem in an error answer, whatever its body looked like. */
export function problemOf(response: ApiResponse): ProblemInfo {
  const b = (typeof response.body === 'object' && response.body !== null ? response.body : {}) as Record<
    string,
    unknown
  >;
  const text = typeof response.body === 'string' ? response.body.trim().slice(0, 300) : undefined;
  const errors = Array.isArray(b.errors) ? (b.errors as ProblemInfo['errors']) : undefined;
  return {
    status: response.status,
    title: typeof b.title === 'string' ? b.title : (TITLES[response.status] ?? `HTTP ${response.status}`),
    ...(typeof b.detail === 'string' ? { detail: b.detail } : text ? { detail: text } : {}),
    ...(typeof b.code === 'string' ? { code: b.code } : {}),
    ...(errors === undefined ? {} : { errors }),
  };
}
