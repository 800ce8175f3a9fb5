/**
 * `scopilot proposal …` and `scopilot matrix …` against a real server: flows
 * ingested live become proposals; approving, rejecting and rolling back from
 * the command line move the matrix as its versions, diff and readiness show.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import { hitLine, ingest, type Server, scopilot, scopilotJson, startServer } from './testing.ts';

let server: Server;

interface Proposal {
  id: string;
  sgt: number;
  dgt: number;
  status: string;
  aces: { action: string; protocol: string; dstPort?: number }[];
  decision?: { reason?: string; channel: string };
}
interface Listed {
  total: number;
  items: Proposal[];
}
interface MatrixBody {
  version: number;
  matrix: { cells: { name: string; sgt: number; dgt: number }[]; defaultRule: string };
}

const byPair: Record<string, Proposal> = {};
const pairOf = (sgt: number, dgt: number): Proposal => byPair[`${sgt}-${dgt}`]!;

beforeAll(async () => {
  server = await startServer();
  expect((await scopilot(server, 'sgt', 'set', '10', 'Employees')).code).toBe(0);
  expect((await scopilot(server, 'sgt', 'set', '20', 'Web')).code).toBe(0);
  await ingest(server, [
    hitLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 40 }),
    hitLine({ sgt: 10, dgt: 30, protocol: 'udp', dstPort: 53, hits: 30 }),
    hitLine({ sgt: 4, dgt: 50, dstPort: 8080, hits: 20 }),
  ]);
  await waitFor('three proposals', async () => {
    const r = await scopilotJson<Listed>(server, 'proposal', 'list');
    return r.items.length === 3;
  });
  for (const p of (await scopilotJson<Listed>(server, 'proposal', 'list')).items)
    byPair[`${p.sgt}-${p.dgt}`] = p;
}, 60_000);
afterAll(async () => {
  await server?.dispose();
  killChildren();
});

describe('scopilot proposal', () => {
  test('list: one aligned row per proposal; --status filters', async () => {
    const r = await scopilot(server, 'proposal', 'list');
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^ID +SGT → DGT +STATUS +HITS +FLAGS +CREATED +EXPIRES +ACES$/);
    expect(lines).toHaveLength(4);
    const web = lines.find((l) => l.includes(pairOf(10, 20).id)) ?? '';
    // Tags read with their names where the dictionary has one.
    expect(web).toMatch(/ Employees \(10\) → Web \(20\) +pending +40 .* permit tcp dst eq 443$/);
    expect(lines.find((l) => l.includes(pairOf(4, 50).id))).toMatch(/ 4 → 50 +pending /);
    // Every row's STATUS starts in the header's column.
    const column = lines[0]!.indexOf('STATUS');
    for (const line of lines.slice(1)) expect(line.slice(column, column + 7)).toBe('pending');

    const applied = await scopilot(server, 'proposal', 'list', '--status', 'applied');
    expect(applied.stdout).toBe('no applied proposals\n');
    const pendingOrNotified = await scopilotJson<Listed>(
      server,
      'proposal',
      'list',
      '--status',
      'pending,notified',
    );
    expect(pendingOrNotified.total).toBe(3);
    // `open`, as the dashboard names it: pending or notified.
    const open = await scopilotJson<Listed>(server, 'proposal', 'list', '--status', 'open');
    expect(open.items.map((p) => p.id).sort()).toEqual(pendingOrNotified.items.map((p) => p.id).sort());
    const bad = await scopilot(server, 'proposal', 'list', '--status', 'opened');
    expect(bad.code).toBe(2);
  });

  test('show: the proposal with its ACEs and evidence; --json the record', async () => {
    const id = pairOf(10, 20).id;
    const r = await scopilot(server, 'proposal', 'show', id);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`^proposal +${id}$`, 'm'));
    expect(r.stdout).toMatch(/^pair +Employees \(10\) → Web \(20\)$/m);
    expect(r.stdout).toMatch(/^permit tcp dst eq 443 +40 /m);
    expect(r.stdout).toMatch(/^10-20-tcp-any-443 +40 +1 /m);
    // Open: what approving it would change in the live matrix, with the flow it covers.
    expect(r.stdout).toContain(
      [
        'what approving it changes (against live version 0)',
        '',
        '1 cell changes: 1 added, 0 changed, 0 removed; 1 observed flow changes status (40 hits): 40 hits now permitted, 0 now denied, 0 now uncovered',
      ].join('\n'),
    );
    expect(r.stdout).toMatch(/^Employees \(10\) +A$/m);
    expect(r.stdout).toContain(
      'A added  Employees (10) → Web (20)  EMPLOYEES_to_WEB\n  + permit tcp dst eq 443: decides 1 flow, 40 hits\n      10-20-tcp-any-443  40 hits  uncovered → permitted\n',
    );
    const json = await scopilotJson<Proposal & { preview: { live: number } }>(server, 'proposal', 'show', id);
    expect(json.id).toBe(id);
    expect(json.preview.live).toBe(0);
  });

  test('approve makes version 1; approving again is a conflict (exit 1)', async () => {
    const id = pairOf(10, 20).id;
    const r = await scopilot(server, 'proposal', 'approve', id);
    expect(r).toMatchObject({ code: 0, stdout: `approved ${id}: applied; the matrix is now version 1\n` });
    const again = await scopilot(server, 'proposal', 'approve', id);
    expect(again.code).toBe(1);
    expect(again.stderr).toStartWith('scopilot: conflict: ');
  });

  test('reject records the reason; approve --json answers the keeper’s reply', async () => {
    const dns = pairOf(10, 30).id;
    const r = await scopilot(server, 'proposal', 'reject', dns, '--reason', 'DNS goes through the resolvers');
    expect(r).toMatchObject({ code: 0, stdout: `rejected ${dns}: rejected\n` });
    const shown = await scopilotJson<Proposal>(server, 'proposal', 'show', dns);
    expect(shown.status).toBe('rejected');
    expect(shown.decision?.reason).toBe('DNS goes through the resolvers');

    const other = pairOf(4, 50).id;
    const reply = await scopilotJson<{ ok: boolean; version: number }>(server, 'proposal', 'approve', other);
    expect(reply).toMatchObject({ ok: true, version: 2 });
  });
});

describe('scopilot matrix', () => {
  test('show: the live version and its cells', async () => {
    const r = await scopilot(server, 'matrix', 'show');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^version +2$/m);
    expect(r.stdout).toMatch(/^default rule +permit ip$/m);
    expect(r.stdout).toMatch(/^EMPLOYEES_to_WEB +Employees \(10\) → Web \(20\) +permit tcp dst eq 443$/m);
    // Two unnamed tags on an unknown port: the classifier cannot tell, so it proposed a deny for review.
    expect(r.stdout).toMatch(/ +4 → 50 +deny tcp dst eq 8080 log$/m);
    const json = await scopilotJson<MatrixBody>(server, 'matrix', 'show');
    expect(json.version).toBe(2);
    expect(json.matrix.cells.map((c) => `${c.sgt}-${c.dgt}`)).toEqual(['4-50', '10-20']);
  });

  test('versions: newest first, the live one marked', async () => {
    const r = await scopilot(server, 'matrix', 'versions');
    const lines = r.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^VERSION +LIVE +PARENT +AT +BY +CHANNEL +CELLS +REASON$/);
    expect(lines[1]).toMatch(/^ {6}2 +live +1 +\S+Z +key:\w+ +api +2 +approved proposal /);
    expect(lines[2]).toMatch(/^ {6}1 +- +\S+Z/);
    const json = await scopilotJson<{ live: number; versions: { version: number }[] }>(
      server,
      'matrix',
      'versions',
    );
    expect(json.live).toBe(2);
    expect(json.versions.map((v) => v.version)).toEqual([2, 1]);
  });

  test('diff: cell by cell, each changed ACE with the flows it decides', async () => {
    const up = await scopilot(server, 'matrix', 'diff', '1', '2');
    expect(up.code).toBe(0);
    expect(up.stdout).toStartWith(
      'version 1 → 2\n\n1 cell changes: 1 added, 0 changed, 0 removed; 1 observed flow changes status (20 hits): 0 hits now permitted, 20 now denied, 0 now uncovered\n',
    );
    expect(up.stdout).toMatch(/^SGT ↓ DGT → +50\n4 +A\n\(A added, C changed, R removed, \. unchanged\)$/m);
    expect(up.stdout).toMatch(
      /^A added {2}4 → 50 {2}\S+\n {2}\+ deny tcp dst eq 8080 log: decides 1 flow, 20 hits\n {6}4-50-tcp-any-8080 {2}20 hits {2}uncovered → denied$/m,
    );
    const down = await scopilot(server, 'matrix', 'diff', '2', '1');
    expect(down.stdout).toMatch(/^R removed {2}4 → 50 /m);
    expect(down.stdout).toContain('  - deny tcp dst eq 8080 log: decided 1 flow, 20 hits\n');
    expect((await scopilot(server, 'matrix', 'diff', '2', '2')).stdout).toBe(
      'version 2 → 2: no differences\n',
    );
    const json = await scopilotJson<{
      against: number;
      cells: { kind: string; aces: { flows: unknown[] }[] }[];
    }>(server, 'matrix', 'diff', '0', '2', '--flows', '0');
    expect(json.against).toBe(0);
    expect(json.cells.map((c) => c.kind)).toEqual(['added', 'added']);
    expect(json.cells[0]?.aces[0]?.flows).toEqual([]);
    expect((await scopilot(server, 'matrix', 'diff', '1', '2', '--flows', 'x')).code).toBe(2);
  });

  test('readiness: covered share of hits and the blockers', async () => {
    const r = await scopilot(server, 'matrix', 'readiness');
    expect(r.code).toBe(0);
    // The 20 hits of 4 → 50 are denied on purpose (needs review): out of the ratio.
    expect(r.stdout).toMatch(/^covered +57\.1% of hits \(40 of 90\)$/m);
    expect(r.stdout).toMatch(/^denied hits +20$/m);
    expect(r.stdout).toMatch(/^10-30-udp-any-53 +Employees \(10\) → 30 +30 /m);
    const json = await scopilotJson<{ ratio: number; blockers: { flowId: string }[] }>(
      server,
      'matrix',
      'readiness',
    );
    expect(json.ratio).toBeCloseTo(40 / 70, 5);
    expect(json.blockers.map((b) => b.flowId)).toEqual(['10-30-udp-any-53']);
  });

  test('export: the live matrix in each format, or a given version', async () => {
    const md = await scopilot(server, 'matrix', 'export');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('EMPLOYEES_to_WEB');
    const ios = await scopilot(server, 'matrix', 'export', '--format', 'ios', '--mode', 'enforce');
    expect(ios.stdout).toContain('ip access-list role-based EMPLOYEES_to_WEB');
    const ise = await scopilot(server, 'matrix', 'export', '--format', 'ise');
    expect(() => JSON.parse(ise.stdout)).not.toThrow();
    const v1 = await scopilot(server, 'matrix', 'export', '--format', 'ios', '--version', '1');
    expect(v1.stdout).toContain('EMPLOYEES_to_WEB');
    expect(v1.stdout).not.toContain('8080');
  });

  test('rollback makes an earlier version live again', async () => {
    const r = await scopilot(server, 'matrix', 'rollback', '1', '--reason', 'the 8080 rule broke the lab');
    expect(r).toMatchObject({ code: 0, stdout: 'rolled back to version 1\n' });
    expect((await scopilotJson<MatrixBody>(server, 'matrix', 'show')).version).toBe(1);
    const versions = await scopilot(server, 'matrix', 'versions');
    expect(versions.stdout).toMatch(/^ {6}1 +live /m);
    const missing = await scopilot(server, 'matrix', 'rollback', '9', '--reason', 'no such version');
    expect(missing.code).toBe(1);
    expect(missing.stderr).toStartWith('scopilot: not found: ');
  });
});
