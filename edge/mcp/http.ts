/**
 * `/mcp`: the MCP server over streamable HTTP, mounted in the edge app.
 *
 * The bearer token is checked with the API's Authenticator before the MCP
 * transport sees anything (no or a bad token: 401 problem+json); cookies are
 * not accepted, as MCP clients are not browsers. Tool calls then go to the
 * REST API in-process with the caller's own Authorization header, so roles and
 * tenant scoping are exactly the API's.
 *
 * Stateless: every POST gets a fresh server and transport, answered as JSON,
 * so any replica serves any request. The only state worth keeping between
 * requests is the client's name (from `initialize`), which labels decisions;
 * it travels in the session id this server hands out (`s1.<name>.<random>`)
 * and clients send back on every request. A name is only a label, so it needs
 * no secrecy or signature: identity always comes from the token. GET (a
 * server-sent stream) and DELETE (ending a session) are not offered: 405.
 */
import { Buffer } from 'node:buffer';
import { WebStandardStreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/webStandardStreamableHttp.js';
import { Hono } from 'hono';
import { bodyLimit } from 'hono/body-limit';
import type { Logger } from '../../engine/log.ts';
import { requestIdOf } from '../access-log.ts';
import type { Authenticator, Principal } from '../auth.ts';
import { problem } from '../problem.ts';
import { clientLabel } from '../rest/channel.ts';
import { inProcessApi } from './api.ts';
import { createMcpServer } from './server.ts';
import type { Gates } from './tool.ts';

export const MCP_PATH = '/mcp';
/** ingest_lines carries up to 1 MiB of lines, plus the JSON-RPC envelope. */
export const MCP_BODY_LIMIT = 2 << 20;
const SESSION_HEADER = 'mcp-session-id';
const SESSION = /^s1\.([A-Za-z0-9_-]{1,100})\.[0-9a-f-]{36}$/;

export interface McpRoutesOptions {
  auth: Authenticator;
  /** The app's own fetch: tools reach the REST API through it, without a network hop. */
  fetch: (request: Request) => Response | Promise<Response>;
  gates: Gates;
  logger: Logger;
}

/** A session id carrying the client's name. */
export const sessionFor = (client: string): string =>
  `s1.${Buffer.from(clientLabel(client), 'utf8').toString('base64url')}.${crypto.randomUUID()}`;

/** The client name a session id carries, or undefined. */
export function clientOfSession(id: string | undefined): string | undefined {
  const m = id === undefined ? null : SESSION.exec(id);
  return m?.[1] === undefined ? undefined : clientLabel(Buffer.from(m[1], 'base64url').toString('utf8'));
}

/** `clientInfo.name` when the message is an initialize request. */
function initializeName(message: unknown): string | undefined {
  const m = message as { method?: unknown; params?: { clientInfo?: { name?: unknown } } } | null;
  if (typeof m !== 'object' || m === null || m.method !== 'initialize') return undefined;
  const name = m.params?.clientInfo?.name;
  return typeof name === 'string' ? clientLabel(name) : 'mcp-client';
}

async function authenticate(auth: Authenticator, header: string | undefined): Promise<Principal | null> {
  if (!auth.requireAuth) return auth.anonymous;
  const [scheme, token] = (header ?? '').split(' ', 2);
  if (scheme?.toLowerCase() !== 'bearer' || !token) return null;
  return auth.verify(token.trim());
}

const jsonRpcError = (status: number, code: number, message: string): Response =>
  Response.json({ jsonrpc: '2.0', error: { code, message }, id: null }, { status });

export function mcpRoutes(o: McpRoutesOptions): Hono {
  const app = new Hono();

  app.use(MCP_PATH, async (c, next) => {
    if ((await authenticate(o.auth, c.req.header('authorization'))) === null) {
      const res = problem({ title: 'Unauthorized', status: 401, detail: 'a valid bearer token is required' });
      res.headers.set('www-authenticate', 'Bearer');
      return res;
    }
    return next();
  });

  app.on(['GET', 'DELETE'], MCP_PATH, () => new Response(null, { status: 405, headers: { allow: 'POST' } }));

  // The limit holds for streamed bodies too (no Content-Length): reading stops at the limit.
  const limit = bodyLimit({
    maxSize: MCP_BODY_LIMIT,
    onError: () => jsonRpcError(413, -32000, `the request is over ${MCP_BODY_LIMIT} bytes`),
  });
  app.post(MCP_PATH, limit, async (c) => {
    const text = await c.req.text();
    let message: unknown;
    try {
      message = JSON.parse(text);
    } catch {
      return jsonRpcError(400, -32700, 'Parse error: Invalid JSON');
    }
    const initializing = initializeName(message);
    const client = initializing ?? clientOfSession(c.req.header(SESSION_HEADER));
    const requestId = requestIdOf(c);
    const authorization = c.req.header('authorization');
    const api = inProcessApi({
      fetch: o.fetch,
      origin: new URL(c.req.url).origin,
      client: () => client,
      ...(authorization === undefined ? {} : { authorization }),
      ...(requestId === undefined ? {} : { requestId }),
    });
    const server = createMcpServer({ api, gates: o.gates, logger: o.logger });
    const transport = new WebStandardStreamableHTTPServerTransport({
      sessionIdGenerator: undefined,
      enableJsonResponse: true,
    });
    await server.connect(transport);
    try {
      const res = await transport.handleRequest(c.req.raw, { parsedBody: message });
      if (initializing !== undefined && res.ok) res.headers.set(SESSION_HEADER, sessionFor(initializing));
      return res;
    } finally {
      await server.close();
    }
  });

  return app;
}
