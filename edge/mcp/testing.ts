/**
 * Test helpers for the MCP server and the routes behind it: SGACL hit lines
 * to feed runs, and the whole edge app (REST API, `/mcp`, a matrix keeper)
 * served by a real Bun.serve on 127.0.0.1 over a test engine.
 */
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { StreamableHTTPClientTransport } from '@modelcontextprotocol/sdk/client/streamableHttp.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { type KeeperService, serveMatrixKeeper } from '../../actors/mod.ts';
import { loadConfig } from '../../config/mod.ts';
import type { Stores } from '../../kv-schema/mod.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { TOKENS, testDeps } from '../../test/support/api.ts';
import type { TestEngine } from '../../test/support/engines.ts';
import { createApp } from '../app.ts';
import { Authenticator } from '../auth.ts';
import { type HttpServer, serveWithBun } from '../bun.ts';

export { TOKENS };

export interface HitLine {
  sgt: number;
  dgt: number;
  protocol?: string;
  dstPort: number;
  srcPort?: number;
  hits?: number;
  action?: 'Permit' | 'Deny';
  /** Default: an hour ago. */
  atMs?: number;
}

/** One `%RBM-6-SGACLHIT` line as an RFC 5424 collector writes it (full timestamp, so no year guessing). */
export function sgaclLine(h: HitLine): string {
  const at = new Date(h.atMs ?? Date.now() - 3_600_000).toISOString();
  return (
    `<190>1 ${at} sw01.example.net - - - - %RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/2' ` +
    `sgacl_name='learn_all' action='${h.action ?? 'Permit'}' protocol='${h.protocol ?? 'tcp'}' ` +
    `src-ip='10.10.1.5' src-port='${h.srcPort ?? 52341}' dest-ip='10.20.1.10' dest-port='${h.dstPort}' ` +
    `sgt='${h.sgt}' dgt='${h.dgt}' logging_interval_hits='${h.hits ?? 1}'`
  );
}

export interface EdgeHarness {
  url: string;
  stores: Stores;
  keeper: KeeperService;
  stop(): Promise<void>;
}

export interface EdgeOptions {
  /** SCOPILOT_* settings, e.g. `{ SCOPILOT_MCP__ALLOW_ROLLBACK: 'true' }`. */
  env?: Record<string, string>;
}

/** The edge app with the API (tokens of test/support/api.ts) and a matrix keeper, on a real port. */
export async function startEdge(te: TestEngine, o: EdgeOptions = {}): Promise<EdgeHarness> {
  const config = loadConfig(o.env ?? {});
  const deps = { ...(await testDeps(te)), config };
  const auth = new Authenticator({
    requireAuth: true,
    defaultTenant: 'acme',
    apiKeys: [
      { token: TOKENS.admin, tenant: 'acme', role: 'admin' },
      { token: TOKENS.operator, tenant: 'acme', role: 'operator' },
      { token: TOKENS.viewer, tenant: 'acme', role: 'viewer' },
      { token: TOKENS.other, tenant: 'globex', role: 'admin' },
    ],
  });
  const keeper = serveMatrixKeeper(te.engine, deps.stores, subjectsFor(te.ns), config.proposals.fourEyes);
  const app = createApp({
    logger: deps.logger,
    readiness: { checks: {} },
    api: { auth, ready: () => true, deps },
  });
  const server: HttpServer = serveWithBun(app, '127.0.0.1', 0);
  return {
    url: server.url,
    stores: deps.stores,
    keeper,
    stop: async () => {
      await server.stop();
      await keeper.stop();
    },
  };
}

/** An SDK client connected to `/mcp` with a bearer token. */
export async function connectHttp(url: string, token: string, name = 'test-client'): Promise<Client> {
  const client = new Client({ name, version: '1.0.0' });
  const transport = new StreamableHTTPClientTransport(new URL(`${url}/mcp`), {
    requestInit: { headers: { authorization: `Bearer ${token}` } },
  });
  await client.connect(transport);
  return client;
}

/** A tool result's text. */
export const textOf = (r: CallToolResult): string =>
  r.content.map((c) => (c.type === 'text' ? c.text : '')).join('\n');

/** Call a tool and return its result, typed (the SDK's own type is a union with a legacy shape). */
export async function callTool(
  client: Client,
  name: string,
  args: Record<string, unknown> = {},
): Promise<CallToolResult> {
  return (await client.callTool({ name, arguments: args })) as CallToolResult;
}
