import { describe, expect, test } from 'bun:test';
import { Analysis } from '../../../domain/analysis.ts';
import { afterPri, afterStructuredData, normalise, type Origin, SyslogFormat } from './header.ts';
import { LineWriter } from './writer.ts';

const enc = new TextEncoder();
const dec = new TextDecoder();
const MSG =
  "%RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='web' action='Permit' protocol='tcp' " +
  "src-ip='10.0.0.1' src-port='50000' dest-ip='10.0.1.1' dest-port='443' sgt='10' dgt='20' logging_interval_hits='3'";
const origin: Origin = { sender: '192.0.2.7', receivedAt: () => '2026-06-18T12:00:00.000Z' };

function run(message: string | Uint8Array) {
  const bytes = typeof message === 'string' ? enc.encode(message) : message;
  const out = new LineWriter();
  const format = normalise(bytes, 0, bytes.length, origin, out);
  return { format, line: dec.decode(out.view()) };
}

/** What the domain parser makes of a normalised line: its time, switch and stats. */
function parsed(line: string) {
  const analysis = new Analysis({ referenceMs: Date.UTC(2026, 5, 18, 12) });
  analysis.addChunk(enc.encode(line));
  analysis.finish();
  const { flows, stats } = analysis.result();
  const flow = flows[0];
  return {
    events: stats.events,
    rejected: stats.rejectedTotal,
    at: flow ? new Date(flow.firstSeenMs).toISOString() : null,
    switches: flow?.switches ?? [],
  };
}

describe('normalise', () => {
  test('RFC 5424 as the parser reads it passes unchanged', () => {
    const m = `<190>1 2026-06-18T10:17:22.205Z sw01.example.net - - - - ${MSG}`;
    expect(run(m)).toEqual({ format: SyslogFormat.Rfc5424, line: `${m}\n` });
    expect(parsed(run(m).line)).toMatchObject({ events: 1, switches: ['sw01.example.net'] });
  });

  test('RFC 5424 structured data and a BOM are removed; app, procid and msgid are not needed', () => {
    const m = enc.encode(
      `<190>1 2026-06-18T10:17:22.205Z sw01 app 1234 ID47 [exampleSDID@32473 iut="3" a="%RBM-6-SGACLHIT: x \\"]"][b@1 c="d"] \uFEFF${MSG}`,
    );
    const { format, line } = run(m);
    expect(format).toBe(SyslogFormat.Rfc5424);
    expect(line).toBe(`<190>1 2026-06-18T10:17:22.205Z sw01 - - - - ${MSG}\n`);
    expect(parsed(line)).toMatchObject({ events: 1, at: '2026-06-18T10:17:22.205Z', switches: ['sw01'] });
  });

  test('RFC 5424 NILVALUE stamp and host take the time of receipt and the sender address', () => {
    const { line } = run(`<190>1 - - - - - - ${MSG}`);
    expect(line).toBe(`<190>1 2026-06-18T12:00:00.000Z 192.0.2.7 - - - - ${MSG}\n`);
    expect(parsed(line)).toMatchObject({
      events: 1,
      at: '2026-06-18T12:00:00.000Z',
      switches: ['192.0.2.7'],
    });
  });

  test('RFC 5424 with an empty MSG, or cut off in its header, is passed on for the parser to count', () => {
    expect(run('<190>1 2026-06-18T10:17:22Z sw01 - - - -')).toMatchObject({ format: SyslogFormat.Rfc5424 });
    const cut = '<190>1 2026-06-18T10:17:22Z sw01 - - - [a@1 x="unclosed';
    expect(run(cut)).toEqual({ format: SyslogFormat.BadHeader, line: `${cut}\n` });
    expect(run('<190>1 2026-06-18T10:17:22Z sw01')).toMatchObject({ format: SyslogFormat.BadHeader });
  });

  test('RFC 3164 and the RFC 3339 variant pass unchanged and parse', () => {
    for (const m of [
      `<190>Jun 18 10:17:22 sw01 123456: ${MSG}`,
      `<190>Jun  8 10:17:22 sw01 123456: *Jun  8 10:17:22.205 UTC: ${MSG}`,
      `<190>2026-06-18T10:17:22.205+00:00 sw01 ${MSG}`,
    ]) {
      expect(run(m)).toEqual({ format: SyslogFormat.Rfc3164, line: `${m}\n` });
      expect(parsed(run(m).line)).toMatchObject({ events: 1, switches: ['sw01'] });
    }
  });

  test("IOS's own format (PRI, sequence number, device stamp) gets a receipt stamp and the sender as host", () => {
    const m = `<190>123456: *Jun 18 10:17:22.205 UTC: ${MSG}`;
    const { format, line } = run(m);
    expect(format).toBe(SyslogFormat.PriOnly);
    expect(line).toBe(
      `<190>1 2026-06-18T12:00:00.000Z 192.0.2.7 - - - - 123456: *Jun 18 10:17:22.205 UTC: ${MSG}\n`,
    );
    expect(parsed(line)).toMatchObject({ events: 1, switches: ['192.0.2.7'] });
    // Unchanged, the parser would refuse it: it reads the stamp right after the PRI.
    expect(parsed(`${m}\n`).events).toBe(0);
  });

  test('a message without PRI is passed on as it is; newlines inside a message do not split it', () => {
    expect(run(`Jun 18 10:17:22.205: ${MSG}`)).toEqual({
      format: SyslogFormat.NotSyslog,
      line: `Jun 18 10:17:22.205: ${MSG}\n`,
    });
    expect(run('<13>1 2026-06-18T10:17:22Z h - - - - a\nb').line).toBe(
      '<13>1 2026-06-18T10:17:22Z h - - - - a b\n',
    );
  });
});

describe('header pieces', () => {
  test('PRI is 1–3 digits up to 191', () => {
    const at = (s: string) => afterPri(enc.encode(s), 0, s.length);
    expect(at('<0>x')).toBe(3);
    expect(at('<191>x')).toBe(5);
    expect([at('<192>x'), at('<>x'), at('<1234>x'), at('<12'), at('x<1>')]).toEqual([-1, -1, -1, -1, -1]);
  });

  test('structured data: escapes inside values, several elements, cut-off elements', () => {
    const end = (s: string) => afterStructuredData(enc.encode(s), 0, s.length);
    expect(end('- msg')).toBe(1);
    expect(end('[a@1 b="x\\]y"] msg')).toBe(14);
    expect(end('[a][b c="]"] msg')).toBe(12);
    expect(end('[a b="x')).toBe(-1);
    expect(end('msg')).toBe(-1);
  });
});
