/** `scopilot run …` against a real server: uploads plain and gzip, a time window, the stored run and its matrix. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { killChildren } from '../../test/support/child.ts';
import { hitLine, type Server, scopilot, scopilotJson, startServer, VIEWER_TOKEN } from './testing.ts';

let server: Server;
const dir = mkdtempSync(join(tmpdir(), 'scopilot-cli-run-'));
const plain = join(dir, 'switch.log');
const gzip = join(dir, 'switch.log.1');

const JUNE_1 = new Date('2026-06-01T10:00:00Z');
const JUNE_20 = new Date('2026-06-20T10:00:00Z');
const LINES = [
  hitLine({ sgt: 100, dgt: 200, dstPort: 443, hits: 10, at: JUNE_1 }),
  hitLine({ sgt: 100, dgt: 200, dstPort: 443, hits: 5, at: JUNE_20 }),
  hitLine({ sgt: 100, dgt: 200, protocol: 'udp', dstPort: 53, hits: 2, at: JUNE_20 }),
  hitLine({ sgt: 5, dgt: 200, dstPort: 22, hits: 1, at: JUNE_20 }),
  '2026-06-20T10:00:00Z sw01 2: %LINK-3-UPDOWN: Interface Gi1/0/2, changed state to up',
];

interface RunSummary {
  id: string;
  status: string;
  stats: { linesRead: number; events: number; hits: number; notSgaclHit: number; outsideWindow: number };
  flows: number;
  contracts: number;
  missingSgts: number[];
  sources: { gzip: boolean }[];
}

beforeAll(async () => {
  const text = `${LINES.join('\n')}\n`;
  await Bun.write(plain, text);
  await Bun.write(gzip, gzipSync(text));
  await Bun.write(join(dir, 'empty.log'), '');
  server = await startServer();
  expect((await scopilot(server, 'sgt', 'set', '100', 'Employees')).code).toBe(0);
}, 40_000);
afterAll(async () => {
  await server?.dispose();
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

describe('scopilot run', () => {
  let id = '';

  test('start uploads the file and prints the summary with the run id first', async () => {
    const r = await scopilot(server, 'run', 'start', plain, '--classifier', 'heuristic');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    id = /^run +(\S+)$/.exec(lines[0] ?? '')?.[1] ?? '';
    expect(id).not.toBe('');
    expect(r.stdout).toMatch(/^status +done$/m);
    expect(r.stdout).toMatch(/^lines read +5$/m);
    expect(r.stdout).toMatch(/^SGACLHIT events +4 \(18 hits\)$/m);
    expect(r.stdout).toMatch(/^other syslog +1$/m);
    expect(r.stdout).toMatch(/^flows +3$/m);
    expect(r.stdout).toMatch(/^contracts +2$/m);
    expect(r.stdout).toMatch(/^missing SGTs +2: 5, 200$/m);
    // The key column is aligned.
    const valueColumn = new Set(lines.map((l) => l.search(/(?<=\S {2,})\S/)));
    expect(valueColumn.size).toBe(1);
  });

  test('a gzip file is sent as gzip and gives the same analysis; --json is the server’s answer', async () => {
    const run = await scopilotJson<RunSummary>(server, 'run', 'start', gzip, '--classifier', 'heuristic');
    expect(run.status).toBe('done');
    expect(run.sources[0]?.gzip).toBe(true);
    expect(run.stats).toMatchObject({ linesRead: 5, events: 4, hits: 18, notSgaclHit: 1 });
    expect(run.flows).toBe(3);
    expect(run.missingSgts).toEqual([5, 200]);
  });

  test('--since / --until keep the window; outside lines are counted', async () => {
    const run = await scopilotJson<RunSummary>(
      server,
      'run',
      'start',
      plain,
      '--since',
      '2026-06-10',
      '--until',
      '2026-06-30T00:00:00Z',
      '--classifier',
      'heuristic',
    );
    expect(run.stats).toMatchObject({ events: 3, hits: 8, outsideWindow: 1 });
    const human = await scopilot(server, 'run', 'show', run.id);
    expect(human.stdout).toMatch(/^outside window +1$/m);
  });

  test('show prints the stored summary; --json the record', async () => {
    const r = await scopilot(server, 'run', 'show', id);
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toMatch(new RegExp(`^run +${id}$`));
    expect(r.stdout).toMatch(/^SGACLHIT events +4 \(18 hits\)$/m);
    const json = await scopilotJson<RunSummary>(server, 'run', 'show', id);
    expect(json).toMatchObject({ id, flows: 3, contracts: 2 });
  });

  test('matrix renders the run in each format, markdown by default', async () => {
    const md = await scopilot(server, 'run', 'matrix', id);
    expect(md.code).toBe(0);
    expect(md.stdout).toContain(`run ${id}`);
    expect(md.stdout).toContain('Employees');
    const csv = await scopilot(server, 'run', 'matrix', id, '--format', 'csv');
    expect(csv.code).toBe(0);
    expect(csv.stdout.split('\n').length).toBeGreaterThan(2);
    const ios = await scopilot(server, 'run', 'matrix', id, '--format', 'ios');
    expect(ios.stdout).toContain('permit udp dst eq 53');
    const json = await scopilot(server, 'run', 'matrix', id, '--format', 'json');
    expect(JSON.parse(json.stdout).flows).toHaveLength(3);
  });

  test('an empty file is refused by the server as bad input (exit 2); a viewer may not start runs (exit 1)', async () => {
    const empty = await scopilot(server, 'run', 'start', join(dir, 'empty.log'));
    expect(empty.code).toBe(2);
    expect(empty.stderr).toStartWith('scopilot: bad request: ');
    const viewer = await scopilot({ base: server.url, token: VIEWER_TOKEN }, 'run', 'start', plain);
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toStartWith('scopilot: not allowed: ');
    // …but may read them.
    expect((await scopilot({ base: server.url, token: VIEWER_TOKEN }, 'run', 'show', id)).code).toBe(0);
  });
});
