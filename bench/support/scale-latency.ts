/**
 * The scale bench's isolation part: how long quiet tenants wait from a line
 * received to a proposal visible, with and without a noisy neighbour that
 * floods at ten times its lines-per-second quota (SCOPILOT_QUOTAS__TENANTS).
 * One engine and one edge process on the cluster; lines go in through the
 * REST ingest endpoint, as a relay would send them, and the p99 is read from
 * the engine's `scopilot_line_to_proposal_seconds` histogram (interpolated
 * within its bucket, as Prometheus' histogram_quantile does).
 */
import { join } from 'node:path';
import { LATENCY_BUCKETS } from '../../observability/pipeline.ts';
import { type Child, cleanEnv, spawnChild } from '../../test/support/child.ts';
import { corpusLines, emptyTruth } from './corpus.ts';

const MAIN = join(import.meta.dir, '../../cli/main.ts');
const token = (tenant: string) => `bench-scale-token-${tenant}-0123456789`;

export interface IsolationOptions {
  urls: string;
  namespace: string;
  quiet: number;
  /** The noisy tenant's quota. */
  quotaLinesPerSecond: number;
  seconds: number;
}

export interface Phase {
  samples: number;
  observed: number;
  p99: number;
  /** The noisy tenant's lines the edge accepted and refused (429), when it flooded. */
  accepted: number;
  refused: number;
}

const urlOf = (c: Child): string => {
  for (const l of c.lines) {
    const m = /"url":"([^"]+)","msg":"listening"/.exec(l);
    if (m) return (m[1] as string).replace(/\/+$/, '');
  }
  throw new Error('no url');
};

/** Every quiet tenant's histogram buckets summed: [le, cumulative count]. */
async function buckets(engineUrl: string, quiet: (t: string) => boolean): Promise<Map<number, number>> {
  const text = await (await fetch(`${engineUrl}/metrics`)).text();
  const out = new Map<number, number>();
  const re = /^scopilot_line_to_proposal_seconds_bucket\{le="([^"]+)",tenant="([^"]+)"\} (\d+)/gm;
  for (const m of text.matchAll(re)) {
    if (!quiet(m[2] as string)) continue;
    const le = m[1] === '+Inf' ? Number.POSITIVE_INFINITY : Number(m[1]);
    out.set(le, (out.get(le) ?? 0) + Number(m[3]));
  }
  return out;
}

function quantile(q: number, before: Map<number, number>, after: Map<number, number>) {
  const les = [...LATENCY_BUCKETS, Number.POSITIVE_INFINITY];
  const counts = les.map((le) => (after.get(le) ?? 0) - (before.get(le) ?? 0));
  const total = counts.at(-1) ?? 0;
  if (total === 0) return { total, value: Number.NaN };
  const rank = q * total;
  for (let i = 0; i < les.length; i++) {
    if (counts[i]! >= rank) {
      const lo = i === 0 ? 0 : les[i - 1]!;
      const hi = les[i]!;
      if (!Number.isFinite(hi)) return { total, value: lo };
      const below = i === 0 ? 0 : counts[i - 1]!;
      return { total, value: lo + ((hi - lo) * (rank - below)) / Math.max(1, counts[i]! - below) };
    }
  }
  return { total, value: Number.NaN };
}

const line = (k: number) => {
  const iso = new Date().toISOString();
  return (
    `<190>1 ${iso} sw01 - - - - %RBM-6-SGACLHIT: ingress_interface='GigabitEthernet1/0/1' sgacl_name='q_${k}' ` +
    `action='Permit' protocol='tcp' src-ip='10.1.${k % 250}.1' src-port='40000' dest-ip='10.2.2.2' dest-port='443' ` +
    `sgt='${1_000 + (k % 1_000)}' dgt='${3_000 + Math.floor(k / 1_000)}' logging_interval_hits='1'`
  );
};

export async function isolation(o: IsolationOptions) {
  const quietTenants = Array.from({ length: o.quiet }, (_, i) => `quiet-${i}`);
  const all = [...quietTenants, 'noisy'];
  const env = cleanEnv({
    SCOPILOT_NATS_URL: o.urls,
    SCOPILOT_NATS__REPLICAS: '3',
    SCOPILOT_NAMESPACE: o.namespace,
    SCOPILOT_HTTP__PORT: '0',
    SCOPILOT_LOG_LEVEL: 'info',
    SCOPILOT_API__API_KEYS: JSON.stringify(
      all.map((t) => ({ token: token(t), tenant: t, role: 'operator' })),
    ),
    SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'noisy', linesPerSecond: o.quotaLinesPerSecond }]),
  });
  const listening = /"msg":"listening"/;
  const engine = await spawnChild(MAIN, env, listening, ['serve', '--role', 'engine']);
  const edge = await spawnChild(MAIN, env, listening, ['serve', '--role', 'edge']);
  const engineUrl = urlOf(engine);
  const edgeUrl = urlOf(edge);
  for (let i = 0; i < 300 && (await fetch(`${edgeUrl}/readyz`)).status !== 200; i++) await Bun.sleep(100);
  const post = (tenant: string, lines: string[]) =>
    fetch(`${edgeUrl}/api/v1/ingest`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token(tenant)}`, 'content-type': 'text/plain' },
      body: `${lines.join('\n')}\n`,
    });
  let k = 0;
  const isQuiet = (t: string) => t.startsWith('quiet-');

  const phase = async (flood: boolean): Promise<Phase> => {
    const before = await buckets(engineUrl, isQuiet);
    const stopAt = Date.now() + o.seconds * 1_000;
    let samples = 0;
    let accepted = 0;
    let refused = 0;
    const quietLoop = async (tenant: string) => {
      while (Date.now() < stopAt) {
        const res = await post(tenant, [line(k++)]);
        await res.arrayBuffer();
        if (res.ok) samples++;
        await Bun.sleep(1_000);
      }
    };
    const floodLoop = async () => {
      // Ten times the quota, in ten batches a second.
      const perBatch = Math.max(1, o.quotaLinesPerSecond);
      const corpus = corpusLines(o.quotaLinesPerSecond * 10 * (o.seconds + 5), emptyTruth(), 7);
      const started = Date.now();
      for (let b = 0; Date.now() < stopAt; b++) {
        const lines: string[] = [];
        for (let i = 0; i < perBatch; i++) lines.push(corpus.next().value ?? line(i));
        const res = await post('noisy', lines);
        await res.arrayBuffer();
        if (res.ok) accepted += perBatch;
        else refused += perBatch;
        const due = started + (b + 1) * 100;
        if (due > Date.now()) await Bun.sleep(due - Date.now());
      }
    };
    await Promise.all([...quietTenants.map(quietLoop), ...(flood ? [floodLoop()] : [])]);
    // Wait for the proposals of every accepted quiet line (up to two minutes).
    let after = await buckets(engineUrl, isQuiet);
    for (let i = 0; i < 240 && quantile(0.99, before, after).total < samples; i++) {
      await Bun.sleep(500);
      after = await buckets(engineUrl, isQuiet);
    }
    const p99 = quantile(0.99, before, after);
    return { samples, observed: p99.total, p99: p99.value, accepted, refused };
  };
  try {
    const quiet = await phase(false);
    const flooded = await phase(true);
    const throttled = /^scopilot_quota_throttled_total\{[^}]*tenant="noisy"[^}]*\} (\d+)/m.exec(
      await (await fetch(`${edgeUrl}/metrics`)).text(),
    );
    return { quiet, flooded, throttled: throttled ? Number(throttled[1]) : 0 };
  } finally {
    for (const c of [edge, engine]) c.process.kill('SIGTERM');
    await Promise.all([edge.process.exited, engine.process.exited]);
  }
}
