/**
 * Reactive defence through the product as shipped: `scopilot serve` with a
 * threat-intel provider (the loopback fake) turns an ingested line towards a
 * malicious destination into an urgent proposal visible over REST, and
 * `scopilot threat lookup` explains the verdict.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { abuseIpDbBody, type FakeThreatIntel, startFakeThreatIntel } from '../../test/fakes/threat-intel.ts';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import { api, hitLine, ingest, type Server, scopilot, scopilotJson, startServer } from './testing.ts';

const BAD = '185.220.101.34';

let server: Server;
let fake: FakeThreatIntel;

beforeAll(async () => {
  fake = await startFakeThreatIntel();
  fake.script('abuseipdb', BAD, { kind: 'json', body: abuseIpDbBody(BAD, { score: 97, isTor: true }) });
  server = await startServer({
    env: {
      SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
      SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
    },
  });
}, 40_000);
afterAll(async () => {
  await server?.dispose();
  await fake?.stop();
  killChildren();
});

interface Proposal {
  id: string;
  urgent?: boolean;
  threat?: { ip: string; provider: string }[];
}

describe('threat intel in scopilot serve', () => {
  test('a line towards a malicious destination becomes an urgent proposal, shown by the CLI', async () => {
    await ingest(server, [hitLine({ sgt: 4, dgt: 0, dstPort: 9001, dstIp: BAD })]);
    let urgent: Proposal | undefined;
    await waitFor('an urgent proposal over REST', async () => {
      const list = (await (await api(server, 'GET', '/api/v1/proposals')).json()) as { items: Proposal[] };
      urgent = list.items.find((p) => p.urgent === true);
      return urgent !== undefined;
    });
    expect(urgent?.threat?.[0]).toMatchObject({ ip: BAD, provider: 'abuseipdb' });
    const shown = await scopilot(server, 'proposal', 'show', urgent!.id);
    expect(shown.code).toBe(0);
    expect(shown.stdout).toContain('traffic to a malicious destination');
    expect(shown.stdout).toContain(BAD);
  });

  test('threat lookup: the decision and each provider, from the cache on a repeat', async () => {
    const r = await scopilot(server, 'threat', 'lookup', BAD);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('MALICIOUS');
    expect(r.stdout).toMatch(/abuseipdb +malicious +97 +tor +cached/);
    const json = await scopilotJson<{ malicious: boolean; verdicts: { cached: boolean }[] }>(
      server,
      'threat',
      'lookup',
      BAD,
    );
    expect(json.malicious).toBe(true);
    expect(fake.requestsFor('abuseipdb', BAD)).toHaveLength(1);
  });

  test('providers that give no answer leave the address not checked, never "not malicious"', async () => {
    const silent = '93.184.216.34';
    fake.script('abuseipdb', silent, { kind: 'status', status: 500 });
    const r = await scopilot(server, 'threat', 'lookup', silent);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^verdict +not checked: no provider answered$/m);
    expect(r.stdout).not.toContain('not known to be malicious');
  });

  test('a private address is not asked about; a bad address is a usage error', async () => {
    const r = await scopilot(server, 'threat', 'lookup', '10.1.2.3');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('not a publicly routable address');
    expect(fake.requestsFor('abuseipdb', '10.1.2.3')).toHaveLength(0);
    const bad = await scopilot(server, 'threat', 'lookup', 'example.com');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('IP must be an IPv4 or IPv6 address');
    const wrong = await scopilot(server, 'threat', 'lookup', '999.1.1.1');
    expect(wrong.code).toBe(2);
  });
});
