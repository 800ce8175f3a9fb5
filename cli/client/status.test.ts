/**
 * `scopilot status` against a running product: traffic ingested, proposals
 * made by the product itself, infrastructure approved in bulk; the glance
 * shows readiness with its week, the categories and the blockers left.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import type { StatusData } from './status-text.ts';
import {
  hitLine,
  ingest,
  type Server,
  scopilot,
  scopilotJson,
  startServer,
  VIEWER_TOKEN,
} from './testing.ts';

let server: Server;

beforeAll(async () => {
  server = await startServer();
  await ingest(server, [
    hitLine({ sgt: 10, dgt: 30, protocol: 'udp', dstPort: 53, hits: 40 }),
    hitLine({ sgt: 10, dgt: 31, protocol: 'udp', dstPort: 123, hits: 40 }),
    hitLine({ sgt: 10, dgt: 20, dstPort: 22, hits: 30 }),
    hitLine({ sgt: 10, dgt: 21, dstPort: 23, hits: 20 }),
    hitLine({ sgt: 10, dgt: 22, dstPort: 443, hits: 10 }),
  ]);
  await waitFor('five proposals', async () => {
    const r = await scopilotJson<{ items: unknown[] }>(server, 'proposal', 'list');
    return r.items.length === 5;
  });
  const done = await scopilot(
    server,
    'proposal',
    'decide',
    '--filter',
    'service:infrastructure',
    '--approve',
    '--yes',
  );
  if (done.code !== 0) throw new Error(`decide: ${done.stderr}`);
  // The readiness of version 1 and an hour rollup that has a reading.
  await waitFor(
    'readiness of version 1 in the status',
    async () => {
      const s = await scopilotJson<StatusData>(server, 'status');
      return (
        s.matrix.version === 1 && s.readiness.ratio !== null && s.trend.readiness.some((x) => x !== null)
      );
    },
    60_000,
  );
}, 120_000);
afterAll(async () => {
  await server?.dispose();
  killChildren();
});

test('the text: readiness, a 7-day sparkline, proposals by category, the blockers left', async () => {
  const r = await scopilot(server, 'status');
  expect(r.code).toBe(0);
  expect(r.stderr).toBe('');
  expect(r.stdout).toMatch(/^tenant +default$/m);
  expect(r.stdout).toMatch(/^readiness +\d+\.\d% of hits covered \([\d,]+ of [\d,]+\)$/m);
  const week = /^last 7 days +([▁▂▃▄▅▆▇█·]{28}) {2}/m.exec(r.stdout);
  expect(week).not.toBeNull();
  expect(week?.[1]).toMatch(/[▁▂▃▄▅▆▇█]$/);
  expect(r.stdout).toMatch(/^matrix version +1$/m);
  expect(r.stdout).toContain('open proposals: 3');
  expect(r.stdout).toMatch(
    /^ +\d+ {2}(harmful|default|business relevant|business irrelevant|needs review)$/m,
  );
  expect(r.stdout).toContain('top blockers');
  expect(r.stdout).toContain('10-20-tcp-any-22');
  // Approved DNS is no blocker any more; no colour into a pipe.
  expect(r.stdout).not.toContain('10-30-udp-any-53');
  expect(r.stdout).not.toContain('\u001b');
}, 60_000);

test('--format json for scripts: the same figures, parsed', async () => {
  const r = await scopilot(server, 'status', '--format', 'json');
  expect(r.code).toBe(0);
  const s = JSON.parse(r.stdout) as StatusData;
  expect(s.tenant).toBe('default');
  expect(s.proposals.open).toBe(3);
  const counts = Object.values(s.proposals.byCategory) as number[];
  expect(counts.reduce((a, b) => a + b, 0)).toBe(3);
  expect(s.trend.readiness).toHaveLength(28);
  expect([...s.trend.sparkline]).toHaveLength(28);
  expect(s.blockers.map((b) => b.flowId)).toEqual([
    '10-20-tcp-any-22',
    '10-21-tcp-any-23',
    '10-22-tcp-any-443',
  ]);
  expect(s.blockers[0]?.hits).toBe(30);
  expect(s.readiness.ratio).toBeGreaterThan(0);
  expect(s.readiness.ratio).toBeLessThan(1);
  expect(s.ise).toEqual({ configured: false, lastPush: null, lastDrift: null, monitoring: 0 });
  // A viewer may look.
  const viewer = await scopilot({ base: server.url, token: VIEWER_TOKEN }, 'status', '--json');
  expect(viewer.code).toBe(0);
}, 60_000);

test('mistakes exit 2, another tenant is refused, no server exits 1', async () => {
  const bad = await scopilot(server, 'status', '--format', 'yaml');
  expect(bad.code).toBe(2);
  expect(bad.stderr).toContain('unknown format "yaml"');
  expect((await scopilot(server, 'status', '--since', '1d')).code).toBe(2);
  expect((await scopilot(server, 'status', 'extra')).code).toBe(2);
  const other = await scopilot(server, 'status', '--tenant', 'acme');
  expect(other.code).toBe(2);
  expect(other.stderr).toContain('a token of tenant default, not acme');
  expect((await scopilot(server, 'status', '--tenant', 'default', '--json')).code).toBe(0);
  const down = await scopilot({ base: 'http://127.0.0.1:9' }, 'status');
  expect(down.code).toBe(1);
  expect(down.stderr).toContain('cannot reach http://127.0.0.1:9');
  const noToken = await scopilot({ base: server.url, token: null }, 'status');
  expect(noToken.code).toBe(1);
  expect(noToken.stderr).toContain('not authenticated');
}, 60_000);
