import { describe, expect, test } from 'bun:test';
import { formatCidr } from '../net/cidr.ts';
import { BlocklistFormat, detectFormat, parseBlocklist } from './blocklist.ts';

const DROP = `; Spamhaus DROP List 2024/05/01 - (c) 2024 The Spamhaus Project SLU
; https://www.spamhaus.org/drop/drop.txt
; Last-Modified: Wed, 01 May 2024 12:00:00 GMT
; Expires: Thu, 02 May 2024 13:00:00 GMT
1.10.16.0/20 ; SBL256894
1.19.0.0/16 ; SBL434604
not-a-cidr ; SBL1
2.56.192.0/22 ; SBL459831
`;

const DROP_JSON = `{"cidr":"1.10.16.0/20","sblid":"SBL256894","rir":"apnic"}
{"cidr":"2001:db8:1000::/36","sblid":"SBL1","rir":"ripencc"}
{"type":"metadata","timestamp":1714550400,"size":2,"records":2,"copyright":"(c) 2024 The Spamhaus Project SLU"}
`;

const NETSET = `#
# firehol_level1
#
# ipv4 hash:net ipset
#
# Category        : attacks
# Maintainer      : FireHOL
#
0.0.0.0/8
5.188.10.0/23
31.11.43.181 # a trailing comment
999.1.1.1
2.57.122.0/24
`;

const FEODO = `################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (recommended)  #
# Last updated: 2024-05-01 10:05:02 UTC                        #
################################################################
#
# DstIP
50.16.16.211
162.243.103.246
162.243.103.999
# END 3 entries
`;

const FEODO_CSV = `################################################################
# abuse.ch Feodo Tracker Botnet C2 IP Blocklist (CSV)          #
################################################################
#
# "first_seen_utc","dst_ip","dst_port","c2_status","last_online","malware"
"2021-01-17 07:44:46","67.213.75.205","443","online","2024-05-01","Dridex"
"2021-02-01 10:00:00","192.0.2.300","8080","offline","2024-04-01","QakBot"
"2022-03-01 10:00:00","2001:db8::5","443","online","2024-05-01","Emotet"
`;

const blocks = (text: string, name: string): string[] =>
  parseBlocklist(name, text).entries.map((e) => formatCidr(e.cidr));

describe('detectFormat', () => {
  test('by file name first', () => {
    expect(detectFormat('drop.txt', '')).toBe(BlocklistFormat.SpamhausDrop);
    expect(detectFormat('edrop.txt', '')).toBe(BlocklistFormat.SpamhausDrop);
    expect(detectFormat('drop_v4.json', DROP_JSON)).toBe(BlocklistFormat.SpamhausJson);
    expect(detectFormat('feodo-ipblocklist.txt', FEODO)).toBe(BlocklistFormat.Feodo);
    expect(detectFormat('feodo.csv', FEODO_CSV)).toBe(BlocklistFormat.FeodoCsv);
    expect(detectFormat('firehol_level1.netset', NETSET)).toBe(BlocklistFormat.FireHol);
  });

  test('then by content, whatever the name', () => {
    expect(detectFormat('list-a', DROP)).toBe(BlocklistFormat.SpamhausDrop);
    expect(detectFormat('list-b', FEODO)).toBe(BlocklistFormat.Feodo);
    expect(detectFormat('list-c', FEODO_CSV)).toBe(BlocklistFormat.FeodoCsv);
    expect(detectFormat('list-d', NETSET)).toBe(BlocklistFormat.FireHol);
    expect(detectFormat('list-e', '198.51.100.0/24\n')).toBe(BlocklistFormat.FireHol);
  });
});

describe('parseBlocklist', () => {
  test('Spamhaus DROP: blocks with their SBL reference; bad lines counted, not fatal', () => {
    const list = parseBlocklist('drop.txt', DROP);
    expect(list.entries.map((e) => [formatCidr(e.cidr), e.ref])).toEqual([
      ['1.10.16.0/20', 'SBL256894'],
      ['1.19.0.0/16', 'SBL434604'],
      ['2.56.192.0/22', 'SBL459831'],
    ]);
    expect(list.categories).toEqual(['hijacked', 'spam']);
    expect(list.badLines).toBe(1);
    expect(list.badExamples[0]).toMatchObject({ line: 7 });
  });

  test('Spamhaus JSON lines: metadata line skipped, IPv6 kept', () => {
    const list = parseBlocklist('drop_v6.json', DROP_JSON);
    expect(list.entries.map((e) => [formatCidr(e.cidr), e.ref])).toEqual([
      ['1.10.16.0/20', 'SBL256894'],
      ['2001:db8:1000::/36', 'SBL1'],
    ]);
    expect(list.badLines).toBe(0);
  });

  test('FireHOL netset: comments, trailing comments and host addresses', () => {
    const list = parseBlocklist('firehol_level1.netset', NETSET);
    expect(blocks(NETSET, 'firehol_level1.netset')).toEqual([
      '0.0.0.0/8',
      '5.188.10.0/23',
      '31.11.43.181/32',
      '2.57.122.0/24',
    ]);
    expect(list.badLines).toBe(1);
    expect(list.categories).toEqual([]);
  });

  test('a FireHOL list takes categories from its name', () => {
    expect(parseBlocklist('tor_exits.ipset', '192.0.2.1\n').categories).toEqual(['tor']);
    expect(parseBlocklist('blocklist_de_bruteforce.ipset', '192.0.2.1\n').categories).toEqual(['bruteforce']);
  });

  test('Feodo plain list: botnet C2 addresses', () => {
    const list = parseBlocklist('ipblocklist.txt', FEODO);
    expect(list.format).toBe(BlocklistFormat.Feodo);
    expect(list.entries.map((e) => formatCidr(e.cidr))).toEqual(['50.16.16.211/32', '162.243.103.246/32']);
    expect(list.categories).toEqual(['botnet', 'c2']);
    expect(list.badLines).toBe(1);
  });

  test('Feodo CSV: dst_ip with the malware family as reference', () => {
    const list = parseBlocklist('ipblocklist.csv', FEODO_CSV);
    expect(list.entries.map((e) => [formatCidr(e.cidr), e.ref])).toEqual([
      ['67.213.75.205/32', 'Dridex'],
      ['2001:db8::5/128', 'Emotet'],
    ]);
    expect(list.badLines).toBe(1);
  });

  test('keeps only the first bad-line examples but counts them all', () => {
    const text = Array.from({ length: 50 }, () => 'garbage').join('\n');
    const list = parseBlocklist('junk.netset', text);
    expect(list.badLines).toBe(50);
    expect(list.badExamples.length).toBe(10);
    expect(list.entries).toEqual([]);
  });

  test('handles CRLF line ends', () => {
    expect(blocks('192.0.2.0/24\r\n198.51.100.1\r\n', 'x.netset')).toEqual([
      '192.0.2.0/24',
      '198.51.100.1/32',
    ]);
  });
});
