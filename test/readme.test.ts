/**
 * What README.md tells a new user, checked against the product so the two
 * cannot drift apart: commands run as `npx scopilot` (the bare name is not on
 * a fresh machine's PATH), every `npm run` script exists, the quick start is
 * two commands, and the MCP tool count and names are the server's own.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { enabledTools, NO_GATES, TOOLS } from '../edge/mcp/server.ts';

const ROOT = join(import.meta.dir, '..');
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const SCRIPTS = Object.keys(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts);

/** The bodies of the ```sh blocks. */
const shellBlocks = (): string[] => [...README.matchAll(/^```sh\n([\s\S]*?)^```$/gm)].map((m) => m[1] ?? '');

/** The section under `## title`, up to the next `## `. */
function section(title: string): string {
  const start = README.indexOf(`## ${title}\n`);
  expect(start).toBeGreaterThan(-1);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end === -1 ? undefined : end);
}

describe('README.md', () => {
  test('every scopilot command is written as npx scopilot, in examples and in prose', () => {
    const bare = [
      ...shellBlocks().flatMap((b) =>
        b.split('\n').filter((line) => /(^|[|&;(]\s*)scopilot\s/.test(line.replace(/npx scopilot/g, ''))),
      ),
      ...[...README.matchAll(/`(scopilot [a-z][^`]*)`/g)].map((m) => m[1]),
    ];
    expect(bare).toEqual([]);
  });

  test('every npm script it names exists', () => {
    const named = new Set([...README.matchAll(/npm run ([a-z][\w:-]*)/g)].map((m) => m[1] ?? ''));
    for (const script of named) expect(SCRIPTS).toContain(script);
    expect(named.has('demo')).toBe(true);
  });

  test('the quick start is two commands, the product and the tests, then the demo', () => {
    const quick = section('Quick start');
    const commands = (shellBlocks().find((b) => quick.includes(b)) ?? '').trim().split('\n');
    expect(commands.map((c) => c.replace(/\s+#.*$/, ''))).toEqual([
      'npm install && npm start',
      'npm install && npm test',
    ]);
    const after = quick.slice(quick.indexOf('npm install && npm test'));
    expect(after.split('\n\n')[1]).toContain('`npm run demo`');
  });

  test('the MCP tools: the count a default install lists, and every name', () => {
    const mcp = section('MCP: the copilot in an AI client');
    const counted = /Its tools \((\d+) in a\s+default install, (\d+) with every gated one enabled\)/.exec(
      mcp,
    );
    expect(counted?.slice(1).map(Number)).toEqual([enabledTools(NO_GATES).length, TOOLS.length]);
    const paragraph = mcp.slice(mcp.indexOf('Its tools'), mcp.indexOf('Resources:'));
    const named = [...paragraph.matchAll(/`([a-z_]+)`/g)].map((m) => m[1]).sort();
    expect(named).toEqual(TOOLS.map((t) => t.name).sort());
  });
});
