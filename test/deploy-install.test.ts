/**
 * A first install as a new user does it: `npm ci` of this package.json and lockfile in
 * an empty directory, on the Node.js on this machine, must be quiet — no EBADENGINE, no
 * install scripts left unreviewed — and leave a working product: Bun runs, and ssh2
 * loads without the native builds its install scripts would have made (Bun loads
 * neither addon). The lockfile's engine ranges are checked against every Node.js major
 * the README names. The install is `--offline`: it uses npm's cache, which the install
 * that preceded this test filled, so no test reaches the registry.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const ROOT = join(import.meta.dir, '..');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8'));
const LOCK = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8'));
const README = readFileSync(join(ROOT, 'README.md'), 'utf8');
const dirs: string[] = [];
afterAll(() => {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** The lowest Node.js the README promises (`Node.js ≥ 20`), and the majors CI installs on. */
const promised = README.match(/Node\.js ≥ (\d+)/)?.[1];
const NAMED_MAJORS = [20, 22, 24];

function run(cmd: string[], cwd: string) {
  const proc = Bun.spawnSync(cmd, {
    cwd,
    stdout: 'pipe',
    stderr: 'pipe',
    env: { ...process.env, NO_COLOR: '1' },
  });
  return { code: proc.exitCode, out: `${proc.stdout.toString()}${proc.stderr.toString()}` };
}

describe('a clean first install', () => {
  test('package.json engines say what the README says, and this machine meets it', () => {
    expect(promised).toBeDefined();
    expect(PACKAGE.engines.node).toBe(`>=${promised}`);
    const node = run(['node', '--version'], ROOT).out.trim().replace(/^v/, '');
    expect({ node, satisfies: Bun.semver.satisfies(node, PACKAGE.engines.node) }).toEqual({
      node,
      satisfies: true,
    });
  });

  test('no installed package asks for a newer Node.js than the README names', () => {
    for (const major of NAMED_MAJORS.filter((m) => m >= Number(promised))) {
      const refusing = Object.entries(LOCK.packages as Record<string, { engines?: { node?: string } }>)
        .filter(
          ([, p]) => p.engines?.node !== undefined && !Bun.semver.satisfies(`${major}.0.0`, p.engines.node),
        )
        .map(([name, p]) => `${name} (${p.engines?.node})`);
      expect({ major, refusing }).toEqual({ major, refusing: [] });
    }
  });

  test('install scripts: Bun and Deno may run theirs, the native builds of ssh2 and cpu-features are skipped', () => {
    expect(PACKAGE.allowScripts).toEqual({ bun: true, deno: true, ssh2: false, 'cpu-features': false });
  });

  test('npm ci in an empty directory is quiet and leaves a working Bun and ssh2', () => {
    const dir = mkdtempSync(join(tmpdir(), 'scopilot-install-'));
    dirs.push(dir);
    writeFileSync(join(dir, 'package.json'), readFileSync(join(ROOT, 'package.json')));
    writeFileSync(join(dir, 'package-lock.json'), readFileSync(join(ROOT, 'package-lock.json')));
    const install = run(['npm', 'ci', '--offline', '--no-audit', '--no-fund'], dir);
    expect({ code: install.code, out: install.code === 0 ? '' : install.out }).toEqual({ code: 0, out: '' });
    expect(install.out).not.toContain('EBADENGINE');
    expect(install.out).not.toMatch(/npm (warn|WARN)/);
    expect(install.out).not.toMatch(/install scripts/i);
    const pending = run(['npm', 'approve-scripts', '--allow-scripts-pending'], dir);
    expect(pending.out).not.toMatch(/not yet covered/);

    const bun = join(dir, 'node_modules/bun/bin/bun.exe');
    expect(run([bun, '--version'], dir).out.trim()).toBe(LOCK.packages['node_modules/bun'].version);
    // The skipped builds left no addon behind; ssh2 loads and offers the ciphers the product uses.
    expect(existsSync(join(dir, 'node_modules/ssh2/lib/protocol/crypto/build'))).toBe(false);
    expect(existsSync(join(dir, 'node_modules/cpu-features/build'))).toBe(false);
    const ssh2 = run(
      [
        bun,
        '-e',
        "const { SUPPORTED_CIPHER } = require('ssh2/lib/protocol/constants.js'); console.log(SUPPORTED_CIPHER.join(' '))",
      ],
      dir,
    );
    expect(ssh2.code).toBe(0);
    expect(ssh2.out).toContain('aes128-gcm@openssh.com');
    expect(ssh2.out).toContain('aes256-ctr');
  }, 180_000);
});
