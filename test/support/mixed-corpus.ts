/**
 * Syslog with everything a reader meets, for tests that compare two ways of
 * reading it: every header variant (from the bench corpus), a BOM, CRLF
 * endings, empty lines, other syslog, lines refused for every reason
 * (including a line far over the length cap), flows seen over many days, and
 * a last line without its newline.
 */
import { corpusLines, emptyTruth } from '../../bench/support/corpus.ts';

const HIT =
  "%RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' action='Permit' protocol='tcp' " +
  "src-ip='10.0.0.1' src-port='51000' dest-ip='10.1.0.1' dest-port='443' sgt='10' dgt='20' logging_interval_hits='3'";

/** One refused line per reason (and then some), as bytes. */
const REFUSED: (string | Uint8Array)[] = [
  `Jun 18 10:00:00.000: ${HIT.replace("src-port='51000'", "src-port='70000'")}`,
  `Jun 18 10:00:00.000: ${HIT.slice(0, 120)}`,
  `Jun 18 10:00:00.000: ${HIT.replace("'Permit'", "'Allow'")}`,
  `Jun 18 10:00:00.000: ${HIT.replace("'tcp'", "'sctp-ish'")}`,
  `Jun 18 10:00:00.000: ${HIT.replace(" sgt='10'", '')}`,
  `Jun 18 10:00:00.000: ${HIT.replace(" dgt='20'", " dgt='20' dgt='21'")}`,
  `Jun 18 10:00:00.000: ${HIT.replace("sgt='10'", "sgt='70000'")}`,
  `Jun 18 10:00:00.000: ${HIT.replace("hits='3'", "hits='x'")}`,
  `Jux 99 10:00:00.000: ${HIT}`,
  `Jun 18 10:00:00.000: ${HIT.replace('Gi1/0/1', 'Gi1/0/1 garbage')}`,
  `Jun 18 10:00:00.000: ${HIT.replace('Gi1/0/1', 'Gi\u00001')}`,
  Uint8Array.from([...new TextEncoder().encode(`Jun 18 10:00:00.000: ${HIT}`), 0xff, 0xfe]),
  `Jun 18 10:00:00.000: ${HIT.replace("sgacl_name='x'", `sgacl_name='${'n'.repeat(5000)}'`)}`,
  'x'.repeat(70_000),
];

export function mixedCorpus(count: number): Uint8Array {
  const encoder = new TextEncoder();
  const parts: Uint8Array[] = [Uint8Array.from([0xef, 0xbb, 0xbf])];
  let i = 0;
  for (const line of corpusLines(count, emptyTruth(), 3)) {
    parts.push(encoder.encode(i % 50 === 0 ? `${line}\r\n` : `${line}\n`));
    if (i % 97 === 0) {
      const refused = REFUSED[(i / 97) % REFUSED.length]!;
      parts.push(typeof refused === 'string' ? encoder.encode(refused) : refused, Uint8Array.of(10));
    }
    if (i % 211 === 0) parts.push(Uint8Array.of(10));
    if (i % 13 === 0) {
      // The same few flows on days across two weeks, stamped by a collector (ISO, with year).
      const day = 8 + ((i / 13) % 14);
      const stamp = `2026-06-${String(day).padStart(2, '0')}T0${i % 10}:15:00.123Z sw1.example.net`;
      const port = [443, 22, 53][i % 3]!;
      parts.push(
        encoder.encode(
          `${stamp} ${HIT.replace("'443'", `'${port}'`).replace("'10.0.0.1'", `'10.0.${i % 9}.1'`)}\n`,
        ),
      );
    }
    i++;
  }
  parts.push(encoder.encode(`Jun 18 23:59:59.999: ${HIT}`));
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}
