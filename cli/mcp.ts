/**
 * `scopilot mcp`: the MCP server over stdio, for desktop and CLI agents that
 * start it as a child process. A thin client like the other commands: its
 * tools call the REST API at SCOPILOT_API_BASE with SCOPILOT_API_TOKEN, so
 * what it may do is what that token may do. stdout carries the protocol, so
 * logs go to stderr. Gated tools are off unless enabled by flag.
 */
import { parseArgs } from 'node:util';
import type { Server } from '@modelcontextprotocol/sdk/server/index.js';
import { StdioServerTransport } from '@modelcontextprotocol/sdk/server/stdio.js';
import pino from 'pino';
import {
  type ApiCall,
  channelHeaders,
  createMcpServer,
  enabledTools,
  type Gates,
  readBody,
  TITLES,
} from '../edge/mcp/mod.ts';
import { ApiClient, ApiError } from './client/http.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

export const MCP_USAGE = Usage.mcp;

const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'];

/**
 * The REST API over HTTP with the CLI's client. Its errors become problem
 * bodies again: the client has already made the server's problem one line a
 * person can act on, which is what a tool result shows anyway.
 */
export function remoteApi(client: ApiClient, clientName: () => string | undefined): ApiCall {
  return async (r) => {
    const query: Record<string, string | undefined> = {};
    for (const [k, v] of Object.entries(r.query ?? {})) query[k] = v === undefined ? undefined : String(v);
    try {
      const response = await client.request(r.method, `/api/v1${r.path}`, {
        query,
        headers: { ...channelHeaders(clientName), ...r.headers },
        ...(r.body === undefined ? {} : { json: r.body }),
      });
      return { status: response.status, body: await readBody(response) };
    } catch (error) {
      if (error instanceof ApiError) {
        const status = error.status;
        return { status, body: { title: TITLES[status] ?? 'Failed', status, detail: error.message } };
      }
      if (error instanceof UsageError) {
        return { status: 400, body: { title: 'Bad request', status: 400, detail: error.message } };
      }
      throw error;
    }
  };
}

export async function runMcp(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: {
      'allow-dictionary-edit': { type: 'boolean', default: false },
      'allow-rollback': { type: 'boolean', default: false },
      'allow-ise-write': { type: 'boolean', default: false },
    },
    strict: true,
  });
  const gates: Gates = {
    dictionaryEdit: values['allow-dictionary-edit'],
    rollback: values['allow-rollback'],
    iseWrite: values['allow-ise-write'],
  };
  const client = new ApiClient(process.env);
  const level = process.env.SCOPILOT_LOG_LEVEL ?? 'info';
  if (!LEVELS.includes(level))
    throw new UsageError(`SCOPILOT_LOG_LEVEL ${level} is not one of ${LEVELS.join(', ')}`);
  // As createLogger's lines, but on stderr: stdout is the protocol.
  const logger = pino(
    {
      level,
      base: { service: 'scopilot', role: 'mcp' },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination(2),
  );

  // The client's name is known once it has initialized: read it per call, to label decisions.
  const server: Server = createMcpServer({
    api: remoteApi(client, () => server.getClientVersion()?.name),
    gates,
    logger,
  });
  const transport = new StdioServerTransport();
  const closed = new Promise<void>((resolve) => {
    server.onclose = resolve;
  });
  const stop = () => void server.close();
  // The transport does not notice its client going away: stdin ending is that signal.
  process.stdin.once('end', stop);
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  await server.connect(transport);
  logger.info({ api: client.base, tools: enabledTools(gates).length, gates }, 'MCP server on stdio');
  await closed;
  return ExitCode.Ok;
}
