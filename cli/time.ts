/**
 * Times on the command line (the rule is domain/time.ts): a time that is
 * none of the accepted forms is a usage error (exit 2).
 */
import { parseTime as parse, TimeFormatError } from '../domain/time.ts';
import { UsageError } from './usage.ts';

export function parseTime(text: string, nowMs: number, flag: string): number {
  try {
    return parse(text, nowMs, flag);
  } catch (error) {
    if (error instanceof TimeFormatError) throw new UsageError(error.message);
    throw error;
  }
}
