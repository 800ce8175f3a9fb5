/**
 * The client commands of `scopilot` (DESIGN §9): thin clients of the REST API
 * at SCOPILOT_API_BASE, registered by cli/main.ts.
 */
import type { Group } from './args.ts';
import { matrixCommand } from './matrix.ts';
import { proposalCommand } from './proposal.ts';
import { runCommand } from './run.ts';
import { sgtCommand } from './sgt.ts';
import { threatCommand } from './threat.ts';
import { watchCommand } from './watch.ts';

const GROUPS: readonly Group[] = [
  sgtCommand,
  runCommand,
  proposalCommand,
  matrixCommand,
  threatCommand,
  watchCommand,
];

/** Command name → runner, for main's COMMANDS map. */
export const CLIENT_COMMANDS: Record<string, (args: string[]) => Promise<number>> = Object.fromEntries(
  GROUPS.map((g) => [g.name, g.run]),
);

/** One usage line per subcommand, indented for main's HELP text. */
export const CLIENT_USAGE: string = GROUPS.flatMap((g) => g.help).join('\n  ');
