/** `scopilot sgt …` against a real server: naming tags one by one and by file, and the unnamed ones. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import { hitLine, ingest, type Server, scopilot, scopilotJson, startServer } from './testing.ts';

let server: Server;
const dir = mkdtempSync(join(tmpdir(), 'scopilot-cli-sgt-'));

beforeAll(async () => {
  server = await startServer();
}, 40_000);
afterAll(async () => {
  await server?.dispose();
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

interface Entry {
  tag: number;
  name: string;
  updatedBy: string;
  updatedAt: string;
}

describe('scopilot sgt', () => {
  test('list before any name says how to add them', async () => {
    const r = await scopilot(server, 'sgt', 'list');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('no SGT names yet');
    expect(await scopilotJson(server, 'sgt', 'list')).toEqual([]);
  });

  test('set names one tag; list shows it in an aligned table, --json as the server sent it', async () => {
    const set = await scopilot(server, 'sgt', 'set', '100', 'Employees');
    expect(set.code).toBe(0);
    expect(set.stdout).toMatch(/^SGT 100 is now "Employees", class users \(inferred 0\.\d\d\)\n$/);
    expect((await scopilot(server, 'sgt', 'set', '5', 'Guests')).code).toBe(0);
    const setJson = await scopilotJson<Entry>(server, 'sgt', 'set', '7', 'Printers');
    expect(setJson).toMatchObject({ tag: 7, name: 'Printers' });

    const list = await scopilot(server, 'sgt', 'list');
    expect(list.code).toBe(0);
    const lines = list.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TAG {2}NAME {7}CLASS {2,}UPDATED BY {2,}UPDATED AT$/);
    expect(lines.slice(1).map((l) => l.slice(0, 16))).toEqual([
      '  5  Guests     ',
      '  7  Printers   ',
      '100  Employees  ',
    ]);
    expect(lines[1]).toMatch(
      / guests \(inferred 0\.\d\d\) +key:[0-9a-f]{8} +\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/,
    );
    expect(list.stdout).not.toContain('\x1b[');

    const json = await scopilotJson<Entry[]>(server, 'sgt', 'list');
    expect(json.map((e) => [e.tag, e.name])).toEqual([
      [5, 'Guests'],
      [7, 'Printers'],
      [100, 'Employees'],
    ]);
    expect(json[0]?.updatedBy).toMatch(/^key:/);
  });

  test('import takes a JSON file and a CSV file; renames overwrite', async () => {
    await Bun.write(join(dir, 'names.json'), JSON.stringify({ 200: 'Servers', 5: 'Visitors' }));
    const fromJson = await scopilot(server, 'sgt', 'import', join(dir, 'names.json'));
    expect(fromJson.code).toBe(0);
    expect(fromJson.stdout).toBe(`imported 2 SGT names from ${join(dir, 'names.json')}\n`);

    await Bun.write(join(dir, 'ise-export.txt'), 'id,name\n300,Cameras\n301,"Badge Readers"\n');
    const fromCsv = await scopilotJson<{ imported: number }>(
      server,
      'sgt',
      'import',
      join(dir, 'ise-export.txt'),
    );
    expect(fromCsv).toEqual({ imported: 2 });

    const names = new Map((await scopilotJson<Entry[]>(server, 'sgt', 'list')).map((e) => [e.tag, e.name]));
    expect(names.get(5)).toBe('Visitors');
    expect(names.get(200)).toBe('Servers');
    expect(names.get(301)).toBe('Badge Readers');
    expect(names.size).toBe(6);
  });

  test('missing lists the tags seen in traffic without a name, with their flows and hits', async () => {
    await ingest(server, [
      hitLine({ sgt: 100, dgt: 200, dstPort: 443, hits: 4 }),
      hitLine({ sgt: 100, dgt: 999, dstPort: 22, hits: 3 }),
      hitLine({ sgt: 888, dgt: 999, dstPort: 80, hits: 2 }),
    ]);
    await waitFor('two tags missing', async () => {
      const missing = await scopilotJson<{ tag: number }[]>(server, 'sgt', 'missing');
      return missing.length === 2;
    });
    const json = await scopilotJson<{ tag: number; flows: number; hits: number }[]>(server, 'sgt', 'missing');
    expect(json).toEqual([
      { tag: 888, flows: 1, hits: 2 },
      { tag: 999, flows: 2, hits: 5 },
    ]);
    const r = await scopilot(server, 'sgt', 'missing');
    expect(r.code).toBe(0);
    expect(r.stdout.trimEnd().split('\n')).toEqual([
      'TAG  FLOWS  HITS',
      '888      1     2',
      '999      2     5',
    ]);

    expect((await scopilot(server, 'sgt', 'set', '888', 'Contractors')).code).toBe(0);
    expect((await scopilot(server, 'sgt', 'set', '999', 'Lab')).code).toBe(0);
    const none = await scopilot(server, 'sgt', 'missing');
    expect(none.stdout).toBe('every SGT seen has a name\n');
  });

  test('set --class sets the class, --infer drops it; a class outside the vocabulary is a usage error', async () => {
    const set = await scopilot(server, 'sgt', 'set', '300', 'Cell 7', '--class', 'ot.plc');
    expect(set).toMatchObject({ code: 0, stdout: 'SGT 300 is now "Cell 7", class ot.plc (set)\n' });
    const infer = await scopilot(server, 'sgt', 'set', '300', 'Cell 7', '--infer');
    expect(infer.stdout).toMatch(/class \S+ \(inferred 0\.\d\d\)/);
    expect((await scopilot(server, 'sgt', 'set', '300', 'x', '--class', 'spaceship')).code).toBe(2);
  });
});
