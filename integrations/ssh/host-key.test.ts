import { describe, expect, test } from 'bun:test';
import { HostKeyError } from './errors.ts';
import { checkHostKey, fingerprintOf, hostMatches, knownHostsName, parseKnownHosts } from './host-key.ts';

// A key and its fingerprint and hashed entry as OpenSSH's ssh-keygen printed them (-lf, -H).
const KEY = 'AAAAC3NzaC1lZDI1NTE5AAAAIAB9VGX3ho3la3Wk5UBG27cPErJ7NEu/z7BAvuL7gAAZ';
const FINGERPRINT = 'SHA256:ekj4y6ysfoGKFR6M5sAbcViBWzZfkZlBHaQwcyAWzW8';
const HASHED_H_EXAMPLE_2222 = '|1|bxzzoqAUuLT8y7NO3Rn9McZxkeY=|dMDfVzdhCE6ZzpclJRqmqNQOjpc=';
const OTHER = 'AAAAC3NzaC1lZDI1NTE5AAAAIJqFjDS9zrzqKG6xvlMp8BzvPT/kGdRUTJSAd79kNuTe';
const blob = Buffer.from(KEY, 'base64');

describe('fingerprintOf', () => {
  test("matches ssh-keygen's SHA256 fingerprint (unpadded base64)", () => {
    expect(fingerprintOf(blob)).toBe(FINGERPRINT);
  });
});

describe('parseKnownHosts', () => {
  test('entries, markers and comment lines; malformed lines are skipped', () => {
    const entries = parseKnownHosts(
      [
        '# a comment',
        '',
        `sw1,10.0.0.1 ssh-ed25519 ${KEY} a comment`,
        `@revoked * ssh-ed25519 ${OTHER}`,
        `@cert-authority *.example ssh-ed25519 ${OTHER}`,
        '@unknown-marker h ssh-ed25519 AAAA',
        'only-a-host',
        'h ssh-ed25519 not*base64',
      ].join('\n'),
    );
    expect(entries.map((e) => [e.marker, e.patterns])).toEqual([
      [null, ['sw1', '10.0.0.1']],
      ['revoked', ['*']],
      ['cert-authority', ['*.example']],
    ]);
    expect(entries[0]!.key.equals(blob)).toBe(true);
  });
});

describe('hostMatches', () => {
  const entry = (hosts: string) => parseKnownHosts(`${hosts} ssh-ed25519 ${KEY}`)[0]!;

  test('port 22 uses the bare name, any other port the [host]:port form', () => {
    expect(knownHostsName('SW1', 22)).toBe('sw1');
    expect(knownHostsName('sw1', 2222)).toBe('[sw1]:2222');
    expect(hostMatches(entry('sw1'), 'sw1', 22)).toBe(true);
    expect(hostMatches(entry('sw1'), 'sw1', 2222)).toBe(false);
    expect(hostMatches(entry('[sw1]:2222'), 'sw1', 2222)).toBe(true);
    expect(hostMatches(entry('[sw1]:2222'), 'sw1', 22)).toBe(false);
  });

  test('comma lists, wildcards and negation', () => {
    expect(hostMatches(entry('a,sw1,b'), 'sw1', 22)).toBe(true);
    expect(hostMatches(entry('*.lab.example'), 'sw1.lab.example', 22)).toBe(true);
    expect(hostMatches(entry('*.lab.example'), 'sw1xlab.example', 22)).toBe(false);
    expect(hostMatches(entry('sw?'), 'sw7', 22)).toBe(true);
    expect(hostMatches(entry('*.lab.example,!bad.lab.example'), 'bad.lab.example', 22)).toBe(false);
  });

  test('hashed entries (HMAC-SHA1 of the name, as ssh-keygen -H writes them)', () => {
    expect(hostMatches(entry(HASHED_H_EXAMPLE_2222), 'h.example', 2222)).toBe(true);
    expect(hostMatches(entry(HASHED_H_EXAMPLE_2222), 'h.example', 22)).toBe(false);
    expect(hostMatches(entry(HASHED_H_EXAMPLE_2222), 'other.example', 2222)).toBe(false);
  });
});

describe('checkHostKey', () => {
  const code = (e: HostKeyError | null) => e?.code ?? 'accepted';

  test('a pinned fingerprint: the same key is accepted, another one refused as changed', () => {
    expect(code(checkHostKey({ fingerprint: FINGERPRINT }, 'sw1', 22, blob))).toBe('accepted');
    expect(code(checkHostKey({ fingerprint: `${FINGERPRINT}=` }, 'sw1', 22, blob))).toBe('accepted');
    const refused = checkHostKey({ fingerprint: FINGERPRINT }, 'sw1', 22, Buffer.from(OTHER, 'base64'));
    expect(refused).toBeInstanceOf(HostKeyError);
    expect(refused?.code).toBe('host_key_mismatch');
    expect(refused?.message).toContain(FINGERPRINT);
  });

  test('known_hosts: listed key accepted; unlisted host unknown; other key for a listed host a mismatch', () => {
    const knownHosts = parseKnownHosts(`[sw1]:2222 ssh-ed25519 ${KEY}\n`);
    expect(code(checkHostKey({ knownHosts }, 'sw1', 2222, blob))).toBe('accepted');
    expect(code(checkHostKey({ knownHosts }, 'sw2', 2222, blob))).toBe('host_key_unknown');
    expect(code(checkHostKey({ knownHosts }, 'sw1', 22, blob))).toBe('host_key_unknown');
    expect(code(checkHostKey({ knownHosts }, 'sw1', 2222, Buffer.from(OTHER, 'base64')))).toBe(
      'host_key_mismatch',
    );
    expect(code(checkHostKey({}, 'sw1', 22, blob))).toBe('host_key_unknown');
  });

  test('@revoked refuses the key even when it is pinned or listed', () => {
    const knownHosts = parseKnownHosts(`sw1 ssh-ed25519 ${KEY}\n@revoked * ssh-ed25519 ${KEY}\n`);
    expect(code(checkHostKey({ knownHosts, fingerprint: FINGERPRINT }, 'sw1', 22, blob))).toBe(
      'host_key_revoked',
    );
  });

  test('either a pinned fingerprint or known_hosts suffices', () => {
    const knownHosts = parseKnownHosts(`sw1 ssh-ed25519 ${OTHER}\n`);
    expect(code(checkHostKey({ knownHosts, fingerprint: FINGERPRINT }, 'sw1', 22, blob))).toBe('accepted');
  });
});
