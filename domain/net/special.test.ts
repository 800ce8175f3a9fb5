import { describe, expect, test } from 'bun:test';
import { parseIp } from './ip.ts';
import { isPublicRoutable, specialRange } from './special.ts';

const publicOf = (text: string): boolean => {
  const ip = parseIp(text);
  if (ip === null) throw new Error(`bad test address ${text}`);
  return isPublicRoutable(ip);
};

describe('isPublicRoutable', () => {
  test.each([
    '0.1.2.3',
    '10.20.30.40',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.0.0.1',
    '192.0.2.55',
    '192.88.99.1',
    '192.168.1.1',
    '198.18.0.1',
    '198.19.255.255',
    '198.51.100.7',
    '203.0.113.9',
    '224.0.0.251',
    '239.255.255.250',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '::ffff:192.168.1.1',
    '::ffff:127.0.0.1',
    '64:ff9b::a00:1',
    '100::1',
    '2001::1',
    '2001:2::1',
    '2001:db8::1',
    '2002:c000:201::1',
    '3fff::1',
    'fc00::1',
    'fd12:3456:789a::1',
    'fe80::1',
    'febf::1',
    'fec0::1',
    'ff02::1',
    '4000::1',
    '::10.1.2.3',
  ])('%p is never sent outside', (text) => {
    expect(publicOf(text)).toBe(false);
  });

  test.each([
    '1.1.1.1',
    '8.8.8.8',
    '100.63.255.255',
    '100.128.0.0',
    '172.15.255.255',
    '172.32.0.0',
    '192.0.0.9',
    '192.0.3.1',
    '192.169.0.1',
    '198.17.255.255',
    '198.20.0.0',
    '223.255.255.255',
    '::ffff:8.8.8.8',
    '2001:4860:4860::8888',
    '2606:4700::1111',
    '2001:3::1',
    '2001:20::1',
    '2a00:1450:4001::1',
  ])('%p is public', (text) => {
    expect(publicOf(text)).toBe(true);
  });

  test('names the range that made an address special', () => {
    expect(specialRange(parseIp('100.64.1.1')!)?.name).toBe('shared-address-space');
    expect(specialRange(parseIp('2001:db8::1')!)?.name).toBe('documentation');
    expect(specialRange(parseIp('2001::1')!)?.name).toBe('teredo');
    expect(specialRange(parseIp('8.8.8.8')!)).toBeNull();
  });
});
