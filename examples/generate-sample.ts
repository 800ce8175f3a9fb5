/**
 * Writes the sample that ships in examples/: one working day of SGACL hit
 * syslog from the demo campus (actors/demo/campus.ts) as a syslog host keeps
 * it, and the campus's SGT dictionary as ISE exports it. Deterministic (a
 * seeded generator), so the files only change when this script does:
 *
 *   bun examples/generate-sample.ts
 *
 * Each switch reaches the log host its own way, so the file holds the header
 * variants real collectors write (reference: sgaclhit.md): rsyslog file lines
 * around an IOS message with a `*` clock flag, RFC 5424, RFC 3164 with a `.`
 * clock flag, IOS with sequence numbers and the year, VRF fields, IPv6
 * addresses and a `%RBM-4-` facility; and some ordinary syslog in between.
 */
import { join } from 'node:path';
import { CAMPUS_SERVICES, CAMPUS_SGTS } from '../actors/demo/campus.ts';

type Service = (typeof CAMPUS_SERVICES)[number];

export const SAMPLE_LOG = join(import.meta.dir, 'sgaclhit-sample.log');
export const SAMPLE_SGTS = join(import.meta.dir, 'sgts.csv');

/** SGACLHIT lines in the sample; a few more lines are other syslog. */
const HIT_LINES = 320;
const DAY_START = Date.UTC(2026, 5, 18, 7, 0, 0);
const DAY_MS = 11 * 3_600_000;
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** mulberry32: a small, well-mixed, seeded generator. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');
const iosTime = (d: Date) =>
  `${MONTHS[d.getUTCMonth()]} ${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
const iosMillis = (d: Date) => `${iosTime(d)}.${pad(d.getUTCMilliseconds(), 3)}`;

const SUBNETS: Record<number, [string, string]> = {
  0: ['203.0.113.', '2001:db8:ffff::'],
  4: ['10.4.1.', '2001:db8:4::'],
  5: ['10.5.1.', '2001:db8:5::'],
  6: ['172.16.6.', '2001:db8:6::'],
  7: ['10.7.0.', '2001:db8:7::'],
  8: ['10.8.0.', '2001:db8:8::'],
  9: ['10.9.2.', '2001:db8:9::'],
  10: ['10.10.0.', '2001:db8:10::'],
  11: ['10.11.0.', '2001:db8:11::'],
  12: ['10.12.0.', '2001:db8:12::'],
  13: ['10.13.0.', '2001:db8:13::'],
  14: ['10.14.0.', '2001:db8:14::'],
  15: ['10.15.0.', '2001:db8:15::'],
};

interface Switch {
  host: string;
  /** The whole line around `message` (`%RBM-6-SGACLHIT: …`) at `at`, with the switch's sequence number. */
  line(at: Date, seq: number, message: string): string;
  /** Whether the message carries `src-vrf` / `dest-vrf`. */
  vrf: boolean;
  /** Whether addresses are IPv6. */
  ipv6: boolean;
  facility: number;
}

const SWITCHES: readonly Switch[] = [
  {
    host: 'sw01.campus.example.net',
    line: (at, seq, m) =>
      `${at.toISOString().replace('Z', '+00:00')} sw01.campus.example.net ${seq}: *${iosMillis(at)} UTC: ${m}`,
    vrf: false,
    ipv6: false,
    facility: 6,
  },
  {
    host: 'sw02.campus.example.net',
    line: (at, _seq, m) => `<190>1 ${at.toISOString()} sw02.campus.example.net - - - - ${m}`,
    vrf: true,
    ipv6: false,
    facility: 6,
  },
  {
    host: 'sw03',
    line: (at, seq, m) => `<190>${iosTime(at)} sw03 ${seq}: .${iosMillis(at)} UTC: ${m}`,
    vrf: false,
    ipv6: false,
    facility: 4,
  },
  {
    host: 'sw04.campus.example.net',
    line: (at, seq, m) =>
      `${at.toISOString().replace('Z', '+00:00')} sw04.campus.example.net ${pad(seq, 6)}: ` +
      `${MONTHS[at.getUTCMonth()]} ${pad(at.getUTCDate())} ${at.getUTCFullYear()} ` +
      `${iosMillis(at).slice(7)} UTC: ${m}`,
    vrf: true,
    ipv6: true,
    facility: 6,
  },
];

const OTHER_MESSAGES = [
  (r: () => number) =>
    `%LINK-3-UPDOWN: Interface GigabitEthernet1/0/${1 + Math.floor(r() * 48)}, changed state to up`,
  (r: () => number) =>
    `%LINEPROTO-5-UPDOWN: Line protocol on Interface GigabitEthernet1/0/${1 + Math.floor(r() * 48)}, changed state to down`,
  () => '%SYS-5-CONFIG_I: Configured from console by netadmin on vty0 (10.12.0.20)',
  (r: () => number) =>
    `%DOT1X-5-SUCCESS: Authentication successful for client (0050.56a${Math.floor(r() * 10)}.1c2e) on Interface Gi1/0/7`,
  () => '%CTS-6-ENV_DATA_COMPLETE: Environment data download complete',
];

function address(tag: number, v6: boolean, r: () => number): string {
  const [v4, v6prefix] = SUBNETS[tag] ?? ['10.99.0.', '2001:db8:99::'];
  const host = 1 + Math.floor(r() * 250);
  return v6 ? `${v6prefix}${host.toString(16)}` : `${v4}${host}`;
}

/** One service, picked in proportion to its rate, so busy services dominate as they would. */
function pick(r: () => number): Service {
  const total = CAMPUS_SERVICES.reduce((sum, s) => sum + s.rate, 0);
  let x = r() * total;
  for (const s of CAMPUS_SERVICES) {
    x -= s.rate;
    if (x < 0) return s;
  }
  return CAMPUS_SERVICES[CAMPUS_SERVICES.length - 1]!;
}

function hitMessage(s: Service, sw: Switch, r: () => number): string {
  const v6 = sw.ipv6 && s.dgt !== 0;
  const srcPort = s.protocol === 'icmp' ? 8 : 1024 + Math.floor(r() * 60_000);
  const hits = Math.max(1, Math.round(s.hits * (0.5 + r())));
  const vrf = (side: string) => (sw.vrf ? ` ${side}-vrf='default'` : '');
  return (
    `%RBM-${sw.facility}-SGACLHIT: ingress_interface='GigabitEthernet1/0/${1 + Math.floor(r() * 48)}' ` +
    `sgacl_name='${s.action === 'Deny' ? 'Deny_IP_Log' : 'Permit_IP_Log'}' action='${s.action}' protocol='${s.protocol}'` +
    `${vrf('src')} src-ip='${address(s.sgt, v6, r)}' src-port='${srcPort}'` +
    `${vrf('dest')} dest-ip='${address(s.dgt, v6, r)}' dest-port='${s.port}' ` +
    `sgt='${s.sgt}' dgt='${s.dgt}' logging_interval_hits='${hits}'`
  );
}

/** The sample log's text. Every service appears at least twice; the rest by rate. */
export function sampleLog(seed = 2026): string {
  const r = seeded(seed);
  const services = [...CAMPUS_SERVICES, ...CAMPUS_SERVICES];
  while (services.length < HIT_LINES) services.push(pick(r));
  const events = services.map((s) => ({
    atMs: DAY_START + Math.floor(r() * DAY_MS),
    sw: SWITCHES[Math.floor(r() * SWITCHES.length)]!,
    message: '',
    service: s as Service | null,
  }));
  for (let i = 0; i < 24; i++)
    events.push({
      atMs: DAY_START + Math.floor(r() * DAY_MS),
      sw: SWITCHES[Math.floor(r() * SWITCHES.length)]!,
      message: OTHER_MESSAGES[Math.floor(r() * OTHER_MESSAGES.length)]!(r),
      service: null,
    });
  events.sort((a, b) => a.atMs - b.atMs);
  const seq = new Map<string, number>();
  return `${events
    .map((e) => {
      const n = (seq.get(e.sw.host) ?? 4100) + 1;
      seq.set(e.sw.host, n);
      const message = e.service === null ? e.message : hitMessage(e.service, e.sw, r);
      return e.sw.line(new Date(e.atMs), n, message);
    })
    .join('\n')}\n`;
}

/** The campus dictionary as ISE's security-group export writes it (`Name,Value,Description`). */
export function sampleSgtsCsv(): string {
  const rows = Object.entries(CAMPUS_SGTS).map(
    ([tag, name]) =>
      `${name},${tag}/${Number(tag).toString(16).toUpperCase().padStart(4, '0')},${name.replaceAll('_', ' ')}`,
  );
  return `Name,Value,Description\n${rows.join('\n')}\n`;
}

if (import.meta.main) {
  await Bun.write(SAMPLE_LOG, sampleLog());
  await Bun.write(SAMPLE_SGTS, sampleSgtsCsv());
  console.log(`wrote ${SAMPLE_LOG} and ${SAMPLE_SGTS}`);
}
