/**
 * Logs on stdout (pino): JSON lines for collectors, or readable lines for a
 * person at a terminal (log-pretty.ts). Actors log through children carrying
 * `actor` and `tenant`, so one tenant's story can be filtered out of a busy
 * stream.
 */
import pino from 'pino';
import { prettyDestination } from './log-pretty.ts';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export const LogFormat = { Json: 'json', Pretty: 'pretty' } as const;
export type LogFormat = (typeof LogFormat)[keyof typeof LogFormat];

/**
 * The format for the SCOPILOT_LOG_FORMAT setting: `auto` is readable lines
 * only when stdout is a terminal, so a collector, a pipe or a file always gets
 * JSON unless asked otherwise.
 */
export function resolveLogFormat(setting: 'auto' | LogFormat, stdoutIsTty: boolean): LogFormat {
  if (setting !== 'auto') return setting;
  return stdoutIsTty ? LogFormat.Pretty : LogFormat.Json;
}

/** Colour in readable lines: on a terminal, unless NO_COLOR is set (https://no-color.org). */
export const logColour = (env: Record<string, string | undefined> = process.env): boolean =>
  process.stdout.isTTY === true && (env.NO_COLOR ?? '') === '';

export function createLogger(
  level: LogLevel = 'info',
  bindings: Record<string, string> = {},
  format: LogFormat = LogFormat.Json,
): Logger {
  const options: pino.LoggerOptions = {
    level,
    base: { service: 'scopilot', ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Secrets never belong in a log line, whichever object they hide in.
    redact: {
      paths: ['*.apiKey', '*.token', '*.password', '*.secret', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  };
  if (format === LogFormat.Json) return pino(options);
  // The stream pino itself would write JSON to (asynchronous, flushed at exit), fed readable lines.
  return pino(options, prettyDestination(pino.destination(1), { colour: logColour() }));
}

/** A logger that writes nothing: for tests and tools that print their own output. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
