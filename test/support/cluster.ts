/**
 * Throw-away nats-server processes for cluster and connection tests: one
 * server or a JetStream cluster of three, on free loopback ports, each with
 * its own store directory under a fresh temporary directory. They never touch
 * the shared server at 127.0.0.1:4222 or its data. Servers are ended by pid
 * (kill -9 for a crash, restart with the same config and store), and `stop`
 * ends every one of them and removes the directory.
 */

import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Subprocess } from 'bun';
import { type Child, spawnChild } from './child.ts';

export const NATS_SERVER = '/usr/sbin/nats-server';

export interface TestServer {
  readonly name: string;
  /** Client port. */
  readonly port: number;
  /** Monitoring port (`/jsz`, `/connz`). */
  readonly httpPort: number;
  readonly url: string;
  readonly configFile: string;
  proc: Subprocess | null;
}

export interface TestCluster {
  readonly dir: string;
  readonly servers: TestServer[];
  /** Every client URL, comma-separated: a seed list for SCOPILOT_NATS_URL. */
  readonly urls: string;
  /** SIGKILL one server (a crash: no lame duck, no flush). */
  kill(index: number): Promise<void>;
  /** Start a killed server again with its config and store. */
  restart(index: number): Promise<void>;
  /** Resolves once a JetStream meta leader is elected and every running server knows it. */
  waitForMetaLeader(timeoutMs?: number): Promise<string>;
  /** The index of the server holding a client connection named `name`, or -1. */
  serverWithConnection(name: string): Promise<number>;
  /** Kill every server and remove the directory. */
  stop(): Promise<void>;
}

export interface ClusterOptions {
  /** 1: a plain JetStream server; 3: a cluster. */
  size: 1 | 3;
  /** Extra configuration text for every server (authorization, tls blocks). */
  extra?: string;
}

/** A port the OS reports free on 127.0.0.1 right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      srv.close(() => resolve(port));
    });
  });
}

async function ports(n: number): Promise<number[]> {
  const out = new Set<number>();
  while (out.size < n) {
    const p = await freePort();
    if (p !== 4222 && p !== 8222) out.add(p);
  }
  return [...out];
}

const running = new Set<Subprocess>();
const dirs = new Set<string>();

/** Kill any server a failed or timed-out test left behind and remove its directory (call from afterAll). */
export function killServers(): void {
  for (const proc of running) proc.kill(9);
  running.clear();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

async function json(url: string): Promise<Record<string, unknown> | null> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
    return res.ok ? ((await res.json()) as Record<string, unknown>) : null;
  } catch {
    return null;
  }
}

export async function startCluster(options: ClusterOptions): Promise<TestCluster> {
  const dir = mkdtempSync(join(tmpdir(), 'scopilot-cluster-'));
  dirs.add(dir);
  const n = options.size;
  const all = await ports(n * 3);
  const clusterName = `c${Math.random().toString(36).slice(2, 8)}`;
  const servers: TestServer[] = [];
  for (let i = 0; i < n; i++) {
    const [port, httpPort, routePort] = all.slice(i * 3, i * 3 + 3) as [number, number, number];
    const name = `n${i + 1}`;
    const routes = all.filter((_, j) => j % 3 === 2 && j !== i * 3 + 2).map((p) => `nats://127.0.0.1:${p}`);
    const config = [
      `server_name: ${name}`,
      `listen: 127.0.0.1:${port}`,
      `http: 127.0.0.1:${httpPort}`,
      `jetstream { store_dir: "${join(dir, name)}", max_memory_store: 64MB, max_file_store: 2GB }`,
      n > 1
        ? `cluster { name: ${clusterName}, listen: 127.0.0.1:${routePort}, routes: [${routes.join(', ')}] }`
        : '',
      options.extra ?? '',
    ].join('\n');
    const configFile = join(dir, `${name}.conf`);
    writeFileSync(configFile, config);
    servers.push({ name, port, httpPort, url: `nats://127.0.0.1:${port}`, configFile, proc: null });
  }

  const launch = async (s: TestServer) => {
    const proc = Bun.spawn([NATS_SERVER, '-c', s.configFile, '-l', join(dir, `${s.name}.log`)], {
      stdout: 'ignore',
      stderr: 'ignore',
    });
    running.add(proc);
    s.proc = proc;
    const deadline = Date.now() + 10_000;
    while ((await json(`http://127.0.0.1:${s.httpPort}/healthz`)) === null) {
      if (proc.exitCode !== null) throw new Error(`nats-server ${s.name} exited (${proc.exitCode})`);
      if (Date.now() > deadline) throw new Error(`nats-server ${s.name} did not start`);
      await Bun.sleep(50);
    }
  };

  const cluster: TestCluster = {
    dir,
    servers,
    urls: servers.map((s) => s.url).join(','),
    async kill(index) {
      const s = servers[index] as TestServer;
      const proc = s.proc;
      if (proc === null) return;
      process.kill(proc.pid, 'SIGKILL');
      await proc.exited;
      running.delete(proc);
      s.proc = null;
    },
    async restart(index) {
      await launch(servers[index] as TestServer);
    },
    async waitForMetaLeader(timeoutMs = 30_000) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const leaders = await Promise.all(
          servers
            .filter((s) => s.proc !== null)
            .map(async (s) => {
              const jsz = await json(`http://127.0.0.1:${s.httpPort}/jsz`);
              if (n === 1) return jsz === null ? undefined : s.name;
              return (jsz?.meta_cluster as { leader?: string } | undefined)?.leader;
            }),
        );
        const first = leaders[0];
        if (first && leaders.every((l) => l === first)) return first;
        if (Date.now() > deadline) throw new Error(`no JetStream meta leader: ${JSON.stringify(leaders)}`);
        await Bun.sleep(200);
      }
    },
    async serverWithConnection(name) {
      for (const [i, s] of servers.entries()) {
        if (s.proc === null) continue;
        const connz = await json(`http://127.0.0.1:${s.httpPort}/connz?limit=1024`);
        const conns = (connz?.connections ?? []) as { name?: string }[];
        if (conns.some((c) => c.name === name)) return i;
      }
      return -1;
    },
    async stop() {
      for (const [i] of servers.entries()) await cluster.kill(i);
      rmSync(dir, { recursive: true, force: true });
      dirs.delete(dir);
    },
  };
  try {
    await Promise.all(servers.map(launch));
    await cluster.waitForMetaLeader();
  } catch (error) {
    await cluster.stop();
    throw error;
  }
  return cluster;
}

/** A `scopilot serve` child and the URL it listens on. */
export async function startServe(
  main: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ child: Child; url: string }> {
  const child = await spawnChild(main, env, /"msg":"listening"/, args);
  const line = child.lines.find((l) => l.includes('"msg":"listening"')) ?? '';
  return { child, url: JSON.parse(line).url as string };
}

/** The /readyz answer's status and body (status 0 when the process does not answer). */
export async function readyz(url: string): Promise<{ status: number; body: Record<string, unknown> }> {
  try {
    const res = await fetch(`${url}/readyz`, { signal: AbortSignal.timeout(2_000) });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> };
  } catch {
    return { status: 0, body: {} };
  }
}
