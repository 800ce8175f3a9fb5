/**
 * The alert rules and the Grafana dashboard in deploy/observability/ name
 * only metrics that `/metrics` serves: `scopilot serve --demo` on NATS (a
 * throw-away server; the demo brings traffic and a simulated ISE, so every
 * family is registered) is scraped, and each metric an alert expression or a
 * panel query names must be there. The cluster metrics carry real samples:
 * each actor consumer's lag, every stream's replicas, the connection, the
 * scheduler's lease.
 */
import { afterAll, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse } from 'yaml';
import { waitFor } from './support/actors.ts';
import { cleanEnv, killChildren } from './support/child.ts';
import { killServers, readyz, startCluster, startServe } from './support/cluster.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const DIR = join(import.meta.dir, '../deploy/observability');

afterAll(() => {
  killChildren();
  killServers();
});

/** Metric names in PromQL text (labels, functions and legend templates are not names). */
const metricNames = (expr: string): string[] =>
  [...expr.replace(/\{[^}]*\}/g, '').matchAll(/\b(scopilot_[a-z0-9_]+|process_[a-z0-9_]+)\b/g)].map(
    (m) => m[1] as string,
  );

function alertExpressions(): string[] {
  const doc = parse(readFileSync(join(DIR, 'alerts.yaml'), 'utf8')) as {
    groups: { rules: { alert: string; expr: string }[] }[];
  };
  return doc.groups.flatMap((g) => g.rules.map((r) => r.expr));
}

function panelExpressions(): string[] {
  const doc = JSON.parse(readFileSync(join(DIR, 'grafana-dashboard.json'), 'utf8')) as {
    panels: { targets: { expr: string }[] }[];
  };
  return doc.panels.flatMap((p) => p.targets.map((t) => t.expr));
}

/** Families served: `# TYPE name kind`; a histogram also answers to its _bucket, _sum and _count. */
function served(text: string): Set<string> {
  const out = new Set<string>();
  for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
    const [, name, kind] = m as unknown as [string, string, string];
    out.add(name);
    if (kind === 'histogram' || kind === 'summary')
      for (const s of ['_bucket', '_sum', '_count']) out.add(name + s);
  }
  return out;
}

const sample = (text: string, name: string, labels: Record<string, string>): number | undefined => {
  for (const line of text.split('\n')) {
    if (!line.startsWith(`${name}{`)) continue;
    if (Object.entries(labels).every(([k, v]) => line.includes(`${k}="${v}"`)))
      return Number(line.split(' ').pop());
  }
  return undefined;
};

test('every metric an alert or a dashboard panel names is in /metrics, with cluster samples', async () => {
  const alerts = alertExpressions();
  const panels = panelExpressions();
  const named = new Set([...alerts, ...panels].flatMap(metricNames));
  // The alerts the deployment promises: lag, leaders, ingest, drift, LLM failures, NATS down, quotas, latency.
  for (const needed of [
    'scopilot_consumer_pending',
    'scopilot_stream_leader',
    'scopilot_lease_held',
    'scopilot_ingest_lines_total',
    'scopilot_ise_drift_cells',
    'scopilot_claude_failures_total',
    'scopilot_nats_connected',
    // A tenant held to a quota for long, and lines lost over one.
    'scopilot_quota_throttled_total',
    'scopilot_quota_shed_total',
    // A tenant whose lines take minutes to become proposals.
    'scopilot_line_to_proposal_seconds_bucket',
  ]) {
    expect(alerts.flatMap(metricNames)).toContain(needed);
  }

  const cluster = await startCluster({ size: 1 });
  try {
    const { url } = await startServe(
      MAIN,
      ['serve', '--demo'],
      cleanEnv({ SCOPILOT_NATS_URL: cluster.urls, SCOPILOT_HTTP__PORT: '0', SCOPILOT_LOG_LEVEL: 'info' }),
    );
    await waitFor('ready', async () => (await readyz(url)).status === 200, 60_000);
    let text = '';
    await waitFor(
      'cluster samples',
      async () => {
        text = await (await fetch(`${url}/metrics`)).text();
        return (
          sample(text, 'scopilot_lease_held', { lease: 'scheduler' }) === 1 &&
          sample(text, 'scopilot_consumer_pending', { stream: 'FLOWS' }) !== undefined
        );
      },
      60_000,
    );
    const families = served(text);
    expect([...named].filter((n) => !families.has(n))).toEqual([]);
    expect(sample(text, 'scopilot_nats_connected', {})).toBeUndefined(); // unlabelled: a plain line
    expect(text).toMatch(/^scopilot_nats_connected 1$/m);
    for (const stream of ['FLOWS', 'WORK', 'EVENTS', 'AUDIT', 'DEAD']) {
      expect(sample(text, 'scopilot_stream_replicas', { stream, kind: 'stream' })).toBe(1);
      expect(sample(text, 'scopilot_stream_leader', { stream, kind: 'stream' })).toBe(1);
    }
    expect(
      sample(text, 'scopilot_stream_current_peers', { stream: 'scopilot_inventory', kind: 'bucket' }),
    ).toBe(1);
    expect(sample(text, 'scopilot_consumer_ack_pending', { stream: 'WORK' })).toBeGreaterThanOrEqual(0);
  } finally {
    killChildren();
    await cluster.stop();
  }
}, 150_000);
