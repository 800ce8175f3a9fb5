/**
 * A realistic synthetic SGACLHIT corpus with its ground truth: mixed header
 * styles (bare IOS, flags, sequence numbers, years, rsyslog, RFC 3164,
 * RFC 5424), heavy-tailed flows (a few pairs carry most hits), IPv6 now and
 * then, and a few percent of unrelated syslog. Deterministic for a seed.
 */

export interface CorpusTruth {
  /** `<sgt>-<dgt>` → total logging_interval_hits. */
  hitsByPair: Map<string, number>;
  sgaclLines: number;
  otherLines: number;
}

const SERVICES: [string, number][] = [
  ['tcp', 443],
  ['tcp', 80],
  ['udp', 53],
  ['tcp', 22],
  ['tcp', 445],
  ['udp', 123],
  ['tcp', 3389],
  ['tcp', 8443],
  ['udp', 161],
  ['tcp', 9100],
  ['tcp', 1433],
  ['tcp', 389],
  ['udp', 514],
  ['icmp', 0],
];
const TAGS = [0, 2, 4, 5, 6, 7, 8, 10, 11, 12, 15, 16, 17, 20, 100, 200, 300, 400, 1000, 1001];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const OTHER = [
  '%SYS-5-CONFIG_I: Configured from console by admin on vty0 (10.1.1.1)',
  '%LINK-3-UPDOWN: Interface GigabitEthernet1/0/7, changed state to up',
  '%DOT1X-5-SUCCESS: Authentication successful for client (0011.2233.4455) on Interface Gi1/0/3',
  '%SEC_LOGIN-5-LOGIN_SUCCESS: Login Success [user: netops] [Source: 10.9.9.9] [localport: 22]',
];

/** A small, fast PRNG (mulberry32): the corpus must be the same on every run. */
function prng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pad = (n: number, w = 2) => String(n).padStart(w, '0');

export function* corpusLines(count: number, truth: CorpusTruth, seed = 1): Generator<string> {
  const rand = prng(seed);
  // Zipf-like: flow k has weight 1/(k+1); 2,000 flows over the tag pairs.
  const flows = Array.from({ length: 2_000 }, (_, k) => ({
    sgt: TAGS[Math.floor(rand() * TAGS.length)]!,
    dgt: TAGS[Math.floor(rand() * TAGS.length)]!,
    service: SERVICES[k % SERVICES.length]!,
    weight: 1 / (k + 1),
  }));
  const total = flows.reduce((s, f) => s + f.weight, 0);
  const cumulative: number[] = [];
  let acc = 0;
  for (const f of flows) {
    acc += f.weight / total;
    cumulative.push(acc);
  }
  const pick = () => {
    const r = rand();
    let lo = 0;
    let hi = cumulative.length - 1;
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (cumulative[mid]! < r) lo = mid + 1;
      else hi = mid;
    }
    return flows[lo]!;
  };
  let t = Date.UTC(2026, 5, 18, 0, 0, 0);
  for (let i = 0; i < count; i++) {
    t += Math.floor(rand() * 40);
    const d = new Date(t);
    const mon = MONTHS[d.getUTCMonth()]!;
    const day = String(d.getUTCDate()).padStart(2, ' ');
    const hms = `${pad(d.getUTCHours())}:${pad(d.getUTCMinutes())}:${pad(d.getUTCSeconds())}`;
    const ms = pad(d.getUTCMilliseconds(), 3);
    const iso = `${d.toISOString().slice(0, 19)}.${ms}Z`;
    const host = `sw${pad(i % 17)}.campus.example.net`;
    const style = i % 7;
    const prefix =
      style === 0
        ? `${mon} ${day} ${hms}.${ms}: `
        : style === 1
          ? `*${mon} ${day} ${hms}.${ms} UTC: `
          : style === 2
            ? `${pad(i % 1_000_000, 6)}: ${mon} ${day} ${d.getUTCFullYear()} ${hms}.${ms} UTC: `
            : style === 3
              ? `${iso} ${host} ${i}: *${mon} ${day} ${hms}.${ms} UTC: `
              : style === 4
                ? `<190>${mon} ${day} ${hms} ${host} ${i}: `
                : `<190>1 ${iso} ${host} - - - - `;
    if (rand() < 0.03) {
      truth.otherLines++;
      yield `${prefix}${OTHER[i % OTHER.length]}`;
      continue;
    }
    const f = pick();
    const [proto, port] = f.service;
    const hits = rand() < 0.5 ? 1 : 1 + Math.floor(rand() * rand() * 500);
    const v6 = rand() < 0.05;
    const src = v6
      ? `2001:db8:${(i % 200).toString(16)}::${(i % 97).toString(16)}`
      : `10.${f.sgt % 250}.${i % 250}.${(i >> 3) % 250}`;
    const dst = v6 ? `2001:db8:ff::${(f.dgt % 4000).toString(16)}` : `10.${(f.dgt % 200) + 50}.1.${i % 20}`;
    const srcPort = proto === 'icmp' ? 8 : 1024 + Math.floor(rand() * 60_000);
    const vrf = i % 3 === 0 ? "src-vrf='default' " : '';
    truth.sgaclLines++;
    const pair = `${f.sgt}-${f.dgt}`;
    truth.hitsByPair.set(pair, (truth.hitsByPair.get(pair) ?? 0) + hits);
    yield `${prefix}%RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/${i % 48}' sgacl_name='${f.sgt}_to_${f.dgt}' ` +
      `action='${i % 11 === 0 ? 'Deny' : 'Permit'}' protocol='${proto}' ${vrf}src-ip='${src}' src-port='${srcPort}' ` +
      `dest-ip='${dst}' dest-port='${port}' sgt='${f.sgt}' dgt='${f.dgt}' logging_interval_hits='${hits}'`;
  }
}

export const emptyTruth = (): CorpusTruth => ({ hitsByPair: new Map(), sgaclLines: 0, otherLines: 0 });

/** Reference time for the corpus: a file written right after its last line. */
export const CORPUS_REFERENCE_MS = Date.UTC(2026, 6, 1);
