import { describe, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { existsSync } from 'node:fs';
import { findUdpStats, procEntry, readKernelUdpStats } from './kernel.ts';

const TABLE = `   sl  local_address rem_address   st tx_queue rx_queue tr tm->when retrnsmt   uid  timeout inode ref pointer drops
  120: 0100007F:0202 00000000:0000 07 00000000:00000A00 00:00000000 00000000     0        0 37501 2 000000002a0f2e6e 42
14976: 00000000:15B3 00000000:0000 07 00000000:00000000 00:00000000 00000000     0        0 37502 2 000000002a0f2e6f 0
`;

describe('procEntry', () => {
  test('IPv4: each word as the number in memory (byte-reversed on little-endian), the port in hex', () => {
    expect(procEntry('127.0.0.1', 514, true)).toEqual({ file: '/proc/net/udp', local: '0100007F:0202' });
    expect(procEntry('127.0.0.1', 514, false)).toEqual({ file: '/proc/net/udp', local: '7F000001:0202' });
    expect(procEntry('0.0.0.0', 5555, true)?.local).toBe('00000000:15B3');
  });

  test('IPv6: four words, compressed forms, embedded IPv4 and zone ids', () => {
    expect(procEntry('::', 514, true)).toEqual({ file: '/proc/net/udp6', local: `${'0'.repeat(32)}:0202` });
    expect(procEntry('::1', 514, true)?.local).toBe('00000000000000000000000001000000:0202');
    expect(procEntry('::ffff:127.0.0.1', 1, true)?.local).toBe('0000000000000000FFFF00000100007F:0001');
    expect(procEntry('2001:db8::1', 1, false)?.local).toBe('20010DB8000000000000000000000001:0001');
    expect(procEntry('fe80::1%eth0', 1, false)?.local).toBe('FE800000000000000000000000000001:0001');
  });

  test('a name is no address', () => {
    expect(procEntry('localhost', 514)).toBeNull();
  });
});

describe('findUdpStats', () => {
  test('the row of the local address: its drops and its queued bytes', () => {
    expect(findUdpStats(TABLE, '0100007F:0202')).toEqual({ drops: 42, queuedBytes: 2560 });
    expect(findUdpStats(TABLE, '00000000:15B3')).toEqual({ drops: 0, queuedBytes: 0 });
  });

  test('no such socket, or no table at all, is unknown', () => {
    expect(findUdpStats(TABLE, '0100007F:0203')).toBeNull();
    expect(findUdpStats('', '0100007F:0202')).toBeNull();
    expect(findUdpStats('garbage\n', '0100007F:0202')).toBeNull();
  });
});

describe('readKernelUdpStats', () => {
  test.if(existsSync('/proc/net/udp'))('finds a bound socket of this process', async () => {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    try {
      expect(readKernelUdpStats('127.0.0.1', socket.address().port)).toEqual({ drops: 0, queuedBytes: 0 });
    } finally {
      socket.close();
    }
  });

  test('an address that cannot be looked up is unknown, not an error', () => {
    expect(readKernelUdpStats('localhost', 514)).toBeNull();
  });
});
