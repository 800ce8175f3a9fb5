/**
 * The NATS connection as an operator configures it, against throw-away
 * nats-server processes (never the shared server): a seed list, credentials
 * (user and password, token, NKey seed, `.creds` file), TLS with a private CA
 * and a client certificate, and `/readyz` of a running `scopilot serve` while
 * its only server is killed and started again: not ready, saying why, then
 * ready again without a restart of the product.
 */
import { afterAll, describe, expect, test } from 'bun:test';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createUser } from '@nats-io/nkeys';
import { ConfigError, loadConfig, natsAccess } from '../config/mod.ts';
import { openEngine } from '../engine/mod.ts';
import { waitFor } from './support/actors.ts';
import { cleanEnv, killChildren } from './support/child.ts';
import { killServers, readyz, startCluster, startServe } from './support/cluster.ts';

const MAIN = join(import.meta.dir, '../cli/main.ts');
const dirs: string[] = [];
const tmp = (): string => {
  const dir = mkdtempSync(join(tmpdir(), 'scopilot-natsconn-'));
  dirs.push(dir);
  return dir;
};

afterAll(() => {
  killChildren();
  killServers();
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
});

/** Opens the engine the way `serve` does, from SCOPILOT_ settings. */
async function connectWith(env: Record<string, string>): Promise<void> {
  const config = loadConfig(env);
  const access = natsAccess(config);
  if (access === null) throw new Error('no NATS URL');
  const { servers: _s, replicas: _r, ...auth } = access;
  const engine = await openEngine({ natsUrl: config.natsUrl, dataDir: '', name: 'conn-test', nats: auth });
  try {
    await engine.kv.ensureBucket({ name: `conn${Date.now().toString(36)}` });
  } finally {
    await engine.close();
  }
}

const user = createUser();
const SEED = new TextDecoder().decode(user.getSeed());

describe('NATS credentials and TLS', () => {
  test('user and password, NKey seed and creds file authenticate; a wrong password does not', async () => {
    const cluster = await startCluster({
      size: 1,
      extra: `authorization { users = [ {user: ops, password: "s3cret-pw"}, {nkey: ${user.getPublicKey()}} ] }`,
    });
    try {
      const dir = tmp();
      const seedFile = join(dir, 'user.nk');
      writeFileSync(seedFile, `${SEED}\n`);
      // A .creds file as nsc writes it; this server checks the seed's signature of its nonce.
      const credsFile = join(dir, 'user.creds');
      writeFileSync(
        credsFile,
        `-----BEGIN NATS USER JWT-----\neyJ0eXAiOiJKV1QiLCJhbGciOiJlZDI1NTE5LW5rZXkifQ.e30.sig\n------END NATS USER JWT------\n\n` +
          `-----BEGIN USER NKEY SEED-----\n${SEED}\n------END USER NKEY SEED------\n`,
      );
      // A seed list whose first entry is down: the client moves on to the next.
      const urls = `nats://127.0.0.1:1,${cluster.urls}`;
      await connectWith({
        SCOPILOT_NATS_URL: urls,
        SCOPILOT_NATS__USER: 'ops',
        SCOPILOT_NATS__PASSWORD: 's3cret-pw',
      });
      await connectWith({ SCOPILOT_NATS_URL: urls, SCOPILOT_NATS__NKEY_SEED_FILE: seedFile });
      await connectWith({ SCOPILOT_NATS_URL: urls, SCOPILOT_NATS__CREDS_FILE: credsFile });
      await expect(
        connectWith({
          SCOPILOT_NATS_URL: cluster.urls,
          SCOPILOT_NATS__USER: 'ops',
          SCOPILOT_NATS__PASSWORD: 'wrong',
        }),
      ).rejects.toThrow(/Authorization/);
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  test('a token authenticates', async () => {
    const cluster = await startCluster({ size: 1, extra: 'authorization { token: "tok-0123456789abcdef" }' });
    try {
      await connectWith({ SCOPILOT_NATS_URL: cluster.urls, SCOPILOT_NATS__TOKEN: 'tok-0123456789abcdef' });
      await expect(connectWith({ SCOPILOT_NATS_URL: cluster.urls })).rejects.toThrow(/Authorization/);
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  test('TLS with a private CA and a client certificate the server verifies', async () => {
    const dir = tmp();
    const ssl = (args: string) => {
      const r = Bun.spawnSync(['openssl', ...args.split(' ')], {
        cwd: dir,
        stdout: 'ignore',
        stderr: 'pipe',
      });
      if (r.exitCode !== 0) throw new Error(`openssl ${args}: ${r.stderr.toString()}`);
    };
    writeFileSync(join(dir, 'san.ext'), 'subjectAltName=IP:127.0.0.1,DNS:localhost\n');
    ssl(
      'req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -days 1 -subj /CN=test-ca -keyout ca.key -out ca.pem',
    );
    for (const who of ['server', 'client']) {
      ssl(
        `req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -subj /CN=${who} -keyout ${who}.key -out ${who}.csr`,
      );
      ssl(
        `x509 -req -in ${who}.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 1 -extfile san.ext -out ${who}.pem`,
      );
    }
    const f = (name: string) => join(dir, name);
    const cluster = await startCluster({
      size: 1,
      extra: `tls { cert_file: "${f('server.pem')}", key_file: "${f('server.key')}", ca_file: "${f('ca.pem')}", verify: true }`,
    });
    try {
      const url = cluster.urls.replace('nats://', 'tls://');
      await connectWith({
        SCOPILOT_NATS_URL: url,
        SCOPILOT_NATS__TLS_CA_FILE: f('ca.pem'),
        SCOPILOT_NATS__TLS_CERT_FILE: f('client.pem'),
        SCOPILOT_NATS__TLS_KEY_FILE: f('client.key'),
      });
      // Without the client certificate the server refuses the handshake.
      await expect(
        connectWith({ SCOPILOT_NATS_URL: url, SCOPILOT_NATS__TLS_CA_FILE: f('ca.pem') }),
      ).rejects.toThrow();
    } finally {
      await cluster.stop();
    }
  }, 60_000);

  test('settings that cannot work are refused at start-up, naming the setting', () => {
    const problems = (env: Record<string, string>): string[] => {
      try {
        natsAccess(loadConfig({ SCOPILOT_NATS_URL: 'nats://a:4222,nats://b:4222', ...env }));
        return [];
      } catch (error) {
        if (error instanceof ConfigError) return [...error.problems];
        throw error;
      }
    };
    expect(problems({ SCOPILOT_NATS__REPLICAS: '2' })[0]).toStartWith(
      'SCOPILOT_NATS__REPLICAS: must be 1 or 3',
    );
    expect(problems({ SCOPILOT_NATS__USER: 'ops' })[0]).toStartWith('SCOPILOT_NATS__USER');
    expect(problems({ SCOPILOT_NATS__TOKEN: 't', SCOPILOT_NATS__CREDS_FILE: '/x' })[0]).toContain(
      'one way to authenticate',
    );
    expect(problems({ SCOPILOT_NATS__CREDS_FILE: '/nonexistent/u.creds' })).toEqual([
      'SCOPILOT_NATS__CREDS_FILE: cannot read /nonexistent/u.creds: no such file',
    ]);
    const dir = tmp();
    writeFileSync(join(dir, 'not-a-seed'), 'hello\n');
    expect(problems({ SCOPILOT_NATS__NKEY_SEED_FILE: join(dir, 'not-a-seed') })[0]).toContain(
      'holds no NKey',
    );
    const ok = natsAccess(loadConfig({ SCOPILOT_NATS_URL: 'nats://a:4222,tls://b:4222' }));
    expect(ok).toEqual({ servers: ['nats://a:4222', 'tls://b:4222'], replicas: 1, tls: {} });
  });
});

describe('readiness follows the NATS connection', () => {
  test('/readyz turns 503 naming the lost server while NATS is down, and 200 again after it returns', async () => {
    const cluster = await startCluster({
      size: 1,
      extra: 'authorization { user: ops, password: "pw-123456" }',
    });
    try {
      const { child, url } = await startServe(
        MAIN,
        ['serve'],
        cleanEnv({
          SCOPILOT_NATS_URL: cluster.urls,
          SCOPILOT_NATS__USER: 'ops',
          SCOPILOT_NATS__PASSWORD: 'pw-123456',
          SCOPILOT_HTTP__PORT: '0',
          SCOPILOT_LOG_LEVEL: 'info',
        }),
      );
      await waitFor('ready', async () => (await readyz(url)).status === 200, 30_000);
      await cluster.kill(0);
      await waitFor('not ready', async () => (await readyz(url)).status === 503, 30_000);
      const down = await readyz(url);
      expect((down.body.checks as Record<string, string>).engine).toMatch(
        /nats disconnected from .*reconnecting/,
      );
      await Bun.sleep(2_000);
      await cluster.restart(0);
      await waitFor('ready again', async () => (await readyz(url)).status === 200, 60_000);
      expect(child.process.exitCode).toBeNull();
      child.process.kill('SIGTERM');
      expect(await child.process.exited).toBe(0);
    } finally {
      killChildren();
      await cluster.stop();
    }
  }, 120_000);
});
