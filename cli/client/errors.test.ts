/**
 * How the client commands fail, as a user sees it: bad usage exits 2 with the
 * usage line before any request; an unreachable server, a missing or bad
 * token, a forbidden or unknown object exit 1 with one clear line.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { killChildren } from '../../test/support/child.ts';
import { type Server, scopilot, startServer, VIEWER_TOKEN } from './testing.ts';

/** Nothing listens on port 1: usage errors must be found before any request. */
const NOWHERE = { base: 'http://127.0.0.1:1' };

describe('bad usage exits 2 with a usage line', () => {
  const cases: [string[], RegExp][] = [
    [['sgt'], /missing subcommand; usage: scopilot sgt list\|set\|import\|missing/],
    [['sgt', 'frob'], /unknown subcommand sgt frob; usage: scopilot sgt/],
    [['sgt', 'set', '10'], /missing NAME; usage: scopilot sgt set TAG NAME/],
    [['sgt', 'set', 'ten', 'Users'], /TAG "ten" is not a whole number from 0 to 65535/],
    [['sgt', 'set', '70000', 'Users'], /TAG "70000"/],
    [['sgt', 'list', 'extra'], /unexpected argument extra; usage: scopilot sgt list/],
    [['sgt', 'list', '--bogus'], /Unknown option '--bogus'.*usage: scopilot sgt list/],
    [['sgt', 'import'], /missing FILE/],
    [['sgt', 'import', '/nonexistent/sgt.json'], /cannot read \/nonexistent\/sgt.json: ENOENT/],
    [['run', 'start'], /missing FILE; usage: scopilot run start FILE/],
    [['run', 'start', '/nonexistent.log'], /cannot read \/nonexistent.log: ENOENT/],
    [['run', 'start', 'x.log', '--classifier', 'magic'], /unknown --classifier "magic"/],
    [['run', 'start', 'x.log', '--since', 'yesterday'], /--since "yesterday"/],
    [['run', 'show'], /missing ID; usage: scopilot run show ID/],
    [
      ['run', 'matrix', 'r1', '--format', 'pdf'],
      /unknown --format "pdf"; one of markdown, csv, json, ios, ise/,
    ],
    [['proposal', 'list', '--status', 'maybe'], /unknown --status "maybe"/],
    [['proposal', 'approve'], /missing ID/],
    [['proposal', 'reject', 'p1'], /--reason is required; usage: scopilot proposal reject ID --reason TEXT/],
    [['proposal', 'reject', 'p1', '--reason', '  '], /--reason is required/],
    [['matrix', 'diff', '1'], /missing TO; usage: scopilot matrix diff FROM TO/],
    [['matrix', 'diff', '1', 'two'], /TO "two" is not a whole number/],
    [['matrix', 'rollback', '1'], /--reason is required/],
    [['matrix', 'rollback', '0', '--reason', 'x'], /VERSION "0" is not a whole number from 1/],
    [['matrix', 'export', '--format', 'yaml'], /unknown --format "yaml"/],
    [['matrix', 'export', '--mode', 'loud'], /unknown --mode "loud"/],
    [
      ['matrix'],
      /missing subcommand; usage: scopilot matrix show\|versions\|diff\|rollback\|readiness\|export/,
    ],
    [['watch', 'now'], /unexpected argument now; usage: scopilot watch/],
    [['watch', '--count', '0'], /--count "0"/],
  ];
  for (const [args, message] of cases) {
    test(args.join(' '), async () => {
      const r = await scopilot(NOWHERE, ...args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }

  test('a SCOPILOT_API_BASE that is not a URL', async () => {
    const r = await scopilot({ base: 'not a url' }, 'sgt', 'list');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('SCOPILOT_API_BASE "not a url" is not a URL');
  });

  test('help lists every client command', async () => {
    const r = await scopilot(NOWHERE, 'help');
    expect(r.code).toBe(0);
    for (const line of [
      'scopilot sgt set TAG NAME',
      'scopilot run start FILE',
      'scopilot proposal reject ID --reason TEXT',
      'scopilot matrix rollback VERSION --reason TEXT',
      'scopilot matrix readiness',
      'scopilot watch',
    ])
      expect(r.stdout).toContain(line);
  });
});

describe('an unreachable server', () => {
  for (const args of [
    ['sgt', 'list'],
    ['matrix', 'show', '--json'],
    ['proposal', 'approve', 'p1'],
    ['watch'],
  ]) {
    test(`${args.join(' ')} exits 1 saying it cannot reach the server`, async () => {
      const r = await scopilot(NOWHERE, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith('scopilot: cannot reach http://127.0.0.1:1: ');
      expect(r.stderr.trim().split('\n')).toHaveLength(1);
      expect(r.stdout).toBe('');
    });
  }
});

describe('errors from a real server', () => {
  let server: Server;
  beforeAll(async () => {
    server = await startServer();
  }, 40_000);
  afterAll(async () => {
    await server?.dispose();
    killChildren();
  });

  test('no token: exit 1, not authenticated, set SCOPILOT_API_TOKEN', async () => {
    const r = await scopilot({ base: server.url, token: null }, 'sgt', 'list');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('scopilot: not authenticated: set SCOPILOT_API_TOKEN');
  });

  test('a bad token: exit 1, not authenticated', async () => {
    for (const args of [['matrix', 'show'], ['proposal', 'list', '--json'], ['watch']]) {
      const r = await scopilot({ base: server.url, token: 'not-a-real-token-000000' }, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith('scopilot: not authenticated: set SCOPILOT_API_TOKEN');
    }
  });

  test('a viewer editing SGTs or rolling back: exit 1, not allowed, with the server’s reason', async () => {
    const viewer = { base: server.url, token: VIEWER_TOKEN };
    const set = await scopilot(viewer, 'sgt', 'set', '10', 'Users');
    expect(set.code).toBe(1);
    expect(set.stderr.trim()).toBe('scopilot: not allowed: this needs the admin role; you have viewer');
    const rollback = await scopilot(viewer, 'matrix', 'rollback', '1', '--reason', 'test');
    expect(rollback.code).toBe(1);
    expect(rollback.stderr).toStartWith('scopilot: not allowed: ');
    // Reading is fine for a viewer.
    expect((await scopilot(viewer, 'matrix', 'show')).code).toBe(0);
  });

  test('an unknown object: exit 1, not found', async () => {
    for (const args of [
      ['proposal', 'show', 'no-such-proposal'],
      ['run', 'show', 'no-such-run'],
      ['matrix', 'diff', '0', '99'],
    ]) {
      const r = await scopilot(server, ...args);
      expect(r.code).toBe(1);
      expect(r.stderr).toStartWith('scopilot: not found: ');
    }
  });

  test('input the server refuses (400): exit 2, bad request', async () => {
    const dir = server.dataDir;
    await Bun.write(`${dir}/broken.json`, '{"10": ');
    const r = await scopilot(server, 'sgt', 'import', `${dir}/broken.json`);
    expect(r.code).toBe(2);
    expect(r.stderr).toStartWith('scopilot: bad request: ');
  });

  test('health still answers', async () => {
    const r = await scopilot(server, 'health');
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(`ready (${server.url})`);
  });
});
