/**
 * Threat intel end to end against the loopback provider fake and a real KV
 * (embedded engine): every provider's wire format, failures (404, 429 with
 * Retry-After, timeouts, garbage, a provider down), the KV verdict cache and
 * its TTLs, the decision rules, and blocklist files on disk.
 */
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../config/load.ts';
import { silentLogger } from '../engine/log.ts';
import {
  createThreatIntel,
  type ProviderVerdict,
  type ThreatAssessment,
  type ThreatIntelDeps,
  toThreatVerdicts,
} from '../integrations/threat-intel/mod.ts';
import { keys } from '../kv-schema/keys.ts';
import { openStores, type Stores } from '../kv-schema/stores.ts';
import {
  abuseIpDbBody,
  type FakeThreatIntel,
  otxBody,
  startFakeThreatIntel,
  talosBody,
  virusTotalBody,
} from './fakes/threat-intel.ts';
import { openTestEmbedded, type TestEngine } from './support/engines.ts';

const HOUR = 3_600_000;
const GENEROUS = [{ count: 1_000, perMs: 60_000 }];

let fake: FakeThreatIntel;
let te: TestEngine;
let stores: Stores;
let dirs: string[] = [];
const clock = { now: 0 };

beforeAll(async () => {
  fake = await startFakeThreatIntel();
});
afterAll(async () => {
  await fake.stop();
});
beforeEach(async () => {
  clock.now = Date.parse('2024-05-01T00:00:00Z');
  fake.requests.length = 0;
  te = await openTestEmbedded();
  stores = await openStores(te.engine, te.ns);
});
afterEach(async () => {
  await te.dispose();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
  dirs = [];
});

/** Settings as the environment gives them, every provider pointed at the fake. */
function env(over: Record<string, string | undefined> = {}): Record<string, string | undefined> {
  return {
    SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
    SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
    SCOPILOT_THREAT__OTX_API_KEY: fake.keys.otx,
    SCOPILOT_THREAT__OTX_BASE_URL: fake.url,
    SCOPILOT_THREAT__VIRUSTOTAL_API_KEY: fake.keys.virustotal,
    SCOPILOT_THREAT__VIRUSTOTAL_BASE_URL: fake.url,
    SCOPILOT_THREAT__TALOS_ENABLED: 'true',
    SCOPILOT_THREAT__TALOS_BASE_URL: `${fake.url}/`,
    SCOPILOT_THREAT__CACHE_CLEAN_HOURS: '12',
    SCOPILOT_THREAT__TIMEOUT_MS: '3000',
    ...over,
  };
}

async function intel(over: Record<string, string | undefined> = {}, deps: ThreatIntelDeps = {}) {
  const settings = loadConfig(env(over)).threat;
  return createThreatIntel(settings, {
    stores,
    nowMs: () => clock.now,
    logger: silentLogger(),
    limits: { abuseipdb: GENEROUS, otx: GENEROUS, virustotal: GENEROUS, talos: GENEROUS },
    ...deps,
  });
}

const verdictOf = (a: ThreatAssessment, provider: string): ProviderVerdict | undefined =>
  a.verdicts.find((v) => v.provider === provider);

describe('providers on the wire', () => {
  test('each provider is asked at its documented endpoint with its own key', async () => {
    const ti = await intel();
    const a = await ti.lookup('185.220.101.1');
    expect(a).toMatchObject({ ip: '185.220.101.1', malicious: false, reasons: [] });
    expect(a.verdicts.map((v) => [v.provider, v.outcome])).toEqual([
      ['abuseipdb', 'clean'],
      ['otx', 'clean'],
      ['virustotal', 'clean'],
      ['talos', 'clean'],
    ]);
    const [abuse] = fake.requestsFor('abuseipdb');
    expect(abuse?.query).toEqual({ ipAddress: '185.220.101.1', maxAgeInDays: '90' });
    expect(abuse?.headers).toMatchObject({ key: fake.keys.abuseipdb, accept: 'application/json' });
    expect(fake.requestsFor('otx')[0]).toMatchObject({
      path: '/api/v1/indicators/IPv4/185.220.101.1/general',
      headers: { 'x-otx-api-key': fake.keys.otx },
    });
    expect(fake.requestsFor('virustotal')[0]).toMatchObject({
      path: '/api/v3/ip_addresses/185.220.101.1',
      headers: { 'x-apikey': fake.keys.virustotal },
    });
    expect(fake.requestsFor('talos')[0]?.query).toEqual({
      query: '/api/v2/details/ip/',
      query_entry: '185.220.101.1',
    });
  });

  test('IPv6 goes to the IPv6 sections, in canonical form', async () => {
    const ti = await intel();
    await ti.lookup('2a00:1450:4001:0:0:0:0:200E');
    expect(fake.requestsFor('otx')[0]?.path).toBe('/api/v1/indicators/IPv6/2a00:1450:4001::200e/general');
    expect(fake.requestsFor('virustotal')[0]?.path).toBe('/api/v3/ip_addresses/2a00:1450:4001::200e');
  });

  test("every provider's answer reaches the trail with its score and categories", async () => {
    const ip = '45.95.147.10';
    fake.script('abuseipdb', ip, {
      kind: 'json',
      body: abuseIpDbBody(ip, { score: 40, totalReports: 9, users: 4 }),
    });
    fake.script('otx', ip, {
      kind: 'json',
      body: otxBody(ip, { pulses: [{ name: 'Mozi botnet', tags: ['iot', 'botnet'] }] }),
    });
    const results = { E1: { category: 'malicious', result: 'malware' } };
    fake.script('virustotal', ip, { kind: 'json', body: virusTotalBody(ip, { malicious: 1, results }) });
    fake.script('talos', ip, { kind: 'json', body: talosBody({ web: 'Poor', email: 'Poor' }) });
    const a = await (await intel()).lookup(ip);
    expect(a.verdicts).toEqual([
      expect.objectContaining({
        provider: 'abuseipdb',
        outcome: 'clean',
        score: 40,
        categories: [],
        cached: false,
      }),
      expect.objectContaining({ provider: 'otx', outcome: 'clean', score: 45, categories: ['botnet'] }),
      expect.objectContaining({
        provider: 'virustotal',
        outcome: 'clean',
        score: 20,
        categories: ['malware'],
      }),
      expect.objectContaining({ provider: 'talos', outcome: 'clean', score: 60, categories: ['spam'] }),
    ]);
    expect(a.malicious).toBe(false);
    expect(verdictOf(a, 'abuseipdb')).toMatchObject({
      detail: expect.stringContaining('9 reports by 4 users'),
    });
  });
});

describe('decision rules', () => {
  test('one provider at the threshold convicts; one point below does not', async () => {
    const ti = await intel();
    fake.script('abuseipdb', '91.92.1.75', {
      kind: 'json',
      body: abuseIpDbBody('91.92.1.75', { score: 75 }),
    });
    fake.script('abuseipdb', '91.92.1.74', {
      kind: 'json',
      body: abuseIpDbBody('91.92.1.74', { score: 74 }),
    });
    const at = await ti.lookup('91.92.1.75');
    expect(at).toMatchObject({
      malicious: true,
      reasons: ['abuseipdb score 75 >= 75'],
      flaggedBy: ['abuseipdb'],
    });
    expect(verdictOf(at, 'abuseipdb')?.outcome).toBe('malicious');
    expect((await ti.lookup('91.92.1.74')).malicious).toBe(false);
  });

  test('two providers naming the same category convict, and the guardrail sees which', async () => {
    const ip = '185.220.101.47';
    fake.script('abuseipdb', ip, { kind: 'json', body: abuseIpDbBody(ip, { score: 12, isTor: true }) });
    fake.script('otx', ip, { kind: 'json', body: otxBody(ip, { pulses: [{ tags: ['TOR exit node'] }] }) });
    const a = await (await intel()).lookup(ip);
    expect(a).toMatchObject({ malicious: true, reasons: ['tor named by abuseipdb and otx'] });
    const guard = toThreatVerdicts(a);
    expect(guard.filter((v) => v.malicious).map((v) => v.provider)).toEqual(['abuseipdb', 'otx']);
    expect(guard.find((v) => v.provider === 'virustotal')?.malicious).toBe(false);
  });

  test('private, reserved and documentation addresses never leave the process', async () => {
    const ti = await intel();
    for (const ip of [
      '10.0.0.1',
      '172.16.5.4',
      '192.168.1.1',
      '100.64.0.1',
      '127.0.0.1',
      '169.254.1.1',
      '192.0.2.1',
    ]) {
      expect((await ti.lookup(ip)).skipped).toBe('not_public');
    }
    for (const ip of [
      '198.51.100.1',
      '203.0.113.5',
      '224.0.0.1',
      '255.255.255.255',
      '::1',
      'fe80::1',
      'fd00::1',
    ]) {
      expect((await ti.lookup(ip)).skipped).toBe('not_public');
    }
    expect((await ti.lookup('::ffff:10.0.0.1')).skipped).toBe('not_public');
    expect((await ti.lookup('2001:db8::1')).skipped).toBe('not_public');
    expect((await ti.lookup('not-an-ip')).skipped).toBe('invalid');
    expect(fake.requests).toEqual([]);
  });
});

describe('failures', () => {
  test('404 is no answer, kept for the no-answer TTL only', async () => {
    const ip = '31.13.24.1';
    fake.script('virustotal', ip, {
      kind: 'status',
      status: 404,
      body: '{"error":{"code":"NotFoundError"}}',
    });
    const ti = await intel({ SCOPILOT_THREAT__TALOS_ENABLED: 'false' });
    expect(verdictOf(await ti.lookup(ip), 'virustotal')).toMatchObject({
      outcome: 'no_answer',
      reason: 'not_found',
    });
    clock.now += 15 * 60_000 - 1;
    expect(verdictOf(await ti.lookup(ip), 'virustotal')).toMatchObject({ reason: 'not_found', cached: true });
    expect(fake.requestsFor('virustotal', ip).length).toBe(1);
    clock.now += 1;
    await ti.lookup(ip);
    expect(fake.requestsFor('virustotal', ip).length).toBe(2);
  });

  test('429 with Retry-After: nothing is sent during the cooldown, then requests resume', async () => {
    fake.script('virustotal', '5.6.7.8', {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '120' },
      body: '{"error":{"code":"QuotaExceededError"}}',
    });
    const ti = await intel();
    expect(verdictOf(await ti.lookup('5.6.7.8'), 'virustotal')).toMatchObject({ reason: 'rate_limited' });
    expect(ti.describeProviders().find((p) => p.name === 'virustotal')).toMatchObject({
      rateLimited: true,
      cooldownUntilMs: clock.now + 120_000,
    });
    clock.now += 119_000;
    const held = await ti.lookup('5.6.7.9');
    expect(verdictOf(held, 'virustotal')).toMatchObject({ outcome: 'no_answer', reason: 'rate_limited' });
    expect(verdictOf(held, 'abuseipdb')?.outcome).toBe('clean');
    expect(fake.requestsFor('virustotal').map((r) => r.ip)).toEqual(['5.6.7.8']);
    clock.now += 1_000;
    expect(verdictOf(await ti.lookup('5.6.7.10'), 'virustotal')?.outcome).toBe('clean');
    // The 429 itself was not cached: the address is asked again once the cooldown is over.
    await ti.lookup('5.6.7.8');
    expect(fake.requestsFor('virustotal').map((r) => r.ip)).toEqual(['5.6.7.8', '5.6.7.10', '5.6.7.8']);
  });

  test('Retry-After as an HTTP date is honoured against the clock', async () => {
    const until = new Date(clock.now + 30_000).toUTCString();
    fake.script('abuseipdb', '5.6.8.1', { kind: 'status', status: 429, headers: { 'retry-after': until } });
    const ti = await intel();
    await ti.lookup('5.6.8.1');
    expect(ti.describeProviders().find((p) => p.name === 'abuseipdb')?.cooldownUntilMs).toBe(
      clock.now + 30_000,
    );
  });

  test('free-tier limits hold requests back without sending them', async () => {
    const ti = await intel({}, { limits: {} });
    for (let i = 1; i <= 5; i += 1) await ti.lookup(`77.1.1.${i}`);
    // VirusTotal's free tier: 4 a minute. The fifth is answered rate_limited without a request.
    expect(fake.requestsFor('virustotal').length).toBe(4);
    expect(fake.requestsFor('abuseipdb').length).toBe(5);
    clock.now += 15_000;
    await ti.lookup('77.1.1.6');
    expect(fake.requestsFor('virustotal').length).toBe(5);
  });

  test('a paid plan replaces the free-tier limits through the settings', async () => {
    const ti = await intel(
      { SCOPILOT_THREAT__RATE_LIMITS: '{"virustotal": [{"count": 6, "perSeconds": 60}]}' },
      { limits: {} },
    );
    for (let i = 1; i <= 7; i += 1) await ti.lookup(`77.1.2.${i}`);
    expect(fake.requestsFor('virustotal').length).toBe(6);
    const limited = await ti.lookup('77.1.2.8');
    expect(verdictOf(limited, 'virustotal')).toMatchObject({ outcome: 'no_answer', reason: 'rate_limited' });
  });

  test('a slow provider times out; the others still answer', async () => {
    const ip = '8.8.8.8';
    fake.script('otx', ip, { kind: 'json', body: otxBody(ip), delayMs: 10_000 });
    fake.script('abuseipdb', ip, { kind: 'json', body: abuseIpDbBody(ip, { score: 99 }) });
    const ti = await intel({ SCOPILOT_THREAT__TIMEOUT_MS: '1500' });
    const started = performance.now();
    const a = await ti.lookup(ip);
    expect(performance.now() - started).toBeLessThan(9_000);
    expect(verdictOf(a, 'otx')).toMatchObject({ outcome: 'no_answer', reason: 'timeout' });
    expect(a.malicious).toBe(true);
  });

  test('garbage, oversized and wrongly shaped bodies are no answer, never an error', async () => {
    const ip = '9.9.9.9';
    fake.script('otx', ip, { kind: 'garbage' });
    fake.script('virustotal', ip, {
      kind: 'json',
      body: { data: { attributes: { last_analysis_stats: 'x' } } },
    });
    fake.script('talos', ip, { kind: 'garbage', text: '<html>Just a moment...</html>' });
    fake.script('abuseipdb', ip, { kind: 'garbage', text: 'x'.repeat(5 * 1024 * 1024) });
    const a = await (await intel()).lookup(ip);
    expect(verdictOf(a, 'otx')).toMatchObject({
      outcome: 'no_answer',
      reason: 'bad_body',
      detail: 'not JSON',
    });
    expect(verdictOf(a, 'virustotal')).toMatchObject({ reason: 'bad_body' });
    expect(verdictOf(a, 'talos')).toMatchObject({ reason: 'bad_body' });
    expect(verdictOf(a, 'abuseipdb')).toMatchObject({
      reason: 'bad_body',
      detail: expect.stringContaining('larger'),
    });
  });

  test('5xx, a wrong key and a provider that is down: each is no answer with its reason', async () => {
    const ip = '1.1.1.1';
    fake.script('abuseipdb', ip, { kind: 'status', status: 503 });
    const closed = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: () => new Response('') });
    const deadUrl = `http://127.0.0.1:${closed.port}`;
    await closed.stop(true);
    const ti = await intel({
      SCOPILOT_THREAT__OTX_API_KEY: 'wrong-key',
      SCOPILOT_THREAT__VIRUSTOTAL_BASE_URL: deadUrl,
    });
    const a = await ti.lookup(ip);
    expect(verdictOf(a, 'abuseipdb')).toMatchObject({ reason: 'unavailable', detail: 'HTTP 503' });
    expect(verdictOf(a, 'otx')).toMatchObject({ reason: 'rejected', detail: 'HTTP 403' });
    expect(verdictOf(a, 'virustotal')).toMatchObject({ outcome: 'no_answer', reason: 'network_error' });
    expect(verdictOf(a, 'talos')?.outcome).toBe('clean');
  });
});

describe('cache', () => {
  test('a second lookup is served from KV without a request', async () => {
    const ip = '4.4.4.4';
    fake.script('abuseipdb', ip, { kind: 'json', body: abuseIpDbBody(ip, { score: 90 }) });
    const ti = await intel();
    const first = await ti.lookup(ip);
    const count = fake.requests.length;
    expect(count).toBe(4);
    const second = await ti.lookup(ip);
    expect(fake.requests.length).toBe(count);
    expect(second.verdicts.every((v) => v.cached)).toBe(true);
    expect(second.malicious).toBe(true);
    expect(verdictOf(second, 'abuseipdb')?.checkedAtMs).toBe(verdictOf(first, 'abuseipdb')?.checkedAtMs);
    const stored = await stores.threat.get(keys.threat('abuseipdb', ip));
    expect(stored?.value).toMatchObject({
      outcome: 'malicious',
      score: 90,
      expiresAtMs: clock.now + 24 * HOUR,
    });
    // A new service (a restart) reads the same verdicts.
    await (await intel()).lookup(ip);
    expect(fake.requests.length).toBe(count);
  });

  test('each outcome lives for its own TTL', async () => {
    const ip = '4.2.2.2';
    fake.script('abuseipdb', ip, { kind: 'json', body: abuseIpDbBody(ip, { score: 95 }) });
    fake.script('virustotal', ip, { kind: 'status', status: 404 });
    const ti = await intel({ SCOPILOT_THREAT__TALOS_ENABLED: 'false' });
    const asked = () =>
      (['abuseipdb', 'otx', 'virustotal'] as const).map((p) => fake.requestsFor(p, ip).length);
    await ti.lookup(ip);
    const start = clock.now;
    clock.now = start + 15 * 60_000; // no answer: 15 minutes
    await ti.lookup(ip);
    expect(asked()).toEqual([1, 1, 2]);
    clock.now = start + 12 * HOUR; // clean: 12 hours here
    await ti.lookup(ip);
    expect(asked()).toEqual([1, 2, 3]);
    clock.now = start + 24 * HOUR; // malicious: 24 hours (and OTX's second clean verdict is 12 hours old)
    await ti.lookup(ip);
    expect(asked()).toEqual([2, 3, 4]);
  });

  test('concurrent lookups of one address send one request per provider', async () => {
    const ip = '4.3.2.1';
    fake.script('otx', ip, { kind: 'json', body: otxBody(ip), delayMs: 150 });
    const ti = await intel();
    const all = await Promise.all([ti.lookup(ip), ti.lookup(ip), ti.lookup(ip)]);
    expect(new Set(all).size).toBe(1);
    expect(fake.requests.length).toBe(4);
  });
});

describe('blocklists and configuration', () => {
  function listDir(files: Record<string, string>): string {
    const dir = mkdtempSync(join(tmpdir(), 'scopilot-blocklists-'));
    dirs.push(dir);
    for (const [name, text] of Object.entries(files)) writeFileSync(join(dir, name), text);
    return dir;
  }

  test('offline lists match by prefix with their categories; no key needed', async () => {
    const dir = listDir({
      'drop.txt': '; Spamhaus DROP List\n1.10.16.0/20 ; SBL256894\nbogus line\n',
      'ipblocklist.txt': '# abuse.ch Feodo Tracker Botnet C2 IP Blocklist\n50.16.16.211\n',
      'firehol_level1.netset': '# firehol\n5.188.10.0/23\n2a0e:b107::/32\n',
    });
    const ti = await intel({
      SCOPILOT_THREAT__ABUSEIPDB_API_KEY: undefined,
      SCOPILOT_THREAT__OTX_API_KEY: undefined,
      SCOPILOT_THREAT__VIRUSTOTAL_API_KEY: undefined,
      SCOPILOT_THREAT__TALOS_ENABLED: undefined,
      SCOPILOT_THREAT__BLOCKLIST_DIR: dir,
    });
    expect(ti.providerNames).toEqual(['blocklist']);
    const drop = await ti.lookup('1.10.20.30');
    expect(drop).toMatchObject({ malicious: true, reasons: ['blocklist score 100 >= 75'] });
    expect(drop.verdicts[0]).toMatchObject({
      provider: 'blocklist',
      score: 100,
      categories: ['hijacked', 'spam'],
      detail: 'listed: drop.txt 1.10.16.0/20 (SBL256894)',
      cached: false,
    });
    expect((await ti.lookup('50.16.16.211')).verdicts[0]?.categories).toEqual(['botnet', 'c2']);
    expect((await ti.lookup('2a0e:b107:1::9')).malicious).toBe(true);
    expect((await ti.lookup('50.16.16.212')).verdicts[0]).toMatchObject({ outcome: 'clean', score: 0 });
    expect(fake.requests).toEqual([]);
    const details = ti.describeProviders()[0]?.details as {
      lists: { file: string; entries: number; badLines: number }[];
    };
    expect(details.lists.find((l) => l.file === 'drop.txt')).toMatchObject({ entries: 1, badLines: 1 });
  });

  test('a blocklist hit and an API category together name both rules', async () => {
    const dir = listDir({ 'feodo.txt': '# Feodo Tracker\n62.4.1.1\n' });
    const ip = '62.4.1.1';
    fake.script('otx', ip, { kind: 'json', body: otxBody(ip, { pulses: [{ tags: ['C&C'] }] }) });
    const a = await (await intel({ SCOPILOT_THREAT__BLOCKLIST_DIR: dir })).lookup(ip);
    expect(a.reasons).toEqual(['blocklist score 100 >= 75', 'c2 named by blocklist and otx']);
  });

  test('changed list files apply without a restart', async () => {
    const dir = listDir({ 'custom.netset': '192.88.100.0/24\n' });
    const ti = await intel(
      { SCOPILOT_THREAT__OTX_API_KEY: undefined, SCOPILOT_THREAT__BLOCKLIST_DIR: dir },
      { blocklistRefreshMs: 60_000 },
    );
    expect(verdictOf(await ti.lookup('23.1.1.1'), 'blocklist')?.score).toBe(0);
    writeFileSync(join(dir, 'more.netset'), '23.1.1.0/24\n');
    clock.now += 60_000;
    expect(verdictOf(await ti.lookup('23.1.1.2'), 'blocklist')?.score).toBe(100);
  });

  test('only providers with a key are on; Talos only when enabled', async () => {
    const ti = await intel({
      SCOPILOT_THREAT__OTX_API_KEY: undefined,
      SCOPILOT_THREAT__TALOS_ENABLED: 'false',
    });
    expect(ti.providerNames).toEqual(['abuseipdb', 'virustotal']);
    const none = await intel({
      SCOPILOT_THREAT__ABUSEIPDB_API_KEY: undefined,
      SCOPILOT_THREAT__OTX_API_KEY: undefined,
      SCOPILOT_THREAT__VIRUSTOTAL_API_KEY: undefined,
      SCOPILOT_THREAT__TALOS_ENABLED: undefined,
    });
    expect(none.providerNames).toEqual([]);
    expect(await none.lookup('8.8.8.8')).toMatchObject({ malicious: false, verdicts: [] });
  });
});
