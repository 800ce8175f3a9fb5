import { describe, expect, test } from 'bun:test';
import { type Ace, AceError, AceErrorCode, type AceProtocol, aceText } from './ace.ts';
import {
  BuiltinSgacl,
  builtinSgaclAces,
  parseAceLine,
  parseSgaclContent,
  sgaclContent,
} from './sgacl-text.ts';

/** Every form the grammar holds, one per line, as ISE and IOS-XE write them. */
const FORMS: [string, Ace][] = [
  ['permit tcp dst eq 443', { action: 'permit', protocol: 'tcp', dstPort: 443 }],
  ['permit udp src eq 123 dst eq 123', { action: 'permit', protocol: 'udp', srcPort: 123, dstPort: 123 }],
  [
    'permit tcp dst range 8000 8080 log',
    { action: 'permit', protocol: 'tcp', dst: { op: 'range', ports: [8000, 8080] }, log: true },
  ],
  [
    'deny udp src eq 53 dst gt 1023',
    { action: 'deny', protocol: 'udp', srcPort: 53, dst: { op: 'gt', ports: [1023] } },
  ],
  [
    'permit tcp dst eq 80 443 8080',
    { action: 'permit', protocol: 'tcp', dst: { op: 'eq', ports: [80, 443, 8080] } },
  ],
  ['permit tcp src lt 1024', { action: 'permit', protocol: 'tcp', src: { op: 'lt', ports: [1024] } }],
  [
    'deny tcp dst neq 22 log',
    { action: 'deny', protocol: 'tcp', dst: { op: 'neq', ports: [22] }, log: true },
  ],
  [
    'permit udp src range 0 65535 dst range 16384 32767',
    {
      action: 'permit',
      protocol: 'udp',
      src: { op: 'range', ports: [0, 65535] },
      dst: { op: 'range', ports: [16384, 32767] },
    },
  ],
  [
    'permit tcp dst range 22 22',
    { action: 'permit', protocol: 'tcp', dst: { op: 'range', ports: [22, 22] } },
  ],
  ['permit tcp', { action: 'permit', protocol: 'tcp' }],
  ['permit tcp log', { action: 'permit', protocol: 'tcp', log: true }],
  ['permit icmp', { action: 'permit', protocol: 'icmp' }],
  ['permit icmp echo', { action: 'permit', protocol: 'icmp', icmp: { message: 'echo' } }],
  [
    'deny icmp port-unreachable log',
    { action: 'deny', protocol: 'icmp', icmp: { message: 'port-unreachable' }, log: true },
  ],
  ['permit icmp 8', { action: 'permit', protocol: 'icmp', icmp: { type: 8 } }],
  ['permit icmp 3 4 log', { action: 'permit', protocol: 'icmp', icmp: { type: 3, code: 4 }, log: true }],
  ['permit icmpv6', { action: 'permit', protocol: 'icmpv6' }],
  ['deny ip log', { action: 'deny', protocol: 'ip', log: true }],
  ['permit ip', { action: 'permit', protocol: 'ip' }],
  ['permit 47', { action: 'permit', protocol: '47' }],
  ['deny 0', { action: 'deny', protocol: '0' }],
  ['permit gre log', { action: 'permit', protocol: 'gre', log: true }],
  ['deny esp', { action: 'deny', protocol: 'esp' }],
];

/** Lines the model cannot hold: each kept verbatim, with the action and protocol it shows. */
const VERBATIM: [string, 'permit' | 'deny', AceProtocol][] = [
  ['permit tcp dst eq www', 'permit', 'tcp'],
  ['permit tcp established', 'permit', 'tcp'],
  ['permit tcp dst eq 80 match-any +syn', 'permit', 'tcp'],
  ['10 permit tcp dst eq 22', 'permit', 'tcp'],
  ['permit tcp  dst eq 22', 'permit', 'tcp'],
  ['PERMIT TCP DST EQ 22', 'permit', 'tcp'],
  ['permit tcp dst eq 022', 'permit', 'tcp'],
  ['permit tcp dst eq 65536', 'permit', 'tcp'],
  ['permit tcp dst range 8080 8000', 'permit', 'tcp'],
  ['permit tcp dst lt 80 443', 'permit', 'tcp'],
  ['permit tcp dst eq 1 2 3 4 5 6 7 8 9 10 11', 'permit', 'tcp'],
  ['permit tcp dst eq 443 src eq 1024', 'permit', 'tcp'],
  ['permit tcp dst', 'permit', 'tcp'],
  ['permit tcp log dst eq 80', 'permit', 'tcp'],
  ['permit tcp dst eq 80 log log', 'permit', 'tcp'],
  ['permit ip dst eq 80', 'permit', 'ip'],
  ['permit 6 dst eq 80', 'permit', '6'],
  ['permit icmp 256', 'permit', 'icmp'],
  ['permit icmp echo reply', 'permit', 'icmp'],
  ['permit icmp dst eq 8', 'permit', 'icmp'],
  ['permit icmp src', 'permit', 'icmp'],
  ['deny 256', 'deny', 'ip'],
  ['deny ip any dst 10.0.0.0 255.0.0.0', 'deny', 'ip'],
  ['deny sctp', 'deny', 'ip'],
  ['allow tcp', 'deny', 'ip'],
  ['permit', 'permit', 'ip'],
];

describe('parseAceLine', () => {
  test('every form of the grammar reads into the model and writes back byte for byte', () => {
    for (const [text, ace] of FORMS) {
      const parsed = parseAceLine(text);
      expect([text, parsed]).toEqual([text, ace]);
      expect(aceText(parsed)).toBe(text);
    }
  });

  test('any other line is kept verbatim, never dropped, and written back as it was', () => {
    for (const [text, action, protocol] of VERBATIM) {
      const parsed = parseAceLine(text);
      expect([text, parsed]).toEqual([text, { action, protocol, raw: text }]);
      expect(aceText(parsed)).toBe(text);
    }
  });

  test('whitespace around a line is not part of it', () => {
    expect(parseAceLine('  permit tcp dst eq 443 \t')).toEqual({
      action: 'permit',
      protocol: 'tcp',
      dstPort: 443,
    });
    expect(parseAceLine(' permit tcp dst eq www ')).toEqual({
      action: 'permit',
      protocol: 'tcp',
      raw: 'permit tcp dst eq www',
    });
  });
});

describe('parseSgaclContent and sgaclContent', () => {
  test('content of every form round-trips exactly', () => {
    const content = [...FORMS.map(([t]) => t), ...VERBATIM.map(([t]) => t)].join('\n');
    const parsed = parseSgaclContent(content);
    expect(parsed.aces).toHaveLength(FORMS.length + VERBATIM.length);
    expect(parsed.comments).toEqual([]);
    expect(sgaclContent(parsed.aces)).toBe(content);
  });

  test('CRLF, CR, blank lines, trailing break; comments come back apart with their line numbers', () => {
    const content = 'remark Web\r\npermit tcp dst eq 443\r\n\r\n! legacy\r\n# note\rdeny ip log\r\n';
    const parsed = parseSgaclContent(content);
    expect(parsed.aces).toEqual([
      { action: 'permit', protocol: 'tcp', dstPort: 443 },
      { action: 'deny', protocol: 'ip', log: true },
    ]);
    expect(parsed.comments).toEqual([
      { line: 1, text: 'remark Web' },
      { line: 4, text: '! legacy' },
      { line: 5, text: '# note' },
    ]);
    expect(sgaclContent(parsed.aces)).toBe('permit tcp dst eq 443\ndeny ip log');
    // `remarkable` is no comment keyword: an unreadable line, kept.
    expect(parseSgaclContent('remarkable tcp').aces).toEqual([
      { action: 'deny', protocol: 'ip', raw: 'remarkable tcp' },
    ]);
  });

  test('empty content is no ACEs, and no ACEs is empty content', () => {
    expect(parseSgaclContent('')).toEqual({ aces: [], comments: [] });
    expect(parseSgaclContent('\n \n')).toEqual({ aces: [], comments: [] });
    expect(sgaclContent([])).toBe('');
  });

  test('an ACE that would not stay one line is refused', () => {
    for (const raw of ['permit tcp\ndeny ip', ' ', 'permit ip\r']) {
      const write = () => sgaclContent([{ action: 'permit', protocol: 'ip', raw }]);
      expect(write).toThrow(AceError);
      try {
        write();
      } catch (e) {
        expect((e as AceError).code).toBe(AceErrorCode.InvalidAce);
      }
    }
  });
});

describe('built-in SGACLs', () => {
  test('the four ISE ships, by the names ISE gives them', () => {
    expect(builtinSgaclAces(BuiltinSgacl.PermitIp)).toEqual([{ action: 'permit', protocol: 'ip' }]);
    expect(builtinSgaclAces('Deny IP')).toEqual([{ action: 'deny', protocol: 'ip' }]);
    expect(builtinSgaclAces('Permit_IP_Log')).toEqual([{ action: 'permit', protocol: 'ip', log: true }]);
    expect(builtinSgaclAces('Deny_IP_Log')).toEqual([{ action: 'deny', protocol: 'ip', log: true }]);
    expect(Object.values(BuiltinSgacl).map((n) => sgaclContent(builtinSgaclAces(n) ?? []))).toEqual([
      'permit ip',
      'deny ip',
      'permit ip log',
      'deny ip log',
    ]);
  });

  test('any other name, including other spellings, is not built in', () => {
    for (const name of ['permit ip', 'Permit_IP', 'PERMIT IP', 'Deny IP Log', 'WEB_ONLY', '']) {
      expect(builtinSgaclAces(name)).toBeNull();
    }
  });

  test('each call gives a fresh list', () => {
    const a = builtinSgaclAces('Permit IP') as Ace[];
    a.push({ action: 'deny', protocol: 'ip' });
    expect(builtinSgaclAces('Permit IP')).toHaveLength(1);
  });
});
