/**
 * `scopilot` itself, as a person meets it: help for every command, a guess
 * for a mistyped one, the version, and help and client commands that load
 * none of the server's modules.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, MAIN } from './client/testing.ts';
import { closest, editDistance } from './suggest.ts';

const PRELOAD = join(import.meta.dir, '../test/fixtures/loaded-modules.ts');
const ROOT = join(import.meta.dir, '..');
const dir = mkdtempSync(join(tmpdir(), 'scopilot-main-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function run(...args: string[]) {
  const proc = Bun.spawnSync([process.execPath, MAIN, ...args], {
    env: cleanEnv({ SCOPILOT_API_BASE: 'http://127.0.0.1:9' }),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: proc.exitCode, stdout: proc.stdout.toString(), stderr: proc.stderr.toString() };
}

describe('help', () => {
  test('every command answers --help with its own usage, exit 0', () => {
    for (const [args, expected] of [
      [['analyze', '--help'], /^usage: scopilot analyze FILE… /],
      [['serve', '-h'], /^usage: scopilot serve \[--role /],
      [['health', '--help'], /^usage: scopilot health/],
      [['token', 'create', '--help'], /^usage: scopilot token create --role /],
      [['webex', '--help'], /^usage: scopilot webex register --url URL/],
      [['mcp', '--help'], /^usage: scopilot mcp /],
      [['watch', '--help'], /^usage: scopilot watch /],
      [['proposal', 'list', '--status', 'open', '--help'], /^usage: scopilot proposal list /],
      [['help', 'matrix', 'diff'], /^usage: scopilot matrix diff FROM TO/],
    ] as const) {
      const r = run(...args);
      expect({ args, code: r.code, stderr: r.stderr }).toEqual({ args, code: 0, stderr: '' });
      expect(r.stdout).toMatch(expected);
      expect(r.stdout.trim().split('\n')).toHaveLength(1);
    }
  });

  test('a command with subcommands lists them all', () => {
    const r = run('sgt', '--help');
    expect(r.code).toBe(0);
    for (const sub of ['list', 'set', 'import', 'missing']) expect(r.stdout).toContain(`scopilot sgt ${sub}`);
  });

  test('version', () => {
    const version = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).version;
    expect(run('version').stdout).toBe(`scopilot ${version}\n`);
    expect(run('--version').code).toBe(0);
  });
});

describe('did you mean', () => {
  test('an unknown command or subcommand names the closest one, exit 2', () => {
    for (const [args, guess] of [
      [['prposal', 'list'], 'did you mean proposal?'],
      [['proposals'], 'did you mean proposal?'],
      [['mtarix', 'show'], 'did you mean matrix?'],
      [['helath'], 'did you mean health?'],
      [['proposal', 'lsit'], 'did you mean proposal list?'],
      [['sgt', 'improt', 'x.csv'], 'did you mean sgt import?'],
      [['token', 'crate'], 'did you mean token create?'],
      [['webex', 'regster'], 'did you mean webex register?'],
      [['help', 'proposl'], 'did you mean proposal?'],
    ] as const) {
      const r = run(...args);
      expect({ args, code: r.code }).toEqual({ args, code: 2 });
      expect(r.stderr).toContain(guess);
    }
  });

  test('nothing close: the commands are listed instead of a guess', () => {
    const r = run('frobnicate');
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain('did you mean');
    expect(r.stderr).toContain('analyze, serve, health');
  });

  test('the distance counts a swap of two letters as one edit', () => {
    expect(editDistance('lsit', 'list')).toBe(1);
    expect(editDistance('matrix', 'matrix')).toBe(0);
    expect(editDistance('', 'run')).toBe(3);
    expect(closest('rn', ['run', 'sgt'])).toBe('run');
    expect(closest('xyz', ['run', 'sgt'])).toBeUndefined();
  });
});

describe('what a command loads', () => {
  /** Modules that belong to the server: none may load for help, version or a client command. */
  const SERVER =
    /^(edge|actors|kv-schema|integrations|observability)\/|^engine\/(?!backoff\.ts$|errors\.ts$)|^cli\/(serve|serve-command|roles|analyze|mcp|webex)\.ts$/;

  function loaded(...args: string[]): { code: number | null; local: string[]; packages: string[] } {
    const file = join(dir, `${args.join('-').replace(/[^\w.-]/g, '_')}.txt`);
    const proc = Bun.spawnSync([process.execPath, '--preload', PRELOAD, MAIN, ...args], {
      env: cleanEnv({ SCOPILOT_API_BASE: 'http://127.0.0.1:9', LOADED_MODULES_FILE: file }),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    const paths = readFileSync(file, 'utf8').split('\n').filter(Boolean);
    const packages = [
      ...new Set(paths.flatMap((p) => p.match(/node_modules\/((?:@[^/]+\/)?[^/]+)/)?.[1] ?? [])),
    ];
    const local = paths.filter((p) => p.startsWith(`${ROOT}/`) && !p.includes('/node_modules/'));
    return { code: proc.exitCode, local: local.map((p) => p.slice(ROOT.length + 1)), packages };
  }

  test('the check sees the server modules when serve is loaded', () => {
    const probe = loaded('serve', '--role', 'nonsense');
    expect(probe.code).toBe(2);
    expect(probe.local.filter((p) => SERVER.test(p)).length).toBeGreaterThan(20);
  });

  for (const args of [
    ['help'],
    ['version'],
    ['serve', '--help'],
    ['analyze', '--help'],
    ['proposal', 'list'],
    ['matrix', 'show'],
    ['threat', 'lookup', '192.0.2.1'],
    ['status'],
    ['quota', 'show'],
    ['token', 'create', '--role', 'viewer'],
  ]) {
    test(`scopilot ${args.join(' ')} loads no server module`, () => {
      const r = loaded(...args);
      expect(r.local.filter((p) => SERVER.test(p))).toEqual([]);
      expect(r.packages).toEqual(r.packages.filter((p) => p === 'valibot'));
    });
  }

  test('help loads no command at all: its usage lines stand apart', () => {
    const r = loaded('help');
    expect(r.local.filter((p) => !p.startsWith('test/')).sort()).toEqual([
      'cli/client-usage.ts',
      'cli/suggest.ts',
      'cli/usage.ts',
    ]);
    expect(r.packages).toEqual([]);
  });

  test('analyze with heuristics loads the domain and its own modules, no package', () => {
    const file = join(dir, 'one.log');
    writeFileSync(
      file,
      "Jun 18 10:00:00.000: %RBM-6-SGACLHIT: ingress_interface='Gi1' sgacl_name='x' action='Permit' protocol='tcp' " +
        "src-ip='10.0.0.1' src-port='51000' dest-ip='10.1.0.1' dest-port='443' sgt='10' dgt='20' logging_interval_hits='3'\n",
    );
    const r = loaded('analyze', file, '--classifier', 'heuristic', '--out', join(dir, 'out.md'));
    expect(r.code).toBe(0);
    expect(
      r.local.filter(
        (p) =>
          !/^(domain|test)\/|^cli\/(analyze|input|progress|segments|time|usage|suggest|client-usage)/.test(p),
      ),
    ).toEqual([]);
    expect(r.packages).toEqual([]);
  });

  test('the usage table is what the client commands say', async () => {
    const { CLIENT_GROUPS } = await import('./client/mod.ts');
    const { tokenCommand } = await import('./token.ts');
    const { CLIENT_USAGE } = await import('./client-usage.ts');
    const actual = [...CLIENT_GROUPS, tokenCommand].map((g) =>
      g.subcommands === undefined
        ? { name: g.name, usage: g.help }
        : {
            name: g.name,
            subcommands: Object.fromEntries(
              Object.entries(g.subcommands).map(([k, v]) => [k, v.slice(`scopilot ${g.name} `.length)]),
            ),
          },
    );
    expect(CLIENT_USAGE).toEqual(actual);
  });
});
