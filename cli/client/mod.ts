/**
 * The client commands of `scopilot` (DESIGN §9): thin clients of the REST API
 * at SCOPILOT_API_BASE, registered by cli/main.ts.
 */
import type { Group } from './args.ts';
import { iseCommand } from './ise.ts';
import { matrixCommand } from './matrix.ts';
import { proposalCommand } from './proposal.ts';
import { quotaCommand } from './quota.ts';
import { runCommand } from './run.ts';
import { sgtCommand } from './sgt.ts';
import { statusCommand } from './status.ts';
import { threatCommand } from './threat.ts';
import { watchCommand } from './watch.ts';

/** In the order `scopilot help` lists them. */
export const CLIENT_GROUPS: readonly Group[] = [
  sgtCommand,
  runCommand,
  proposalCommand,
  matrixCommand,
  threatCommand,
  iseCommand,
  watchCommand,
  statusCommand,
  quotaCommand,
];
