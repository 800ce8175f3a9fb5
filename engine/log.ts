/**
 * JSON logs on stdout (pino). Actors log through children carrying `actor` and
 * `tenant`, so one tenant's story can be filtered out of a busy stream.
 */
import pino from 'pino';

export type Logger = pino.Logger;
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent';

export function createLogger(level: LogLevel = 'info', bindings: Record<string, string> = {}): Logger {
  return pino({
    level,
    base: { service: 'scopilot', ...bindings },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
    // Secrets never belong in a log line, whichever object they hide in.
    redact: {
      paths: ['*.apiKey', '*.token', '*.password', '*.secret', 'authorization', '*.authorization'],
      censor: '[redacted]',
    },
  });
}

/** A logger that writes nothing: for tests and tools that print their own output. */
export const silentLogger = (): Logger => pino({ level: 'silent' });
