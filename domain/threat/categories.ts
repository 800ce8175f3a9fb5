/**
 * One vocabulary of threat categories for every provider. Providers label
 * the same thing differently (`C&C`, `cnc`, `Command and Control`; pulse tags
 * written by thousands of OTX users), and the two-provider rule in
 * decision.ts only works when the same threat gets the same name. Unknown
 * labels are dropped, not guessed: a category is evidence, so it must mean
 * one thing.
 */

export const ThreatCategory = {
  Botnet: 'botnet',
  C2: 'c2',
  Malware: 'malware',
  Phishing: 'phishing',
  Scanner: 'scanner',
  Spam: 'spam',
  Tor: 'tor',
  BruteForce: 'bruteforce',
  Exploit: 'exploit',
  Ddos: 'ddos',
  Miner: 'miner',
  /** Address space stolen from its owner (Spamhaus DROP). */
  Hijacked: 'hijacked',
} as const;
export type ThreatCategory = (typeof ThreatCategory)[keyof typeof ThreatCategory];

const ALL = new Set<string>(Object.values(ThreatCategory));
export const isThreatCategory = (s: string): s is ThreatCategory => ALL.has(s);

const C = ThreatCategory;

/** Word sequences (after normalising) that name a category. */
const KEYWORDS: readonly (readonly [string, ThreatCategory])[] = [
  ['botnet', C.Botnet],
  ['bot', C.Botnet],
  ['bots', C.Botnet],
  ['mirai', C.Botnet],
  ['c2', C.C2],
  ['cnc', C.C2],
  ['c and c', C.C2],
  ['command and control', C.C2],
  ['command control', C.C2],
  ['malware', C.Malware],
  ['trojan', C.Malware],
  ['ransomware', C.Malware],
  ['rat', C.Malware],
  ['backdoor', C.Malware],
  ['stealer', C.Malware],
  ['infostealer', C.Malware],
  ['worm', C.Malware],
  ['dropper', C.Malware],
  ['spyware', C.Malware],
  ['phishing', C.Phishing],
  ['phish', C.Phishing],
  ['scanner', C.Scanner],
  ['scanning', C.Scanner],
  ['scan', C.Scanner],
  ['portscan', C.Scanner],
  ['port scan', C.Scanner],
  ['masscan', C.Scanner],
  ['spam', C.Spam],
  ['spammer', C.Spam],
  ['tor', C.Tor],
  ['bruteforce', C.BruteForce],
  ['brute force', C.BruteForce],
  ['exploit', C.Exploit],
  ['exploited', C.Exploit],
  ['exploitation', C.Exploit],
  ['ddos', C.Ddos],
  ['miner', C.Miner],
  ['coinminer', C.Miner],
  ['cryptominer', C.Miner],
  ['cryptomining', C.Miner],
  ['xmrig', C.Miner],
  ['hijacked', C.Hijacked],
];

/** Lower case, `&` spelled out, every other non-alphanumeric run a single space, padded for word search. */
function normalise(label: string): string {
  const words = label
    .toLowerCase()
    .slice(0, 200)
    .replaceAll('&', ' and ')
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
  return ` ${words.join(' ')} `;
}

/** The categories one provider label names (often none). */
export function categoriesOf(label: string): ThreatCategory[] {
  const text = normalise(label);
  const found = new Set<ThreatCategory>();
  for (const [needle, category] of KEYWORDS) if (text.includes(` ${needle} `)) found.add(category);
  return [...found];
}

/** The categories a list of labels names, each once, sorted. */
export function normaliseCategories(labels: Iterable<string>): ThreatCategory[] {
  const found = new Set<ThreatCategory>();
  for (const label of labels) for (const c of categoriesOf(label)) found.add(c);
  return [...found].sort();
}
