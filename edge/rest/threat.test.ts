/** REST /api/v1/threat-intel/{ip}: roles, bad addresses, and the assessment as threat intel gives it. */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { loadConfig } from '../../config/mod.ts';
import { createThreatIntel } from '../../integrations/threat-intel/mod.ts';
import { openStores } from '../../kv-schema/mod.ts';
import { abuseIpDbBody, type FakeThreatIntel, startFakeThreatIntel } from '../../test/fakes/threat-intel.ts';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { openTestEmbedded, type TestEngine } from '../../test/support/engines.ts';
import { expectGuarded, expectProblem } from '../../test/support/rest-api.ts';
import type { ThreatAssessmentOut } from './threat.ts';

const BAD = '185.220.101.34';

describe('REST threat-intel', () => {
  let fake: FakeThreatIntel;
  let te: TestEngine;
  let api: TestApi;
  beforeAll(async () => {
    fake = await startFakeThreatIntel();
    fake.script('abuseipdb', BAD, { kind: 'json', body: abuseIpDbBody(BAD, { score: 88 }) });
  });
  afterAll(async () => fake.stop());
  afterEach(async () => te?.dispose());

  async function setup(withIntel = true): Promise<TestApi> {
    te = await openTestEmbedded();
    const settings = loadConfig({
      SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
      SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
    }).threat;
    const threat = await createThreatIntel(settings, { stores: await openStores(te.engine, te.ns) });
    api = await startApi(te, withIntel ? { threat } : {});
    return api;
  }

  test('an operator gets the decision, the rule and each provider', async () => {
    await setup();
    await expectGuarded(api, 'GET', `/api/v1/threat-intel/${BAD}`, 'operator');
    const res = await api.request(`/api/v1/threat-intel/${BAD}`, { token: TOKENS.operator });
    expect(res.status).toBe(200);
    const body = (await res.json()) as ThreatAssessmentOut;
    expect(body).toMatchObject({ ip: BAD, malicious: true, flaggedBy: ['abuseipdb'] });
    expect(body.verdicts).toEqual([
      expect.objectContaining({ provider: 'abuseipdb', outcome: 'malicious', score: 88, cached: false }),
    ]);
    expect(body.reasons.join(' ')).toContain('abuseipdb');
  });

  test('an IPv6 literal is looked up in canonical form; a private one is skipped', async () => {
    await setup();
    const v6 = await api.request('/api/v1/threat-intel/2001:DB8::1', { token: TOKENS.operator });
    expect(((await v6.json()) as ThreatAssessmentOut).skipped).toBe('not_public');
    const v4 = await api.request('/api/v1/threat-intel/10.0.0.1', { token: TOKENS.operator });
    expect((await v4.json()) as ThreatAssessmentOut).toMatchObject({ skipped: 'not_public', verdicts: [] });
    expect(fake.requestsFor('abuseipdb', '10.0.0.1')).toEqual([]);
  });

  test('not an address: 400 naming the parameter', async () => {
    await setup();
    for (const bad of ['999.1.1.1', 'example.com', '1.2.3.4.5']) {
      const problem = await expectProblem(
        await api.request(`/api/v1/threat-intel/${bad}`, { token: TOKENS.operator }),
        400,
      );
      expect(String(problem.detail)).toContain('ip');
    }
  });

  test('a process without threat intel answers 503', async () => {
    await setup(false);
    await expectProblem(await api.request(`/api/v1/threat-intel/${BAD}`, { token: TOKENS.operator }), 503);
  });
});
