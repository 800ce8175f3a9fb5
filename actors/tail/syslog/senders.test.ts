import { describe, expect, test } from 'bun:test';
import { SyslogError, SyslogErrorCode } from './errors.ts';
import { SenderMap, unmapAddress } from './senders.ts';

describe('SenderMap', () => {
  const map = new SenderMap([
    { from: '10.1.2.3', tenant: 'lab' },
    { from: '10.1.0.0/16', tenant: 'acme' },
    { from: '10.0.0.0/8', tenant: 'globex' },
    { from: '2001:db8::/32', tenant: 'acme' },
    { from: '::1', tenant: 'local' },
  ]);

  test('the first entry that holds the address wins', () => {
    expect(map.resolve('10.1.2.3')?.tenant).toBe('lab');
    expect(map.resolve('10.1.9.9')?.tenant).toBe('acme');
    expect(map.resolve('10.200.0.1')?.tenant).toBe('globex');
    expect(map.resolve('2001:db8:1::5')).toEqual({ tenant: 'acme', address: '2001:db8:1::5' });
    expect(map.resolve('::1')?.tenant).toBe('local');
  });

  test('IPv4-mapped IPv6 senders match IPv4 entries and show as IPv4', () => {
    expect(map.resolve('::ffff:10.1.9.9')).toEqual({ tenant: 'acme', address: '10.1.9.9' });
    expect(map.resolve('::FFFF:10.1.2.3')?.tenant).toBe('lab');
  });

  test('unknown senders and non-addresses map to nothing', () => {
    expect(map.resolve('192.0.2.1')).toBeNull();
    expect(map.resolve('2001:db9::1')).toBeNull();
    expect(map.resolve('')).toBeNull();
    expect(map.resolve('not an address')).toBeNull();
  });

  test('entries that are no address or CIDR are refused with a code', () => {
    for (const from of [
      '10.1.0.0/33',
      '::/129',
      'host.example',
      '10.0.0.0/8/1',
      '10.0.0.0/x',
      '10.0.0.256',
    ]) {
      let error: unknown;
      try {
        new SenderMap([{ from, tenant: 'acme' }]);
      } catch (e) {
        error = e;
      }
      expect(error).toBeInstanceOf(SyslogError);
      expect((error as SyslogError).code).toBe(SyslogErrorCode.BadSender);
    }
  });
});

test('unmapAddress unwraps only IPv4-mapped IPv6', () => {
  expect(unmapAddress('::ffff:192.0.2.1')).toBe('192.0.2.1');
  expect(unmapAddress('::ffff:abcd')).toBe('::ffff:abcd');
  expect(unmapAddress('2001:db8::1')).toBe('2001:db8::1');
});
