/**
 * Reactive defence latency (DESIGN §12: threat-flagged flow → proposal visible
 * over REST, p99 < 1 s with an instant intel provider). A real `scopilot serve
 * --role all` with AbuseIPDB pointed at the loopback fake, which calls every
 * address malicious at once; 1,000 flows, each to its own destination and tag
 * pair, are posted as SGACLHIT lines at 50 a second, and each is timed until
 * its urgent proposal answers on `GET /api/v1/proposals/{id}`.
 *
 * The baseline beside it is the floor of the same path: the time the ingest
 * request itself takes (parse, aggregate, publish). The tenant is in its
 * learning period, so only threats make proposals, as they would in week one.
 * Runs on the embedded engine, and on NATS when one answers.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_PROPOSER_SETTINGS, proposalFor } from '../actors/proposer/logic.ts';
import { openNatsEngine } from '../engine/nats/mod.ts';
import { dropSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace } from '../streams/mod.ts';
import { abuseIpDbBody, startFakeThreatIntel } from '../test/fakes/threat-intel.ts';
import { serveChild } from './support/serve.ts';

const FLOWS = Number(process.env.SCOPILOT_BENCH_THREAT_FLOWS ?? 1_000);
const RATE = 50;
const TOKEN = 'bench-threat-operator-token-0123456789';
const natsUrl = process.env.SCOPILOT_BENCH_NATS_URL ?? 'nats://127.0.0.1:4222';

const fake = await startFakeThreatIntel();
/** A public, distinct destination per flow (100.64/10 and friends would be skipped as not public). */
const destination = (i: number) =>
  `185.${220 + Math.floor(i / 65536)}.${Math.floor(i / 256) % 256}.${i % 256}`;
for (let i = 0; i < FLOWS; i++) {
  const ip = destination(i);
  fake.script('abuseipdb', ip, { kind: 'json', body: abuseIpDbBody(ip, { score: 100, totalReports: 50 }) });
}

const line = (i: number) =>
  `${new Date().toISOString()} sw01 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='Permit IP' ` +
  `action='Permit' protocol='tcp' src-ip='10.0.0.1' src-port='50000' dest-ip='${destination(i)}' ` +
  `dest-port='443' sgt='${1_000 + i}' dgt='0' logging_interval_hits='1'`;

/** The id the proposer gives the threat proposal of flow i (it is derived from its idempotency key). */
function proposalId(i: number): string {
  const sgt = 1_000 + i;
  const flowId = `${sgt}-0-tcp-any-443`;
  const p = proposalFor(
    'bench',
    {
      flowId,
      sgt,
      dgt: 0,
      protocol: 'tcp',
      srcPort: 'any',
      dstPort: 443,
      hits: 1,
      trigger: 'threat',
      triggerRef: `threat:${destination(i)}`,
      category: 'harmful',
      rationale: 'bench',
      source: 'guardrail',
      risk: 'critical',
    },
    null,
    new Map(),
    DEFAULT_PROPOSER_SETTINGS,
    0,
  );
  if (p === null) throw new Error('no proposal for a harmful flow');
  return p.id;
}

const quantile = (xs: number[], q: number) => {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? Number.NaN;
};

async function run(settings: Record<string, string>) {
  const server = await serveChild('all', {
    ...settings,
    SCOPILOT_API__API_KEYS: JSON.stringify([{ token: TOKEN, tenant: 'bench', role: 'operator' }]),
    SCOPILOT_DEFAULT_TENANT_ID: 'bench',
    SCOPILOT_PROPOSALS__LEARNING_PERIOD_HOURS: '24',
    SCOPILOT_THREAT__ABUSEIPDB_API_KEY: fake.keys.abuseipdb,
    SCOPILOT_THREAT__ABUSEIPDB_BASE_URL: fake.url,
    // A paid plan: the free tier's 60 a minute would make this a rate-limit test.
    SCOPILOT_THREAT__RATE_LIMITS: JSON.stringify({ abuseipdb: [{ count: 1_000_000, perSeconds: 60 }] }),
  });
  const headers = { authorization: `Bearer ${TOKEN}` };
  const accepted: number[] = [];
  const visible: number[] = [];
  let missing = 0;
  const one = async (i: number) => {
    const t0 = performance.now();
    const res = await fetch(`${server.url}/api/v1/ingest`, {
      method: 'POST',
      headers: { ...headers, 'content-type': 'text/plain' },
      body: `${line(i)}\n`,
    });
    await res.arrayBuffer();
    if (!res.ok) throw new Error(`ingest answered ${res.status}`);
    accepted.push(performance.now() - t0);
    const url = `${server.url}/api/v1/proposals/${proposalId(i)}`;
    const deadline = t0 + 10_000;
    while (performance.now() < deadline) {
      const found = await fetch(url, { headers });
      await found.arrayBuffer();
      if (found.status === 200) return void visible.push(performance.now() - t0);
      await Bun.sleep(5);
    }
    missing++;
  };
  const started = performance.now();
  const pending: Promise<void>[] = [];
  for (let i = 0; i < FLOWS; i++) {
    const due = started + (i * 1000) / RATE;
    const wait = due - performance.now();
    if (wait > 0) await Bun.sleep(wait);
    pending.push(one(i));
  }
  await Promise.all(pending);
  await server.stop();
  return { accepted, visible, missing };
}

const ms = (x: number) => `${x.toFixed(1).padStart(7)} ms`;
function report(engine: string, r: Awaited<ReturnType<typeof run>>) {
  console.log(`  ${engine}`);
  console.log(
    `    ingest request (baseline)        p50 ${ms(quantile(r.accepted, 0.5))}   p99 ${ms(quantile(r.accepted, 0.99))}`,
  );
  console.log(
    `    line → urgent proposal over REST p50 ${ms(quantile(r.visible, 0.5))}   p99 ${ms(quantile(r.visible, 0.99))}   ` +
      `${r.visible.length}/${FLOWS} visible`,
  );
  const pass = r.missing === 0 && quantile(r.visible, 0.99) < 1_000;
  console.log(`    target p99 < 1 s, every flow proposed: ${pass ? 'PASS' : 'FAIL'}`);
}

console.log(
  `threat-flagged flow → proposal visible over REST: ${FLOWS} flows at ${RATE}/s, instant fake provider`,
);
const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-bench-threat-'));
report('embedded engine', await run({ SCOPILOT_DATA_DIR: dataDir }));
rmSync(dataDir, { recursive: true, force: true });

const probe = await connect({ servers: natsUrl, timeout: 2_000, reconnect: false }).catch(() => null);
if (probe === null) console.log(`  NATS: skipped, no server at ${natsUrl}`);
else {
  await probe.close();
  const ns = isolatedNamespace(`tb${Date.now().toString(36)}`);
  report('NATS', await run({ SCOPILOT_NATS_URL: natsUrl, SCOPILOT_NAMESPACE: ns.root }));
  const engine = await openNatsEngine({ servers: natsUrl, name: 'threat-bench' });
  await dropSchema(engine, ns);
  await engine.close();
}
await fake.stop();
