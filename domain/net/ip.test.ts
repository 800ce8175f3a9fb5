import { describe, expect, test } from 'bun:test';
import { canonicalIp, formatIp, ipFromBytes, ipToBytes, parseIp } from './ip.ts';

describe('parseIp', () => {
  test('reads dotted-quad IPv4 as a 32-bit number', () => {
    expect(parseIp('192.0.2.1')).toEqual({ version: 4, value: 0xc0000201n });
    expect(parseIp('0.0.0.0')).toEqual({ version: 4, value: 0n });
    expect(parseIp('255.255.255.255')).toEqual({ version: 4, value: 0xffffffffn });
  });

  test.each([
    '256.1.1.1',
    '1.2.3',
    '1.2.3.4.5',
    '01.2.3.4',
    '1.2.3.4 ',
    ' 1.2.3.4',
    '1.2.3.-4',
    '',
    'example.com',
    '1.2.3.4/32',
  ])('refuses IPv4-like %p', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  test('reads the IPv6 text forms of RFC 4291', () => {
    expect(parseIp('::')).toEqual({ version: 6, value: 0n });
    expect(parseIp('::1')).toEqual({ version: 6, value: 1n });
    expect(parseIp('2001:db8::1')?.value).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp('2001:DB8:0:0:0:0:0:1')?.value).toBe(0x20010db8000000000000000000000001n);
    expect(parseIp('fe80::')?.value).toBe(0xfe800000000000000000000000000000n);
    expect(parseIp('1:2:3:4:5:6:7:8')?.value).toBe(0x00010002000300040005000600070008n);
    expect(parseIp('64:ff9b::192.0.2.33')?.value).toBe(0x0064ff9b0000000000000000c0000221n);
  });

  test.each([
    '1:2:3:4:5:6:7',
    '1:2:3:4:5:6:7:8:9',
    '1::2::3',
    '1:2:3:4:5:6:7::8',
    ':1::2',
    '1::2:',
    '12345::1',
    'g::1',
    'fe80::1%eth0',
    '::1.2.3',
    '::1.2.3.4:5',
    '1.2.3.4::',
  ])('refuses IPv6-like %p', (text) => {
    expect(parseIp(text)).toBeNull();
  });

  test('turns IPv4-mapped IPv6 into the IPv4 address it carries', () => {
    expect(parseIp('::ffff:10.1.2.3')).toEqual({ version: 4, value: 0x0a010203n });
    expect(parseIp('::FFFF:a01:203')).toEqual({ version: 4, value: 0x0a010203n });
    expect(parseIp('0:0:0:0:0:ffff:192.0.2.1')).toEqual({ version: 4, value: 0xc0000201n });
    // IPv4-compatible (deprecated) stays IPv6: it is not a mapped address.
    expect(parseIp('::10.1.2.3')?.version).toBe(6);
  });
});

describe('formatIp', () => {
  test.each([
    ['2001:0DB8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
    ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
    ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
    ['0:0:0:0:0:0:0:0', '::'],
    ['0:0:0:0:0:0:0:1', '::1'],
    ['1:0:0:0:0:0:0:0', '1::'],
    ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
    ['::ffff:192.0.2.1', '192.0.2.1'],
  ])('prints %p as %p (RFC 5952)', (input, expected) => {
    const ip = parseIp(input);
    expect(ip).not.toBeNull();
    expect(formatIp(ip!)).toBe(expected);
  });

  test('canonicalIp trims and normalises, or says null', () => {
    expect(canonicalIp(' 2001:DB8::0001 ')).toBe('2001:db8::1');
    expect(canonicalIp('not an ip')).toBeNull();
  });
});

describe('bytes', () => {
  test('round-trip in network order', () => {
    const v4 = parseIp('192.0.2.1')!;
    expect([...ipToBytes(v4)]).toEqual([192, 0, 2, 1]);
    expect(ipFromBytes(ipToBytes(v4))).toEqual(v4);
    const v6 = parseIp('2001:db8::ff00:42:8329')!;
    const bytes = ipToBytes(v6);
    expect(bytes.length).toBe(16);
    expect([bytes[0], bytes[1], bytes[15]]).toEqual([0x20, 0x01, 0x29]);
    expect(ipFromBytes(bytes)).toEqual(v6);
    expect(ipFromBytes(new Uint8Array(5))).toBeNull();
  });
});
