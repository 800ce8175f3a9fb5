/**
 * `scopilot serve` logs readable lines on a terminal and JSON lines anywhere
 * else, and SCOPILOT_LOG_FORMAT forces either. The terminal is a real
 * pseudo-terminal, made by util-linux `script`.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { cleanEnv, MAIN } from '../cli/client/testing.ts';
import { type Child, killChildren, spawnCommand } from './support/child.ts';

const dirs: string[] = [];
afterAll(() => {
  killChildren();
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const SERVE = [process.execPath, MAIN, 'serve', '--role', 'all'];
/** The command run on a pseudo-terminal: `script` gives it one and copies what it prints. */
const onTerminal = (command: string[]) => ['script', '-qec', command.join(' '), '/dev/null'];

// biome-ignore lint/suspicious/noControlCharactersInRegex: colour codes are what is looked for.
const ANSI = /\u001b\[[0-9;]*m/g;
const READABLE = /^\d\d:\d\d:\d\d\.\d{3} INFO +listening .*url=http:\/\/127\.0\.0\.1:\d+/;

async function serve(command: string[], env: Record<string, string>, ready: RegExp): Promise<string[]> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-logfmt-'));
  dirs.push(dataDir);
  const child: Child = await spawnCommand(
    command,
    cleanEnv({ SCOPILOT_DATA_DIR: dataDir, SCOPILOT_HTTP__PORT: '0', SCOPILOT_LOG_LEVEL: 'info', ...env }),
    ready,
  );
  const lines = child.lines.map((l) => l.replace(/\r$/, ''));
  child.process.kill('SIGTERM');
  await Promise.race([child.process.exited, Bun.sleep(20_000)]);
  return lines;
}

describe('the log format of serve', () => {
  test('on a terminal: readable lines, the level in colour', async () => {
    const lines = await serve(onTerminal(SERVE), { NO_COLOR: '' }, /listening/);
    const listening = lines.find((l) => l.includes('listening')) ?? '';
    expect(listening).toContain('\u001b[32mINFO \u001b[0m');
    expect(listening.replace(ANSI, '')).toMatch(READABLE);
    expect(lines.filter((l) => l.startsWith('{'))).toEqual([]);
  }, 60_000);

  test('on a terminal with NO_COLOR: readable lines without colour', async () => {
    const lines = await serve(onTerminal(SERVE), { NO_COLOR: '1' }, /listening/);
    const listening = lines.find((l) => l.includes('listening')) ?? '';
    expect(listening).toMatch(READABLE);
    expect(listening).not.toContain('\u001b');
  }, 60_000);

  test('on a terminal, SCOPILOT_LOG_FORMAT=json keeps JSON', async () => {
    const lines = await serve(onTerminal(SERVE), { SCOPILOT_LOG_FORMAT: 'json' }, /"msg":"listening"/);
    const listening = JSON.parse(lines.find((l) => l.includes('"msg":"listening"')) ?? '{}');
    expect(listening).toMatchObject({ level: 'info', msg: 'listening', role: 'all' });
  }, 60_000);

  test('into a pipe: JSON by default, readable lines without colour when forced', async () => {
    const json = await serve(SERVE, {}, /"msg":"listening"/);
    for (const line of json.filter((l) => l.startsWith('{'))) expect(() => JSON.parse(line)).not.toThrow();
    expect(json.some((l) => l.includes('"msg":"listening"'))).toBe(true);
    const pretty = await serve(SERVE, { SCOPILOT_LOG_FORMAT: 'pretty' }, /INFO +listening/);
    const listening = pretty.find((l) => l.includes('listening')) ?? '';
    expect(listening).toMatch(READABLE);
    expect(listening).not.toContain('\u001b');
  }, 60_000);
});
