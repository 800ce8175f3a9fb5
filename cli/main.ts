/**
 * The `scopilot` command. Exit codes: 0 ok, 1 the operation failed, 2 bad
 * usage or input (DESIGN §9). `serve` runs the product; the other commands are
 * thin clients of the REST API at SCOPILOT_API_BASE.
 */
import { ConfigError } from '../config/mod.ts';
import { CLIENT_COMMANDS, CLIENT_USAGE } from './client/mod.ts';
import { ExitCode, UsageError } from './usage.ts';

type Runner = (args: string[]) => Promise<number>;

/**
 * Each command's module is loaded when that command runs, so `analyze` on a
 * large file does not carry the server's dependencies (MCP, SSH, WebEx) in
 * its memory, and a client command starts quickly.
 */
const COMMANDS: Record<string, () => Promise<Runner>> = {
  analyze: async () => (await import('./analyze.ts')).runAnalyze,
  serve: async () => (await import('./serve-command.ts')).runServe,
  health: async () => (await import('./health.ts')).runHealth,
  mcp: async () => (await import('./mcp.ts')).runMcp,
  webex: async () => (await import('./webex.ts')).runWebex,
  ...Object.fromEntries(Object.entries(CLIENT_COMMANDS).map(([name, run]) => [name, async () => run])),
};

async function help(): Promise<string> {
  const [analyze, serve, health, webex, mcp] = await Promise.all([
    import('./analyze.ts'),
    import('./serve-command.ts'),
    import('./health.ts'),
    import('./webex.ts'),
    import('./mcp.ts'),
  ]);
  return `scopilot — Segmentation Copilot for Cisco TrustSec

Usage:
  ${analyze.ANALYZE_USAGE}
  ${serve.SERVE_USAGE}
  ${health.HEALTH_USAGE}
  ${CLIENT_USAGE}
  ${webex.WEBEX_USAGE}
  ${mcp.MCP_USAGE}   (the MCP server, over stdio)
  scopilot help

Environment: SCOPILOT_* settings (see .env.example); the client commands read
SCOPILOT_API_BASE (default http://127.0.0.1:8000) and SCOPILOT_API_TOKEN.
Exit codes: 0 ok, 1 operation failed, 2 bad usage or input.`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  if (command === undefined || command === 'help' || command === '--help' || command === '-h') {
    console.log(await help());
    return command === undefined ? ExitCode.Usage : ExitCode.Ok;
  }
  const load = COMMANDS[command];
  try {
    if (load === undefined) throw new UsageError(`unknown command ${command}; try scopilot help`);
    return await (await load())(rest);
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
