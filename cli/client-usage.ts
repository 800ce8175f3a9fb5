/**
 * The usage lines of the client commands (cli/client/) and `token`, kept
 * apart from their modules so `scopilot help` and `--help` load none of them
 * (a start-up of a few milliseconds instead of all their imports). A test
 * holds this table to the commands themselves (cli/main.test.ts).
 */

export interface ClientUsage {
  name: string;
  /** Subcommand → its usage after `scopilot <name> `. */
  subcommands?: Record<string, string>;
  /** The usage lines of a command without subcommands. */
  usage?: string[];
}

/** In the order `scopilot help` lists them. */
export const CLIENT_USAGE: readonly ClientUsage[] = [
  {
    name: 'sgt',
    subcommands: {
      list: 'list [--json]',
      set: 'set TAG NAME [--class CLASS|--infer] [--json]',
      import: 'import FILE [--json]',
      missing: 'missing [--json]',
    },
  },
  {
    name: 'run',
    subcommands: {
      start: 'start FILE [--since T] [--until T] [--classifier auto|heuristic|claude] [--json]',
      show: 'show ID [--json]',
      matrix: 'matrix ID [--format markdown|csv|json|ios|ise]',
    },
  },
  {
    name: 'proposal',
    subcommands: {
      list: 'list [--status open|pending|notified|approved|applied|failed|rejected|expired|rolled_back[,…]] [--limit N] [--json]',
      show: 'show ID [--json]',
      approve: 'approve ID [--reason TEXT] [--json]',
      reject: 'reject ID --reason TEXT [--json]',
      decide: 'decide --filter TEXT (--approve | --reject) [--reason TEXT] [--yes] [--json]',
    },
  },
  {
    name: 'matrix',
    subcommands: {
      show: 'show [--json]',
      versions: 'versions [--json]',
      diff: 'diff FROM TO [--flows N] [--json]',
      rollback: 'rollback VERSION --reason TEXT [--json]',
      readiness: 'readiness [--json]',
      export: 'export [--format markdown|csv|json|ios|ise] [--mode monitor|enforce] [--version N]',
    },
  },
  {
    name: 'threat',
    subcommands: {
      lookup: 'lookup IP [--json]',
    },
  },
  {
    name: 'ise',
    subcommands: {
      status: 'status [--json]',
      plan: 'plan --stage monitor|enforce|deny-default [--version N] [--json]',
      push: 'push --stage monitor|enforce|deny-default [--version N] [--force] [--json]',
      drift: 'drift [--json]',
      import: 'import [--json]',
    },
  },
  { name: 'watch', usage: ['scopilot watch [--sgt TAG] [--dgt TAG] [--count N] [--json]'] },
  { name: 'status', usage: ['scopilot status [--tenant T] [--format text|json] [--json]'] },
  {
    name: 'quota',
    subcommands: {
      show: 'show [--format text|json] [--json]',
      redrive: 'redrive [--format text|json] [--json]',
    },
  },
  {
    name: 'token',
    subcommands: {
      create: 'create --role viewer|operator|admin [--tenant T] [--user EMAIL] [--json]',
    },
  },
];
