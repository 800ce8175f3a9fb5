/**
 * `scopilot backup` and `scopilot restore`: the embedded engine's database to a file
 * and back (docs/runbook.md). Both need the product stopped: the running engine keeps
 * its database locked, and both commands refuse, naming the process, while it runs.
 * On NATS the data lives in JetStream, backed up with the `nats` tool instead.
 */
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/mod.ts';
import { backupDataDir, restoreDataDir } from '../engine/embedded/backup.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

function dataDirFrom(option: string | undefined, usage: string): string {
  if (option !== undefined) return option;
  const config = loadConfig();
  if (config.natsUrl !== undefined)
    throw new UsageError(
      'SCOPILOT_NATS_URL is set: the data is in JetStream, not in a data directory; back it up with ' +
        `\`nats stream backup\` (docs/runbook.md), or give --data-dir; usage: ${usage}`,
    );
  return config.dataDir;
}

const mib = (bytes: number) => `${(bytes / 1_048_576).toFixed(1)} MiB`;

export async function runBackup(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { out: { type: 'string' }, 'data-dir': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  if (positionals.length > 0)
    throw new UsageError(`unexpected argument ${positionals[0]}; usage: ${Usage.backup}`);
  if (values.out === undefined) throw new UsageError(`--out FILE is required; usage: ${Usage.backup}`);
  const dataDir = dataDirFrom(values['data-dir'], Usage.backup);
  const report = backupDataDir(dataDir, values.out);
  console.log(
    `backed up ${path.resolve(dataDir)} to ${report.file} (${mib(report.bytes)}, ` +
      `${report.streams} streams, ${report.buckets} buckets)`,
  );
  return ExitCode.Ok;
}

export async function runRestore(args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { 'data-dir': { type: 'string' } },
    allowPositionals: true,
    strict: true,
  });
  const [file, extra] = positionals;
  if (file === undefined) throw new UsageError(`give the backup FILE; usage: ${Usage.restore}`);
  if (extra !== undefined) throw new UsageError(`unexpected argument ${extra}; usage: ${Usage.restore}`);
  const dataDir = dataDirFrom(values['data-dir'], Usage.restore);
  const report = restoreDataDir(dataDir, file);
  console.log(
    `restored ${report.file} into ${path.resolve(dataDir)} (${report.streams} streams, ${report.buckets} buckets)` +
      (report.replaced === null ? '' : `; the database it replaced is kept as ${report.replaced}`),
  );
  return ExitCode.Ok;
}
