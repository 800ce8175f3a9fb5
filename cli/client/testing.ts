/**
 * For the client commands' tests: a real `scopilot serve --role all` on the
 * embedded engine in a temp data dir, the CLI run as a child process against
 * it, and the REST calls tests use to set the scene (ingesting SGACLHIT lines).
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { waitFor } from '../../test/support/actors.ts';
import { type Child, spawnChild } from '../../test/support/child.ts';

export const MAIN = join(import.meta.dir, '../main.ts');
export const ADMIN_TOKEN = 'cli-admin-token-0123456789';
export const VIEWER_TOKEN = 'cli-viewer-token-0123456789';

/** How long `serve` may take to drain after SIGTERM. */
const STOP_MS = 20_000;

const API_KEYS = JSON.stringify([
  { token: ADMIN_TOKEN, tenant: 'default', role: 'admin' },
  { token: VIEWER_TOKEN, tenant: 'default', role: 'viewer' },
]);

/** The environment without any SCOPILOT_ setting of the machine running the tests. */
export function cleanEnv(extra: Record<string, string> = {}): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (!k.startsWith('SCOPILOT_') && v !== undefined) env[k] = v;
  return { ...env, ...extra };
}

export interface Server {
  url: string;
  port: number;
  dataDir: string;
  child: Child;
  /** SIGTERM and wait; the data dir stays for a restart. */
  stop(): Promise<void>;
  /** Stop, then remove the data dir. */
  dispose(): Promise<void>;
}

/** `serve --role all`, ready; on `port` and `dataDir` when given (a restart). */
export async function startServer(
  o: { port?: number; dataDir?: string; env?: Record<string, string> } = {},
): Promise<Server> {
  const dataDir = o.dataDir ?? mkdtempSync(join(tmpdir(), 'scopilot-cli-'));
  const env = cleanEnv({
    SCOPILOT_DATA_DIR: dataDir,
    SCOPILOT_HTTP__PORT: String(o.port ?? 0),
    SCOPILOT_LOG_LEVEL: 'info',
    SCOPILOT_API__API_KEYS: API_KEYS,
    ...o.env,
  });
  const child = await spawnChild(MAIN, env, /"msg":"listening"/, ['serve', '--role', 'all']);
  const line = child.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
  const url = String(JSON.parse(line).url).replace(/\/+$/, '');
  await waitFor(
    `${url}/readyz 200`,
    async () => (await fetch(`${url}/readyz`).catch(() => null))?.status === 200,
    30_000,
  );
  const stop = async () => {
    if (child.process.exitCode !== null) return;
    child.process.kill('SIGTERM');
    const exited = await Promise.race([
      child.process.exited.then(() => true),
      Bun.sleep(STOP_MS).then(() => false),
    ]);
    if (!exited) {
      child.process.kill(9);
      throw new Error(`scopilot serve did not exit within ${STOP_MS / 1000} s of SIGTERM`);
    }
  };
  return {
    url,
    port: Number(new URL(url).port),
    dataDir,
    child,
    stop,
    dispose: async () => {
      await stop();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export interface CliTarget {
  base: string;
  /** Omitted: ADMIN_TOKEN; null: no token at all. */
  token?: string | null;
}

/** `bun cli/main.ts …args` with SCOPILOT_API_BASE / SCOPILOT_API_TOKEN for `target`. */
export async function scopilot(target: CliTarget | Server, ...args: string[]): Promise<CliResult> {
  const proc = Bun.spawn([process.execPath, MAIN, ...args], {
    env: cliEnv(target),
    stdout: 'pipe',
    stderr: 'pipe',
  });
  const [stdout, stderr, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  return { code, stdout, stderr };
}

export function cliEnv(target: CliTarget | Server): Record<string, string> {
  const base = 'base' in target ? target.base : target.url;
  const token = 'base' in target ? target.token : undefined;
  return cleanEnv({
    SCOPILOT_API_BASE: base,
    ...(token === null ? {} : { SCOPILOT_API_TOKEN: token ?? ADMIN_TOKEN }),
  });
}

/** `scopilot … --json`, exit 0 expected, stdout parsed. */
export async function scopilotJson<T>(target: CliTarget | Server, ...args: string[]): Promise<T> {
  const r = await scopilot(target, ...args, '--json');
  if (r.code !== 0) throw new Error(`scopilot ${args.join(' ')} --json: exit ${r.code}: ${r.stderr}`);
  return JSON.parse(r.stdout) as T;
}

/** A REST call as admin, for setting up a test; throws unless 2xx. */
export async function api(server: Server, method: string, path: string, init: RequestInit = {}) {
  const headers = new Headers(init.headers);
  headers.set('authorization', `Bearer ${ADMIN_TOKEN}`);
  const res = await fetch(`${server.url}${path}`, { ...init, method, headers });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res;
}

export interface Hit {
  sgt?: number;
  dgt?: number;
  protocol?: string;
  dstPort?: number;
  hits?: number;
  dstIp?: string;
  at?: Date;
}

/** One SGACLHIT syslog line. */
export function hitLine(h: Hit = {}): string {
  return (
    `${(h.at ?? new Date()).toISOString()} sw01 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' ` +
    `action='Permit' protocol='${h.protocol ?? 'tcp'}' src-ip='10.0.0.1' src-port='50000' dest-ip='${h.dstIp ?? '10.0.1.1'}' ` +
    `dest-port='${h.dstPort ?? 443}' sgt='${h.sgt ?? 10}' dgt='${h.dgt ?? 20}' logging_interval_hits='${h.hits ?? 5}'`
  );
}

/** Live ingestion of SGACLHIT lines, as a switch's syslog relay would post them. */
export async function ingest(server: Server, lines: readonly string[]): Promise<unknown> {
  const res = await api(server, 'POST', '/api/v1/ingest', {
    body: `${lines.join('\n')}\n`,
    headers: { 'content-type': 'text/plain' },
  });
  return res.json();
}
