/**
 * The `scopilot` command. Exit codes: 0 ok, 1 the operation failed, 2 bad
 * usage or input (DESIGN §9). `serve` runs the product; the other commands are
 * thin clients of the REST API at SCOPILOT_API_BASE.
 */
import { parseArgs } from 'node:util';
import { ConfigError, loadConfig } from '../config/mod.ts';
import { createLogger } from '../engine/log.ts';
import { ANALYZE_USAGE, runAnalyze } from './analyze.ts';
import { CLIENT_COMMANDS, CLIENT_USAGE } from './client/mod.ts';
import { MCP_USAGE, runMcp } from './mcp.ts';
import { ROLES, type Role, serve } from './serve.ts';
import { ExitCode, UsageError } from './usage.ts';
import { runWebex, WEBEX_USAGE } from './webex.ts';

const HELP = `scopilot — Segmentation Copilot for Cisco TrustSec

Usage:
  ${ANALYZE_USAGE}
  scopilot serve [--role all|edge|engine|tail|threat|scheduler] [--demo]
  scopilot health [--json]
  ${CLIENT_USAGE}
  ${WEBEX_USAGE}
  ${MCP_USAGE}   (the MCP server, over stdio)
  scopilot help

Environment: SCOPILOT_* settings (see .env.example); the client commands read
SCOPILOT_API_BASE (default http://127.0.0.1:8000) and SCOPILOT_API_TOKEN.
Exit codes: 0 ok, 1 operation failed, 2 bad usage or input.`;

async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string', default: 'all' }, demo: { type: 'boolean', default: false } },
    strict: true,
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new UsageError(`unknown role ${values.role}; one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  const logger = createLogger(config.logLevel, { role });
  const runtime = await serve({ role, config, logger, demo: values.demo });
  await new Promise<void>((resolve) => {
    let stopping = false;
    const stop = (signal: string) => {
      if (stopping) {
        logger.warn({ signal }, 'second signal: exiting without draining');
        process.exit(ExitCode.Failed);
      }
      stopping = true;
      logger.info({ signal }, 'shutting down');
      runtime.stop().then(resolve, (error) => {
        logger.error({ err: error }, 'unclean shutdown');
        resolve();
      });
    };
    process.on('SIGTERM', () => stop('SIGTERM'));
    process.on('SIGINT', () => stop('SIGINT'));
  });
  return ExitCode.Ok;
}

async function runHealth(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { json: { type: 'boolean', default: false } },
    strict: true,
  });
  const base = process.env.SCOPILOT_API_BASE ?? 'http://127.0.0.1:8000';
  let response: Response;
  try {
    response = await fetch(new URL('/readyz', base), { signal: AbortSignal.timeout(10_000) });
  } catch (error) {
    console.error(`scopilot: cannot reach ${base}: ${(error as Error).message}`);
    return ExitCode.Failed;
  }
  const body = (await response.json().catch(() => ({}))) as Record<string, unknown>;
  if (values.json)
    console.log(JSON.stringify({ ok: response.ok, status: response.status, ...body }, null, 2));
  else
    console.log(
      response.ok ? `ready (${base})` : `not ready (${base}): ${String(body.detail ?? response.status)}`,
    );
  return response.ok ? ExitCode.Ok : ExitCode.Failed;
}

const COMMANDS: Record<string, (args: string[]) => Promise<number>> = {
  analyze: runAnalyze,
  serve: runServe,
  health: runHealth,
  mcp: runMcp,
  ...CLIENT_COMMANDS,
  webex: runWebex,
};

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(HELP);
    return command === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const run = COMMANDS[command];
  try {
    if (run === undefined) throw new UsageError(`unknown command ${command}; try scopilot help`);
    return await run(rest);
  } catch (error) {
    if (error instanceof ConfigError || error instanceof UsageError) {
      console.error(`scopilot: ${error.message}`);
      return ExitCode.Usage;
    }
    // parseArgs reports bad flags with these codes.
    const code = (error as { code?: unknown }).code;
    if (typeof code === 'string' && code.startsWith('ERR_PARSE_ARGS')) {
      console.error(`scopilot: ${(error as Error).message}`);
      return ExitCode.Usage;
    }
    console.error(`scopilot: ${(error as Error).message ?? String(error)}`);
    return ExitCode.Failed;
  }
}

if (import.meta.main) {
  // Exit explicitly: a drained engine may still hold timers that would keep the process alive.
  process.exit(await main(process.argv.slice(2)));
}
