/**
 * What every command shares without loading any of them: usage errors, exit
 * codes, and the usage lines of the commands whose modules are heavy, so
 * `scopilot help` and `scopilot <command> --help` load no server code.
 */

/** Errors a user can fix by changing the command line or its input: exit code 2. */
export class UsageError extends Error {
  readonly code = 'USAGE';
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

export const ExitCode = { Ok: 0, Failed: 1, Usage: 2 } as const;
export type ExitCode = (typeof ExitCode)[keyof typeof ExitCode];

/** One usage line per command (the client commands' lines live with them in cli/client/). */
export const Usage = {
  analyze:
    'scopilot analyze FILE… [--sgt DICT] [--format markdown|csv|json|ios|ise] [--since T] [--until T] ' +
    '[--classifier auto|heuristic|claude] [--mode monitor|enforce] [--out FILE] [--jobs N]',
  serve: 'scopilot serve [--role all|edge|engine|tail|threat|scheduler] [--demo]',
  health: 'scopilot health [--json]',
  eval: 'scopilot eval [--set DIR] [--path heuristic|fake|fake-permit-all|fake-deny-all]… [--misses] [--json]',
  webex: 'scopilot webex register --url URL',
  mcp: 'scopilot mcp [--allow-dictionary-edit] [--allow-rollback] [--allow-ise-write]',
  backup: 'scopilot backup --out FILE [--data-dir DIR]',
  restore: 'scopilot restore FILE [--data-dir DIR]',
  version: 'scopilot version',
  help: 'scopilot help [COMMAND]',
} as const;

/** Whether the arguments ask for help rather than for the command (`--help` or `-h` before any `--`). */
export function wantsHelp(args: readonly string[]): boolean {
  for (const arg of args) {
    if (arg === '--') return false;
    if (arg === '--help' || arg === '-h') return true;
  }
  return false;
}
