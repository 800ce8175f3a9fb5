/**
 * Name and subject rules the embedded engine enforces so it refuses what JetStream refuses:
 * stream/consumer/bucket names, KV keys, and overlapping stream subjects.
 */
import { InvalidNameError } from '../errors.ts';
import { isValidPattern, isValidSubject } from '../subjects.ts';

// JetStream names may not contain whitespace, '.', '*', '>' or path separators.
const NAME = /^[^\s.*>/\\]+$/;
// nats.js KV rules: keys are tokens of [-/=\w], buckets [-\w].
const KV_KEY = /^[-/=.\w]+$/;
const KV_PATTERN = /^[-/=.>*\w]+$/;
const BUCKET = /^[-\w]+$/;

export function checkName(what: string, name: string): void {
  if (!NAME.test(name)) throw new InvalidNameError(what, name, 'no whitespace, ".", "*", ">" or "/"');
}

export function checkBucketName(name: string): void {
  if (!BUCKET.test(name)) throw new InvalidNameError('bucket', name, 'letters, digits, "-" and "_" only');
}

export function checkSubject(subject: string): void {
  if (!isValidSubject(subject)) {
    throw new InvalidNameError('subject', subject, 'dot-separated non-empty tokens, no wildcards');
  }
}

export function checkPattern(what: string, pattern: string): void {
  if (!isValidPattern(pattern) || pattern.length === 0) {
    throw new InvalidNameError(what, pattern, 'dot-separated tokens; "*" anywhere, ">" last');
  }
}

export function checkKey(key: string): void {
  if (!KV_KEY.test(key) || !isValidSubject(key)) {
    throw new InvalidNameError('key', key, 'dot-separated tokens of letters, digits, "-", "/", "=", "_"');
  }
}

export function checkKeyPattern(pattern: string): void {
  if (!KV_PATTERN.test(pattern) || !isValidPattern(pattern)) {
    throw new InvalidNameError('key pattern', pattern, 'key tokens, "*" anywhere, ">" last');
  }
}

export const hasWildcard = (pattern: string): boolean =>
  pattern.split('.').some((t) => t === '*' || t === '>');

/** True when some subject matches both patterns (JetStream refuses such streams). */
export function subjectsOverlap(a: string, b: string): boolean {
  const x = a.split('.');
  const y = b.split('.');
  for (let i = 0; i < x.length && i < y.length; i++) {
    const p = x[i];
    const q = y[i];
    if (p === '>' || q === '>') return true;
    if (p !== '*' && q !== '*' && p !== q) return false;
  }
  return x.length === y.length;
}
