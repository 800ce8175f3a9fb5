/**
 * Errors only the embedded engine raises, where JetStream answers with an API error the
 * NATS adapter passes through. They extend TerminalError: retrying the same call cannot
 * succeed, so the actor runner dead-letters instead of looping.
 */
import { TerminalError } from '../errors.ts';

/** JetStream refuses two streams capturing a common subject (API error 10065). */
export class StreamSubjectsOverlapError extends TerminalError {
  constructor(stream: string, subject: string, other: string, otherSubject: string) {
    super(`stream ${stream}: subject ${subject} overlaps ${otherSubject} of stream ${other}`);
  }
}

/** The publish landed in another stream than `expectStream` (API error 10060). */
export class ExpectedStreamMismatchError extends TerminalError {
  constructor(subject: string, expected: string, actual: string) {
    super(`publish on ${subject}: expected stream ${expected} but it is captured by ${actual}`);
  }
}

/** A configuration JetStream would refuse (e.g. KV history outside 1–64). */
export class InvalidConfigError extends TerminalError {}
