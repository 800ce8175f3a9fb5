/**
 * The edge runs under Deno too: the same app, served with Deno.serve against
 * the real NATS server, answers health, readiness, an authenticated read, a
 * threat lookup (loopback provider fake) and refuses /mcp without a token.
 */
import { afterAll, expect, test } from 'bun:test';
import { join } from 'node:path';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { dropSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace } from '../streams/mod.ts';
import { abuseIpDbBody, startFakeThreatIntel } from './fakes/threat-intel.ts';
import { waitFor } from './support/actors.ts';
import { killChildren, spawnCommand } from './support/child.ts';
import { describeNats, natsTestUrl, testPrefix } from './support/nats.ts';

const DENO = join(import.meta.dir, '../node_modules/.bin/deno');
const ENTRY = join(import.meta.dir, '../edge/deno.ts');
const TOKEN = 'deno-test-admin-token-0123456789';
const OPERATOR = 'deno-test-operator-token-0123456789';
const BAD = '185.220.101.34';

afterAll(killChildren);

describeNats('the edge under Deno', () => {
  test('health, readiness, an authenticated REST read, a threat lookup, and /mcp guarded', async () => {
    const ns = isolatedNamespace(testPrefix('d'));
    const fake = await startFakeThreatIntel();
    fake.script('abuseipdb', BAD, { kind: 'json', body: abuseIpDbBody(BAD, { score: 95 }) });
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(process.env))
      if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
    Object.assign(env, {
      SCOPILOT_NATS_URL: natsTestUrl(),
      SCOPILOT_NAMESPACE: ns.root,
      SCOPILOT_HTTP__PORT: '0',
      SCOPILOT_API__API_KEYS: JSON.stringify([
        { token: TOKEN, tenant: 'acme', role: 'viewer' },
        { token: OPERATOR, tenant: 'acme', role: 'operator' },
      ]),
      SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
      SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
    });
    try {
      const child = await spawnCommand([DENO, 'run', '-A', ENTRY], env, /"msg":"listening"/);
      const line = child.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
      const url = JSON.parse(line).url as string;
      expect(JSON.parse(line).runtime).toBe('deno');
      expect(await (await fetch(`${url}/healthz`)).json()).toEqual({ status: 'ok' });
      await waitFor('ready', async () => (await fetch(`${url}/readyz`)).status === 200);
      expect((await fetch(`${url}/api/v1/matrix`)).status).toBe(401);
      const read = await fetch(`${url}/api/v1/matrix`, { headers: { authorization: `Bearer ${TOKEN}` } });
      expect(read.status).toBe(200);
      const lookup = await fetch(`${url}/api/v1/threat-intel/${BAD}`, {
        headers: { authorization: `Bearer ${OPERATOR}` },
      });
      expect(await lookup.json()).toMatchObject({ ip: BAD, malicious: true, flaggedBy: ['abuseipdb'] });
      expect((await fetch(`${url}/mcp`, { method: 'POST', body: '{}' })).status).toBe(401);
    } finally {
      killChildren();
      await fake.stop();
      const admin = await openNatsEngine({ servers: natsTestUrl() });
      await dropSchema(admin, ns);
      await admin.close();
    }
  }, 60_000);
});
