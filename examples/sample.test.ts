/**
 * The sample that ships in examples/: it is what its generator writes (so it
 * cannot drift from it), and `scopilot analyze` reads every line of it, names
 * every tag from the shipped dictionary, and denies the campus's bad flows.
 */
import { describe, expect, test } from 'bun:test';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { cleanEnv } from '../cli/client/testing.ts';
import { SAMPLE_LOG, SAMPLE_SGTS, sampleLog, sampleSgtsCsv } from './generate-sample.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const ROOT = join(import.meta.dir, '..');

function analyze(...args: string[]) {
  const p = Bun.spawnSync([process.execPath, MAIN, 'analyze', ...args], {
    cwd: ROOT,
    env: cleanEnv(),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  return { code: p.exitCode, stdout: p.stdout.toString(), stderr: p.stderr.toString() };
}

interface Analysis {
  stats: { linesRead: number; events: number; notSgaclHit: number; rejectedTotal: number };
  flows: { sgt: number; dgt: number; protocol: string; dstPort: number | null }[];
  contracts: {
    sgt: number;
    dgt: number;
    aces: { action: string; protocol: string; dstPort?: number }[];
  }[];
}

describe('examples/', () => {
  test('the files are what the generator writes', () => {
    expect(readFileSync(SAMPLE_LOG, 'utf8')).toBe(sampleLog());
    expect(readFileSync(SAMPLE_SGTS, 'utf8')).toBe(sampleSgtsCsv());
  });

  test('a few hundred SGACLHIT lines in several header formats, some other syslog', () => {
    const lines = sampleLog().trimEnd().split('\n');
    const hits = lines.filter((l) => /%RBM-\d-SGACLHIT:/.test(l));
    expect(hits.length).toBeGreaterThanOrEqual(300);
    expect(lines.length - hits.length).toBeGreaterThan(0);
    for (const form of [/^\S+\+00:00 \S+ \d+: \*\w{3} \d\d /, /^<190>1 /, /^<190>\w{3} \d\d /, / 2026 \d\d:/])
      expect(hits.some((l) => form.test(l))).toBe(true);
    expect(hits.some((l) => l.includes("src-vrf='default'"))).toBe(true);
    expect(hits.some((l) => /dest-ip='2001:db8:/.test(l))).toBe(true);
    expect(hits.some((l) => l.includes('%RBM-4-SGACLHIT'))).toBe(true);
  });

  test('scopilot analyze reads every line, names every tag, and denies the bad flows', () => {
    const json = analyze('examples/sgaclhit-sample.log', '--sgt', 'examples/sgts.csv', '--format', 'json');
    expect(json.code).toBe(0);
    const a = JSON.parse(json.stdout) as Analysis;
    const lines = sampleLog().trimEnd().split('\n');
    expect(a.stats).toMatchObject({
      linesRead: lines.length,
      events: lines.filter((l) => l.includes('-SGACLHIT:')).length,
      rejectedTotal: 0,
    });
    expect(json.stderr).not.toContain('missing SGTs');
    const action = (sgt: number, dgt: number, port: number) =>
      a.contracts.find((c) => c.sgt === sgt && c.dgt === dgt)?.aces.find((x) => x.dstPort === port)?.action;
    expect(action(4, 4, 445)).toBe('deny'); // lateral SMB between workstations
    expect(action(11, 0, 3333)).toBe('deny'); // a database server talking to a mining pool
    expect(action(8, 0, 23)).toBe('deny'); // a camera on telnet to the internet
    expect(action(4, 10, 443)).toBe('permit');

    const md = analyze('examples/sgaclhit-sample.log', '--sgt', 'examples/sgts.csv');
    expect(md.code).toBe(0);
    expect(md.stdout).toContain('From **Employees** (4) to **Web\\_Servers** (10)');
  });
});
