import { describe, expect, test } from 'bun:test';
import { cleanUntrusted, findIpLiterals, isIpv6, redactIpLiterals } from './untrusted.ts';

const found = (text: string): string[] => findIpLiterals(text).map((s) => text.slice(s.start, s.end));

describe('findIpLiterals', () => {
  test('finds IPv4 dotted quads with octets up to 255', () => {
    expect(found('src 10.1.2.3 and dst 255.255.255.255.')).toEqual(['10.1.2.3', '255.255.255.255']);
    expect(found('Server_172.16.0.9')).toEqual(['172.16.0.9']);
    expect(found('net 10.0.0.0/8')).toEqual(['10.0.0.0']);
  });

  test('ignores quads with an octet above 255 and longer digit runs', () => {
    expect(found('version 1.2.300.4')).toEqual([]);
    expect(found('1234.1.1.1 and 1.1.1.1234')).toEqual([]);
    expect(found('release 17.3.5 on 2026-06-18')).toEqual([]);
  });

  test('finds IPv6 in full and compressed forms, with zone ids', () => {
    expect(found('a 2001:0db8:0000:0000:0000:ff00:0042:8329 b')).toEqual([
      '2001:0db8:0000:0000:0000:ff00:0042:8329',
    ]);
    expect(found('to 2001:db8::1, from ::1 and fe80::1%eth0.')).toEqual([
      '2001:db8::1',
      '::1',
      'fe80::1%eth0',
    ]);
    expect(found('ip:fe80::abcd')).toEqual(['fe80::abcd']);
    expect(found('"dest-ip=\'2001:DB8::5\'"')).toEqual(['2001:DB8::5']);
  });

  test('does not flag times, MAC addresses, prose colons or JSON punctuation', () => {
    expect(found('Jun 18 10:17:22.205: %RBM-6-SGACLHIT')).toEqual([]);
    expect(found('mac 00:1a:2b:3c:4d:5e')).toEqual([]);
    expect(found('C++ std::vector and Foo::Bar')).toEqual([]);
    expect(found('{"a":"b","c":1,"d":[1,2]}')).toEqual([]);
    expect(found('ratio 12:34 and a bare :: token')).toEqual([]);
  });

  test('isIpv6 needs eight groups or one :: with at least one group', () => {
    expect(isIpv6('1:2:3:4:5:6:7:8')).toBe(true);
    expect(isIpv6('1:2:3:4:5:6:7')).toBe(false);
    expect(isIpv6('1::2::3')).toBe(false);
    expect(isIpv6('::')).toBe(false);
    expect(isIpv6('12345::1')).toBe(false);
  });
});

describe('cleanUntrusted', () => {
  test('strips controls and invisible characters, collapses whitespace', () => {
    expect(cleanUntrusted('Emp\u0000loy\u202Eees\n\tGroup\u200B')).toBe('Emp loyees Group');
  });

  test('redacts addresses, including full-width digits that NFKC turns into an IPv4', () => {
    expect(cleanUntrusted('srv 10.9.8.7 / 2001:db8::7')).toBe('srv [ip] / [ip]');
    expect(cleanUntrusted('srv １０.９.８.７')).toBe('srv [ip]');
  });

  test('caps length in code points and redacts an address the cut creates', () => {
    const out = cleanUntrusted('x'.repeat(100), 10);
    expect(Array.from(out)).toHaveLength(10);
    expect(out.endsWith('…')).toBe(true);
    expect(cleanUntrusted('ab 10.0.0.1234', 12)).toBe('ab [ip]…');
  });

  test('redactIpLiterals leaves clean text alone', () => {
    expect(redactIpLiterals('Permit IP')).toBe('Permit IP');
  });
});
