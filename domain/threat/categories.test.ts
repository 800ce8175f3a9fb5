import { describe, expect, test } from 'bun:test';
import { categoriesOf, isThreatCategory, normaliseCategories } from './categories.ts';

describe('categoriesOf', () => {
  test.each<[string, string[]]>([
    ['C&C', ['c2']],
    ['cnc', ['c2']],
    ['Command and Control', ['c2']],
    ['command-and-control', ['c2']],
    ['C2 server', ['c2']],
    ['Botnet', ['botnet']],
    ['mirai', ['botnet']],
    ['Emotet trojan', ['malware']],
    ['RANSOMWARE', ['malware']],
    ['phishing kit', ['phishing']],
    ['Port Scan', ['scanner']],
    ['ssh_scanning', ['scanner']],
    ['Email Spam', ['spam']],
    ['TOR exit node', ['tor']],
    ['SSH brute-force', ['bruteforce']],
    ['Brute_Force', ['bruteforce']],
    ['XMRig', ['miner']],
    ['DDoS', ['ddos']],
    ['exploited host', ['exploit']],
    ['botnet c2', ['botnet', 'c2']],
  ])('%p names %p', (label, expected) => {
    expect<string[]>(categoriesOf(label).sort()).toEqual(expected);
  });

  test.each([
    'malicious',
    'suspicious',
    'Data Center/Web Hosting/Transit',
    'clean',
    'Googlebot',
    'storage',
    'pirate',
    '',
  ])('%p names nothing (words, not substrings)', (label) => {
    expect(categoriesOf(label)).toEqual([]);
  });

  test('normaliseCategories dedupes and sorts', () => {
    expect(normaliseCategories(['Tor', 'tor exit', 'Botnet', 'cnc', 'c2'])).toEqual(['botnet', 'c2', 'tor']);
  });

  test('isThreatCategory knows the vocabulary', () => {
    expect(isThreatCategory('c2')).toBe(true);
    expect(isThreatCategory('C2')).toBe(false);
  });
});
