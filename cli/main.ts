/**
 * The `scopilot` command. Exit codes: 0 ok, 1 the operation failed, 2 bad
 * usage or input (DESIGN §9). `serve` runs the product; `analyze` works
 * offline; `token` makes API keys; the other commands are thin clients of the
 * REST API at SCOPILOT_API_BASE.
 */
import { CLIENT_USAGE, type ClientUsage } from './client-usage.ts';
import { unknownMessage } from './suggest.ts';
import { ExitCode, Usage, UsageError, wantsHelp } from './usage.ts';

type Runner = (args: string[]) => Promise<number>;

interface Command {
  /** Usage lines, each starting `scopilot <name>`. */
  usage: readonly string[];
  /** Subcommand → its usage line, for commands that have them. */
  subcommands?: Record<string, string>;
  load(): Promise<Runner>;
}

/** A client command: its usage from the table, its module (and its imports) only when it runs. */
function client(c: ClientUsage): Command {
  const subcommands =
    c.subcommands === undefined
      ? undefined
      : Object.fromEntries(Object.entries(c.subcommands).map(([sub, u]) => [sub, `scopilot ${c.name} ${u}`]));
  return {
    usage: subcommands === undefined ? (c.usage ?? []) : Object.values(subcommands),
    ...(subcommands === undefined ? {} : { subcommands }),
    load: async () => {
      if (c.name === 'token') return (await import('./token.ts')).tokenCommand.run;
      const { CLIENT_GROUPS } = await import('./client/mod.ts');
      return CLIENT_GROUPS.find((g) => g.name === c.name)!.run;
    },
  };
}

/**
 * Each command's module is loaded when that command runs, so `analyze` on a
 * large file does not carry the server's dependencies (MCP, SSH, WebEx) in
 * its memory, and help and the client commands start quickly: the usage lines
 * live apart from the modules (cli/usage.ts).
 */
const COMMANDS: Record<string, Command> = {
  analyze: { usage: [Usage.analyze], load: async () => (await import('./analyze.ts')).runAnalyze },
  serve: { usage: [Usage.serve], load: async () => (await import('./serve-command.ts')).runServe },
  health: { usage: [Usage.health], load: async () => (await import('./health.ts')).runHealth },
  eval: {
    usage: [`${Usage.eval}   (the classifier against the labelled judgement sets)`],
    load: async () => (await import('./eval.ts')).runEval,
  },
  ...Object.fromEntries(CLIENT_USAGE.filter((c) => c.name !== 'token').map((c) => [c.name, client(c)])),
  token: client(CLIENT_USAGE.find((c) => c.name === 'token')!),
  webex: {
    usage: [Usage.webex],
    subcommands: { register: Usage.webex },
    load: async () => (await import('./webex.ts')).runWebex,
  },
  mcp: {
    usage: [`${Usage.mcp}   (the MCP server, over stdio)`],
    load: async () => (await import('./mcp.ts')).runMcp,
  },
  backup: {
    usage: [`${Usage.backup}   (the embedded engine's database, with the product stopped)`],
    load: async () => (await import('./backup.ts')).runBackup,
  },
  restore: {
    usage: [`${Usage.restore}   (a backup back in place, with the product stopped)`],
    load: async () => (await import('./backup.ts')).runRestore,
  },
  version: { usage: [Usage.version], load: async () => runVersion },
};

const NAMES = [...Object.keys(COMMANDS), 'help'];

function help(): string {
  const lines = Object.values(COMMANDS).flatMap((c) => c.usage);
  return `scopilot — Segmentation Copilot for Cisco TrustSec

Usage:
  ${[...lines, Usage.help].join('\n  ')}

Every command takes --help. Environment: SCOPILOT_* settings (see .env.example);
the client commands read SCOPILOT_API_BASE (default http://127.0.0.1:8000) and
SCOPILOT_API_TOKEN.
Exit codes: 0 ok, 1 operation failed, 2 bad usage or input.`;
}

async function runVersion(args: string[]): Promise<number> {
  if (args.length > 0) throw new UsageError(`unexpected argument ${args[0]}; usage: ${Usage.version}`);
  const pkg = (await Bun.file(new URL('../package.json', import.meta.url)).json()) as { version: string };
  console.log(`scopilot ${pkg.version}`);
  return ExitCode.Ok;
}

/** `scopilot <name> [sub] --help`: the subcommand's usage line, else every line of the command. */
function commandHelp(name: string, command: Command, args: readonly string[]): string {
  const sub = args[0];
  const subs = command.subcommands ?? {};
  if (sub !== undefined && Object.hasOwn(subs, sub)) return `usage: ${subs[sub]}`;
  if (command.usage.length === 1) return `usage: ${command.usage[0]}`;
  return `usage:\n  ${command.usage.join('\n  ')}\n\nscopilot ${name} SUBCOMMAND --help shows one of them.`;
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    if (command === undefined) {
      console.log(help());
      return ExitCode.Usage;
    }
    if (command === 'help' || command === '--help' || command === '-h') {
      const topic = rest[0];
      if (topic === undefined) console.log(help());
      else {
        const about = Object.hasOwn(COMMANDS, topic) ? COMMANDS[topic] : undefined;
        if (about === undefined) throw new UsageError(unknownMessage('command', topic, NAMES));
        console.log(commandHelp(topic, about, rest.slice(1)));
      }
      return ExitCode.Ok;
    }
    if (command === '--version' || command === '-V') return await runVersion(rest);
    const found = Object.hasOwn(COMMANDS, command) ? COMMANDS[command] : undefined;
    if (found === undefined) throw new UsageError(unknownMessage('command', command, NAMES));
    if (wantsHelp(rest)) {
      console.log(commandHelp(command, found, rest));
      return ExitCode.Ok;
    }
    const sub = rest[0];
    const subs = Object.keys(found.subcommands ?? {});
    if (subs.length > 0 && sub !== undefined && !sub.startsWith('-') && !subs.includes(sub)) {
      const otherwise = `usage: scopilot ${command} ${subs.join('|')} …`;
      throw new UsageError(unknownMessage('subcommand', sub, subs, { prefix: `${command} `, otherwise }));
    }
    return await (await found.load())(rest);
  } catch (error) {
    // By name: importing the settings' module here would load it for every command.
    if ((error as Error).name === 'ConfigError' || error instanceof UsageError) {
      console.error(`scopilot: ${(error as Error).message}`);
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
