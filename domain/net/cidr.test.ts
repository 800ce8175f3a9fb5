import { describe, expect, test } from 'bun:test';
import { cidrContains, cidrLast, formatCidr, parseCidr } from './cidr.ts';
import { parseIp } from './ip.ts';

describe('parseCidr', () => {
  test('reads IPv4 and IPv6 blocks', () => {
    expect(parseCidr('1.10.16.0/20')).toEqual({ version: 4, network: 0x010a1000n, prefix: 20 });
    expect(parseCidr('2001:db8::/32')).toEqual({
      version: 6,
      network: 0x20010db8000000000000000000000000n,
      prefix: 32,
    });
    expect(parseCidr('0.0.0.0/0')).toEqual({ version: 4, network: 0n, prefix: 0 });
  });

  test('a bare address is a host block', () => {
    expect(parseCidr('192.0.2.7')).toMatchObject({ prefix: 32 });
    expect(parseCidr('2001:db8::7')).toMatchObject({ prefix: 128 });
  });

  test('masks host bits, or refuses them in strict mode', () => {
    expect(formatCidr(parseCidr('192.0.2.77/24')!)).toBe('192.0.2.0/24');
    expect(parseCidr('192.0.2.77/24', { strict: true })).toBeNull();
    expect(parseCidr('192.0.2.0/24', { strict: true })).not.toBeNull();
  });

  test('an IPv4-mapped block is the IPv4 block', () => {
    expect(formatCidr(parseCidr('::ffff:10.0.0.0/104')!)).toBe('10.0.0.0/8');
  });

  test.each(['1.2.3.4/33', '::/129', '1.2.3.4/', '1.2.3.4/08', '1.2.3.4/-1', '1.2.3/8', 'x/8', '/8'])(
    'refuses %p',
    (text) => {
      expect(parseCidr(text)).toBeNull();
    },
  );
});

describe('containment', () => {
  test('covers exactly the first to the last address', () => {
    const c = parseCidr('198.51.100.0/24')!;
    expect(cidrLast(c)).toBe(parseIp('198.51.100.255')!.value);
    expect(cidrContains(c, parseIp('198.51.100.0')!)).toBe(true);
    expect(cidrContains(c, parseIp('198.51.100.255')!)).toBe(true);
    expect(cidrContains(c, parseIp('198.51.101.0')!)).toBe(false);
    expect(cidrContains(c, parseIp('198.51.99.255')!)).toBe(false);
  });

  test('never mixes families', () => {
    expect(cidrContains(parseCidr('::/0')!, parseIp('1.2.3.4')!)).toBe(false);
    expect(cidrContains(parseCidr('0.0.0.0/0')!, parseIp('::1')!)).toBe(false);
  });
});
