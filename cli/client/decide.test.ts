/** `scopilot proposal decide`: select open proposals by filter, confirm with --yes, one version for them all. */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import { hitLine, ingest, type Server, scopilot, scopilotJson, startServer } from './testing.ts';

let server: Server;
interface Listed {
  items: { id: string; dgt: number; status: string }[];
}

beforeAll(async () => {
  server = await startServer();
  await ingest(server, [
    hitLine({ sgt: 10, dgt: 30, protocol: 'udp', dstPort: 53, hits: 30 }),
    hitLine({ sgt: 10, dgt: 31, protocol: 'udp', dstPort: 123, hits: 30 }),
    hitLine({ sgt: 10, dgt: 32, protocol: 'udp', dstPort: 1812, hits: 30 }),
    hitLine({ sgt: 10, dgt: 20, dstPort: 22, hits: 30 }),
  ]);
  await waitFor('four proposals', async () => {
    const r = await scopilotJson<Listed>(server, 'proposal', 'list');
    return r.items.length === 4;
  });
}, 60_000);
afterAll(async () => {
  await server?.dispose();
  killChildren();
});

test('decide --filter lists the selection, --yes approves it in one version; the rest stays open', async () => {
  const preview = await scopilot(
    server,
    'proposal',
    'decide',
    '--filter',
    'service:infrastructure',
    '--approve',
  );
  expect(preview.code).toBe(0);
  expect(preview.stdout).toContain('3 open proposals match; add --yes to approve them all in one decision.');
  expect((await scopilotJson<Listed>(server, 'proposal', 'list', '--status', 'open')).items).toHaveLength(4);

  const done = await scopilot(
    server,
    'proposal',
    'decide',
    '--filter',
    'service:infrastructure',
    '--approve',
    '--yes',
  );
  expect(done.code).toBe(0);
  expect(done.stdout).toContain('3 approved, 0 refused; the matrix is now version 1');
  const open = await scopilotJson<Listed>(server, 'proposal', 'list', '--status', 'open');
  expect(open.items.map((p) => p.dgt)).toEqual([20]);

  const none = await scopilot(server, 'proposal', 'decide', '--filter', 'service:dns', '--approve', '--yes');
  expect(none.stdout).toContain('no open proposals match');
  const usage = await scopilot(server, 'proposal', 'decide', '--filter', 'port:22', '--reject');
  expect(usage.code).not.toBe(0);
  expect(usage.stderr).toContain('--reason is required');
}, 60_000);
