import { describe, expect, test } from 'bun:test';
import { type Cidr, cidrContains, formatCidr, parseCidr } from './cidr.ts';
import { type IpAddress, parseIp } from './ip.ts';
import { PrefixSet } from './prefix-set.ts';

const cidr = (text: string): Cidr => parseCidr(text)!;
const ip = (text: string): IpAddress => parseIp(text)!;

describe('PrefixSet', () => {
  test('answers the longest matching prefix', () => {
    const set = new PrefixSet<string>();
    set.add(cidr('10.0.0.0/8'), 'a');
    set.add(cidr('10.1.0.0/16'), 'b');
    set.add(cidr('10.1.2.0/24'), 'c');
    set.add(cidr('10.1.2.3/32'), 'd');
    set.add(cidr('10.2.0.0/16'), 'e');
    expect(set.match(ip('10.1.2.3'))).toBe('d');
    expect(set.match(ip('10.1.2.4'))).toBe('c');
    expect(set.match(ip('10.1.3.1'))).toBe('b');
    // After a nested run ends, the climb reaches the outer block again.
    expect(set.match(ip('10.1.255.255'))).toBe('b');
    expect(set.match(ip('10.3.0.0'))).toBe('a');
    expect(set.match(ip('10.2.9.9'))).toBe('e');
    expect(set.match(ip('11.0.0.0'))).toBeNull();
    expect(set.match(ip('9.255.255.255'))).toBeNull();
    expect(set.matchEntry(ip('10.1.2.200'))?.cidr).toEqual(cidr('10.1.2.0/24'));
  });

  test('keeps IPv4 and IPv6 apart', () => {
    const set = new PrefixSet<string>();
    set.add(cidr('0.0.0.0/0'), 'v4');
    set.add(cidr('2001:db8::/32'), 'doc');
    expect(set.match(ip('2001:db8::1'))).toBe('doc');
    expect(set.match(ip('2001:db9::1'))).toBeNull();
    expect(set.match(ip('8.8.8.8'))).toBe('v4');
    expect(set.size).toBe(2);
  });

  test('the same block added twice keeps the later tag; adds after a lookup are seen', () => {
    const set = new PrefixSet<number>();
    set.add(cidr('192.0.2.0/24'), 1);
    expect(set.match(ip('192.0.2.9'))).toBe(1);
    set.add(cidr('192.0.2.0/24'), 2);
    set.add(cidr('192.0.2.8/29'), 3);
    expect(set.match(ip('192.0.2.9'))).toBe(3);
    expect(set.match(ip('192.0.2.99'))).toBe(2);
    expect(set.size).toBe(2);
    expect(set.list()).toEqual(['192.0.2.0/24', '192.0.2.8/29']);
  });

  test('an empty set matches nothing', () => {
    expect(new PrefixSet<string>().match(ip('1.1.1.1'))).toBeNull();
  });

  test('agrees with a linear scan over 100k random prefixes', () => {
    // A small deterministic generator, so a failure reproduces.
    let seed = 0x2545f491;
    const next = (): number => {
      seed ^= seed << 13;
      seed ^= seed >>> 17;
      seed ^= seed << 5;
      return seed >>> 0;
    };
    const set = new PrefixSet<number>();
    const blocks: Cidr[] = [];
    for (let i = 0; i < 100_000; i += 1) {
      const prefix = 8 + (next() % 25);
      const c = parseCidr(
        `${next() >>> 24}.${(next() >>> 16) & 255}.${next() & 255}.${next() & 255}/${prefix}`,
      )!;
      blocks.push(c);
      set.add(c, i);
    }
    for (let n = 0; n < 60; n += 1) {
      // Probe inside a known block half the time, anywhere otherwise.
      const probe =
        n % 2 === 0
          ? { version: 4 as const, value: blocks[next() % blocks.length]!.network + BigInt(next() % 4) }
          : { version: 4 as const, value: BigInt(next()) };
      let best: { prefix: number; order: number } | null = null;
      for (const [order, b] of blocks.entries()) {
        if (cidrContains(b, probe) && (best === null || b.prefix > best.prefix || b.prefix === best.prefix)) {
          best = { prefix: b.prefix, order };
        }
      }
      const found = set.matchEntry(probe);
      expect(found === null ? null : formatCidr(found.cidr)).toBe(
        best === null ? null : formatCidr(blocks[best.order]!),
      );
      if (best !== null) expect(found?.tag).toBe(best.order);
    }
  });
});
