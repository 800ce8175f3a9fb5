import { describe, expect, test } from 'bun:test';
import {
  type Ace,
  aceMatchesFlow,
  aceMatchKey,
  aceMayMatchFlow,
  aceText,
  compareAces,
  decideFlow,
  FlowVerdict,
  toAce,
} from './ace.ts';
import { type FlowKey, parseFlowId } from './flow.ts';
import { parseAceLine } from './sgacl-text.ts';

const flow = (id: string): FlowKey => parseFlowId(id) as FlowKey;
const line = (text: string): Ace => parseAceLine(text);

describe('ACEs as first stored (single eq ports) behave as before', () => {
  const plain: Ace[] = [
    { action: 'permit', protocol: 'tcp', dstPort: 443 },
    { action: 'permit', protocol: 'udp', srcPort: 123, dstPort: 123 },
    { action: 'deny', protocol: 'tcp', dstPort: 23, log: true },
    { action: 'permit', protocol: 'icmp' },
    { action: 'permit', protocol: '47' },
    { action: 'deny', protocol: 'ip' },
  ];

  test('text, match key and plain copy', () => {
    expect(plain.map(aceText)).toEqual([
      'permit tcp dst eq 443',
      'permit udp src eq 123 dst eq 123',
      'deny tcp dst eq 23 log',
      'permit icmp',
      'permit 47',
      'deny ip',
    ]);
    expect(plain.map(aceMatchKey)).toEqual([
      'tcp any 443',
      'udp 123 123',
      'tcp any 23',
      'icmp any any',
      '47 any any',
      'ip any any',
    ]);
    const withEvidence = { ...plain[2], hits: 5, flowIds: ['x'], srcPort: undefined } as Ace;
    expect(toAce(withEvidence)).toEqual({ action: 'deny', protocol: 'tcp', dstPort: 23, log: true });
    for (const a of plain) expect(toAce(a)).toEqual(a);
  });

  test('matching: exact ports, protocol, and an `any` bucket never satisfies a port', () => {
    const [https, ntp] = plain as [Ace, Ace];
    expect(aceMatchesFlow(https, flow('1-2-tcp-any-443'))).toBe(true);
    expect(aceMatchesFlow(https, flow('1-2-tcp-any-8443'))).toBe(false);
    expect(aceMatchesFlow(https, flow('1-2-udp-any-443'))).toBe(false);
    expect(aceMatchesFlow(https, flow('1-2-6-any-443'))).toBe(true);
    expect(aceMatchesFlow(ntp, flow('1-2-udp-123-123'))).toBe(true);
    expect(aceMatchesFlow(ntp, flow('1-2-udp-any-123'))).toBe(false);
    expect(aceMatchesFlow({ action: 'permit', protocol: 'tcp', dstPort: 80 }, flow('1-2-tcp-any-any'))).toBe(
      false,
    );
    expect(aceMatchesFlow(plain[5] as Ace, flow('1-2-47-any-any'))).toBe(true);
  });

  test('ordering: denies first, then protocol, destination and source port', () => {
    const sorted = [...plain].sort(compareAces).map(aceText);
    expect(sorted).toEqual([
      'deny tcp dst eq 23 log',
      'deny ip',
      'permit tcp dst eq 443',
      'permit udp src eq 123 dst eq 123',
      'permit icmp',
      'permit 47',
    ]);
  });
});

describe('richer port clauses', () => {
  test('a single eq in src/dst is the same ACE as srcPort/dstPort', () => {
    const rich: Ace = { action: 'permit', protocol: 'udp', src: { op: 'eq', ports: [53] } };
    expect(aceText(rich)).toBe('permit udp src eq 53');
    expect(aceMatchKey(rich)).toBe(aceMatchKey({ action: 'deny', protocol: 'udp', srcPort: 53 }));
    expect(toAce(rich)).toEqual({ action: 'permit', protocol: 'udp', srcPort: 53 });
  });

  test('keys: several eq ports in any order are one match; each operator has its own key', () => {
    expect(aceMatchKey(line('permit tcp dst eq 443 80'))).toBe(
      aceMatchKey(line('deny tcp dst eq 80 443 log')),
    );
    expect(aceMatchKey(line('permit tcp dst range 8000 8080'))).toBe('tcp any range:8000,8080');
    expect(aceMatchKey(line('deny udp src eq 53 dst gt 1023'))).toBe('udp 53 gt:1023');
    expect(aceMatchKey(line('permit icmp echo'))).toBe('icmp any any icmp:echo');
    expect(aceMatchKey(line('permit tcp dst lt 80'))).not.toBe(aceMatchKey(line('permit tcp dst gt 80')));
  });

  test('ranges, lt, gt, neq and several ports against flows', () => {
    const cases: [string, string, boolean][] = [
      ['permit tcp dst range 8000 8080', '1-2-tcp-any-8000', true],
      ['permit tcp dst range 8000 8080', '1-2-tcp-any-8080', true],
      ['permit tcp dst range 8000 8080', '1-2-tcp-any-8081', false],
      ['permit tcp dst range 8000 8080', '1-2-tcp-any-7999', false],
      ['permit tcp dst lt 1024', '1-2-tcp-any-1023', true],
      ['permit tcp dst lt 1024', '1-2-tcp-any-1024', false],
      ['permit udp dst gt 1023', '1-2-udp-any-1024', true],
      ['permit udp dst gt 1023', '1-2-udp-any-1023', false],
      ['permit tcp dst neq 23', '1-2-tcp-any-22', true],
      ['permit tcp dst neq 23', '1-2-tcp-any-23', false],
      ['permit tcp dst eq 80 443 8080', '1-2-tcp-any-443', true],
      ['permit tcp dst eq 80 443 8080', '1-2-tcp-any-8080', true],
      ['permit tcp dst eq 80 443 8080', '1-2-tcp-any-8443', false],
      ['permit udp src eq 53 dst gt 1023', '1-2-udp-53-5353', true],
      ['permit udp src eq 53 dst gt 1023', '1-2-udp-54-5353', false],
      ['permit udp src range 100 200', '1-2-udp-150-53', true],
      // A bucket of `any` satisfies no port clause, however wide.
      ['permit tcp dst range 0 65535', '1-2-tcp-any-any', false],
      ['permit tcp src gt 1023 dst eq 443', '1-2-tcp-any-443', false],
      ['permit tcp dst neq 1', '1-2-tcp-any-any', false],
      ['permit tcp dst range 8000 8080', '1-2-udp-any-8000', false],
    ];
    for (const [text, id, expected] of cases) {
      expect([text, id, aceMatchesFlow(line(text), flow(id))]).toEqual([text, id, expected]);
    }
  });

  test('may match: an `any` bucket stands for source ports 0 and 1024+, destination port 0', () => {
    const cases: [string, string, boolean][] = [
      ['deny tcp src gt 1023', '1-2-tcp-any-443', true],
      ['deny tcp src eq 80', '1-2-tcp-any-443', false],
      ['deny tcp src eq 5000', '1-2-tcp-any-443', true],
      ['deny tcp src range 1 1023', '1-2-tcp-any-443', false],
      ['deny tcp src neq 80', '1-2-tcp-any-443', true],
      ['deny tcp dst lt 10', '1-2-tcp-any-any', true],
      ['deny tcp dst gt 0', '1-2-tcp-any-any', false],
      ['deny tcp dst eq 443', '1-2-tcp-any-any', false],
      ['deny tcp dst neq 0', '1-2-tcp-any-any', false],
      ['deny tcp dst range 8000 8080', '1-2-tcp-any-8443', false],
      ['deny udp dst range 8000 8080', '1-2-tcp-any-8000', false],
      ['deny icmp echo', '1-2-icmp-any-any', true],
      ['deny icmp echo', '1-2-tcp-any-443', false],
    ];
    for (const [text, id, expected] of cases) {
      expect([text, id, aceMayMatchFlow(line(text), flow(id))]).toEqual([text, id, expected]);
    }
  });

  test('ICMP messages and protocol names', () => {
    expect(aceMatchesFlow(line('permit icmp echo'), flow('1-2-icmp-any-any'))).toBe(false);
    expect(aceMatchesFlow(line('permit icmp'), flow('1-2-icmp-any-any'))).toBe(true);
    expect(aceMatchesFlow(line('permit gre'), flow('1-2-47-any-any'))).toBe(true);
    expect(aceMatchesFlow(line('permit esp log'), flow('1-2-47-any-any'))).toBe(false);
    expect(aceMatchesFlow(line('permit 6'), flow('1-2-tcp-any-443'))).toBe(true);
  });

  test('ordering is total and stable for richer ACEs; verbatim lines last within their action', () => {
    const texts = [
      'permit tcp dst eq www',
      'permit tcp dst range 8000 8080',
      'permit tcp dst eq 8000',
      'permit tcp dst eq 80 443',
      'permit tcp',
      'permit tcp dst lt 1024',
      'deny tcp established',
      'deny udp src eq 53 dst gt 1023',
      'permit icmp echo',
      'permit icmp',
      'permit gre',
    ];
    const sorted = texts.map(line).sort(compareAces).map(aceText);
    expect(sorted).toEqual([
      'deny udp src eq 53 dst gt 1023',
      'deny tcp established',
      'permit tcp',
      'permit tcp dst lt 1024',
      'permit tcp dst eq 80 443',
      'permit tcp dst eq 8000',
      'permit tcp dst range 8000 8080',
      'permit icmp',
      'permit icmp echo',
      'permit gre',
      'permit tcp dst eq www',
    ]);
    expect([...sorted].reverse().map(line).sort(compareAces).map(aceText)).toEqual(sorted);
  });
});

describe('verbatim ACEs', () => {
  const www = line('permit tcp dst eq www');
  const telnet = line('deny tcp dst eq telnet');

  test('render back byte for byte and keep only action, protocol and line', () => {
    expect(www).toEqual({ action: 'permit', protocol: 'tcp', raw: 'permit tcp dst eq www' });
    expect(aceText(www)).toBe('permit tcp dst eq www');
    expect(toAce({ ...www, log: true } as Ace)).toEqual(www);
    // The action is not part of the match: a flipped verbatim line is a changed ACE, not a new one.
    expect(aceMatchKey(www)).toBe('raw tcp dst eq www');
    expect(aceMatchKey(line('deny tcp dst eq www'))).toBe(aceMatchKey(www));
  });

  test('match nothing; may match every flow of their protocol', () => {
    expect(aceMatchesFlow(www, flow('1-2-tcp-any-80'))).toBe(false);
    expect(aceMayMatchFlow(telnet, flow('1-2-tcp-any-80'))).toBe(true);
    expect(aceMayMatchFlow(telnet, flow('1-2-udp-any-53'))).toBe(false);
    expect(aceMayMatchFlow(line('deny foo bar'), flow('1-2-udp-any-53'))).toBe(true);
  });

  test('a cell with one: a permit proves nothing, a deny leaves later permits unproven', () => {
    const f = flow('1-2-tcp-any-80');
    const http = line('permit tcp dst eq 80');
    expect(decideFlow([www], f)).toEqual({ verdict: FlowVerdict.None, index: -1 });
    expect(decideFlow([www, http], f)).toEqual({ verdict: FlowVerdict.Permit, index: 1 });
    expect(decideFlow([telnet, http], f)).toEqual({ verdict: FlowVerdict.Unproven, index: 0 });
    expect(decideFlow([telnet], f)).toEqual({ verdict: FlowVerdict.Unproven, index: 0 });
    // Denied whichever of the two drops it.
    expect(decideFlow([telnet, line('deny tcp')], f)).toEqual({ verdict: FlowVerdict.Deny, index: 1 });
    // A deny of another protocol cannot touch the flow.
    expect(decideFlow([line('deny udp dst eq domain'), http], f)).toEqual({
      verdict: FlowVerdict.Permit,
      index: 1,
    });
    // A permit before the doubtful deny still proves the flow permitted.
    expect(decideFlow([http, telnet], f)).toEqual({ verdict: FlowVerdict.Permit, index: 0 });
  });

  test('decideFlow agrees with the first matching ACE for plain contracts', () => {
    const aces = ['deny tcp dst eq 23 log', 'permit tcp dst eq 443', 'permit udp src eq 123 dst eq 123'].map(
      line,
    );
    for (const id of [
      '1-2-tcp-any-23',
      '1-2-tcp-any-443',
      '1-2-udp-123-123',
      '1-2-udp-any-123',
      '1-2-tcp-any-any',
    ]) {
      const f = flow(id);
      const index = aces.findIndex((a) => aceMatchesFlow(a, f));
      const expected = index < 0 ? FlowVerdict.None : (aces[index] as Ace).action;
      expect(decideFlow(aces, f)).toEqual({ verdict: expected, index });
    }
  });
});
