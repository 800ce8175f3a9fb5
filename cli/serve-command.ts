/**
 * `scopilot serve --role …`: run the product until SIGTERM or SIGINT, then
 * drain; a second signal exits at once.
 */
import { parseArgs } from 'node:util';
import { loadConfig } from '../config/mod.ts';
import { createLogger, resolveLogFormat } from '../engine/log.ts';
import { ROLES, type Role, serve } from './serve.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

export const SERVE_USAGE = Usage.serve;

export async function runServe(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { role: { type: 'string', default: 'all' }, demo: { type: 'boolean', default: false } },
    strict: true,
  });
  const role = values.role as Role;
  if (!ROLES.includes(role)) throw new UsageError(`unknown role ${values.role}; one of ${ROLES.join(', ')}`);
  const config = loadConfig();
  const logger = createLogger(
    config.logLevel,
    { role },
    resolveLogFormat(config.logFormat, process.stdout.isTTY === true),
  );
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
