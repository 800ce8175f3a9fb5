/**
 * Host key verification, as OpenSSH does it: a key is trusted when it equals
 * the pinned `SHA256:` fingerprint (what `ssh-keygen -lf` prints) or appears in
 * a known_hosts file for that host and port. Anything else is refused with a
 * named error: an unknown or changed key is exactly what a man in the middle
 * looks like, so it is never accepted "this once".
 *
 * known_hosts support: plain names, `[host]:port`, comma lists, `*`/`?`
 * wildcards, `!` negation, hashed `|1|salt|hash` entries (HMAC-SHA1 of the
 * name) and the `@revoked` marker. `@cert-authority` lines are ignored: host
 * certificates are not accepted.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { HostKeyError, SshErrorCode } from './errors.ts';

export interface KnownHost {
  marker: 'revoked' | 'cert-authority' | null;
  /** The host field split at commas: patterns or hashed names. */
  patterns: string[];
  keyType: string;
  key: Buffer;
}

export interface HostKeyPolicy {
  /** `SHA256:<base64>`, with or without the trailing `=`. */
  fingerprint?: string;
  knownHosts?: readonly KnownHost[];
}

/** OpenSSH's fingerprint of a key blob: `SHA256:` and unpadded base64 of its SHA-256. */
export function fingerprintOf(keyBlob: Uint8Array): string {
  return `SHA256:${createHash('sha256').update(keyBlob).digest('base64').replace(/=+$/, '')}`;
}

/** Lines that are not entries (blank, comments, malformed) are skipped, as ssh does. */
export function parseKnownHosts(text: string): KnownHost[] {
  const out: KnownHost[] = [];
  for (const raw of text.split('\n')) {
    const fields = raw.trim().split(/\s+/);
    if (fields[0] === undefined || fields[0] === '' || fields[0].startsWith('#')) continue;
    let marker: KnownHost['marker'] = null;
    if (fields[0].startsWith('@')) {
      const name = fields.shift()!.slice(1);
      if (name !== 'revoked' && name !== 'cert-authority') continue;
      marker = name;
    }
    const [hosts, keyType, key] = fields;
    if (hosts === undefined || keyType === undefined || key === undefined) continue;
    if (!/^[A-Za-z0-9+/]+={0,2}$/.test(key)) continue;
    out.push({ marker, patterns: hosts.split(','), keyType, key: Buffer.from(key, 'base64') });
  }
  return out;
}

/** How known_hosts names a host: the bare name on port 22, `[host]:port` otherwise. */
export function knownHostsName(host: string, port: number): string {
  const name = host.toLowerCase();
  return port === 22 ? name : `[${name}]:${port}`;
}

function hashedMatches(entry: string, name: string): boolean {
  const [, magic, salt, hash] = entry.split('|');
  if (magic !== '1' || salt === undefined || hash === undefined) return false;
  const expected = Buffer.from(hash, 'base64');
  const actual = createHmac('sha1', Buffer.from(salt, 'base64')).update(name).digest();
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

function wildcardMatches(pattern: string, name: string): boolean {
  const body = pattern
    .toLowerCase()
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${body}$`).test(name);
}

/** OpenSSH's rule: any negated pattern that matches excludes the entry; otherwise one positive match suffices. */
export function hostMatches(entry: KnownHost, host: string, port: number): boolean {
  const name = knownHostsName(host, port);
  let matched = false;
  for (const pattern of entry.patterns) {
    if (pattern.startsWith('|')) matched ||= hashedMatches(pattern, name);
    else if (pattern.startsWith('!')) {
      if (wildcardMatches(pattern.slice(1), name)) return false;
    } else matched ||= wildcardMatches(pattern, name);
  }
  return matched;
}

const normalise = (fingerprint: string) => fingerprint.replace(/=+$/, '');

/** Null when the presented key is trusted for host:port; otherwise why it is refused. */
export function checkHostKey(
  policy: HostKeyPolicy,
  host: string,
  port: number,
  keyBlob: Uint8Array,
): HostKeyError | null {
  const presented = fingerprintOf(keyBlob);
  const where = `${host}:${port}`;
  const entries = (policy.knownHosts ?? []).filter((e) => hostMatches(e, host, port));
  const sameKey = (e: KnownHost) => e.key.equals(keyBlob);
  if (entries.some((e) => e.marker === 'revoked' && sameKey(e))) {
    return new HostKeyError(
      SshErrorCode.HostKeyRevoked,
      `host key of ${where} (${presented}) is marked @revoked in known_hosts`,
      presented,
    );
  }
  if (policy.fingerprint !== undefined && normalise(policy.fingerprint) === presented) return null;
  const plain = entries.filter((e) => e.marker === null);
  if (plain.some(sameKey)) return null;
  if (policy.fingerprint !== undefined || plain.length > 0) {
    const expected = policy.fingerprint ?? plain.map((e) => fingerprintOf(e.key)).join(' or ');
    return new HostKeyError(
      SshErrorCode.HostKeyMismatch,
      `host key of ${where} changed: presented ${presented}, expected ${expected}`,
      presented,
    );
  }
  return new HostKeyError(
    SshErrorCode.HostKeyUnknown,
    `host key of ${where} (${presented}) is not in known_hosts`,
    presented,
  );
}
