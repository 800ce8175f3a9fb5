/**
 * Log sources in /readyz and /metrics: each source's state and counters,
 * without deciding readiness.
 */
import { describe, expect, test } from 'bun:test';
import type { SourceHealth } from '../actors/tail/source.ts';
import { createApp } from '../edge/app.ts';
import { silentLogger } from '../engine/log.ts';
import { sample } from '../test/support/metrics.ts';
import { Metrics } from './metrics.ts';

const health: SourceHealth[] = [
  {
    name: 'ssh:log@syslog1:22/var/log/switches.log',
    kind: 'ssh',
    state: 'connecting',
    detail: 'host key mismatch',
    lastReadAtMs: null,
    counters: { lines: 0, reconnects: 3 },
  },
  {
    name: 'syslog:udp:0.0.0.0:514',
    kind: 'syslog',
    state: 'up',
    lastReadAtMs: 1,
    counters: { received: 10, dropped_unknown_sender: 2 },
  },
];

describe('log sources', () => {
  const metrics = new Metrics({ defaults: false });
  metrics.watchSources(() => health);
  const app = createApp({
    logger: silentLogger(),
    metrics,
    readiness: { checks: { engine: () => null }, details: { sources: () => health } },
  });

  test('/readyz shows every source, and a source that is down does not make the process unready', async () => {
    const res = await app.request('/readyz');
    expect(res.status).toBe(200);
    const body = (await res.json()) as { status: string; sources: SourceHealth[] };
    expect(body.status).toBe('ready');
    expect(body.sources.map((s) => [s.name, s.state, s.detail])).toEqual([
      ['ssh:log@syslog1:22/var/log/switches.log', 'connecting', 'host key mismatch'],
      ['syslog:udp:0.0.0.0:514', 'up', undefined],
    ]);
  });

  test('/metrics has each source up or not, and its counters', async () => {
    const text = await (await app.request('/metrics')).text();
    const ssh = { source: 'ssh:log@syslog1:22/var/log/switches.log', kind: 'ssh' };
    const udp = { source: 'syslog:udp:0.0.0.0:514', kind: 'syslog' };
    expect(sample(text, 'scopilot_source_up', ssh)).toBe(0);
    expect(sample(text, 'scopilot_source_up', udp)).toBe(1);
    expect(sample(text, 'scopilot_source_events_total', { ...ssh, event: 'reconnects' })).toBe(3);
    expect(sample(text, 'scopilot_source_events_total', { ...udp, event: 'dropped_unknown_sender' })).toBe(2);
  });
});
