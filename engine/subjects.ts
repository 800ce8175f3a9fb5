/**
 * NATS subject matching, shared by the embedded adapter and the runner.
 * Tokens are dot-separated; `*` matches one token, `>` (last) matches one or more.
 */

export function subjectMatches(pattern: string, subject: string): boolean {
  if (pattern === subject) return true;
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    const token = p[i];
    if (token === '>') return s.length > i;
    if (i >= s.length) return false;
    if (token !== '*' && token !== s[i]) return false;
  }
  return p.length === s.length;
}

/** True when every subject `inner` matches is also matched by `outer`. */
export function subjectCovers(outer: string, inner: string): boolean {
  const o = outer.split('.');
  const n = inner.split('.');
  for (let i = 0; i < o.length; i++) {
    const token = o[i];
    if (token === '>') return n.length > i;
    if (i >= n.length) return false;
    const other = n[i];
    if (token === '*') {
      if (other === '>') return false;
      continue;
    }
    if (token !== other) return false;
  }
  return o.length === n.length;
}

const TOKEN = /^[^\s.*>]+$/;

/** A publishable subject: non-empty tokens, no wildcards, no whitespace. */
export function isValidSubject(subject: string): boolean {
  return subject.length > 0 && subject.split('.').every((t) => TOKEN.test(t));
}

/** A subscription pattern: like a subject, but `*` anywhere and `>` last are allowed. */
export function isValidPattern(pattern: string): boolean {
  const tokens = pattern.split('.');
  return tokens.every((t, i) => t === '*' || (t === '>' && i === tokens.length - 1) || TOKEN.test(t));
}
