/**
 * Tailing a remote file over SSH against a real in-process SSH server whose
 * SFTP serves a real directory: every line once across dropped connections
 * (at the follower and end-to-end through the tail and an engine), rotation
 * and truncation, host key refusal, and both kinds of authentication.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createHmac, randomBytes } from 'node:crypto';
import {
  appendFileSync,
  mkdtempSync,
  readFileSync,
  renameSync,
  rmSync,
  truncateSync,
  writeFileSync,
} from 'node:fs';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FileTail } from '../actors/tail/tail.ts';
import { sshTail } from '../cli/ssh-tail.ts';
import type { SshSource } from '../config/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { connectSsh, SshFollower, type SshTarget, sshSourceName } from '../integrations/ssh/mod.ts';
import { keys, openStores } from '../kv-schema/mod.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import { type FakeSsh, newKeyPair, startFakeSsh } from './fakes/ssh.ts';
import { readAll, waitFor } from './support/actors.ts';
import { FLAVOURS, openTestEmbedded, type TestEngine } from './support/engines.ts';
import { describeNats } from './support/nats.ts';

/** The line format of test/tail.test.ts; `n` numbers the line (a source port, so all lines are one flow). */
const line = (n: number) =>
  `${new Date().toISOString()} sw01 1: %RBM-6-SGACLHIT: ingress_interface='Gi1/0/1' sgacl_name='x' action='Permit' ` +
  `protocol='tcp' src-ip='10.0.0.1' src-port='${10_000 + n}' dest-ip='10.0.1.1' dest-port='443' sgt='10' dgt='20' logging_interval_hits='1'\n`;

const BACKOFF = { baseMs: 40, maxMs: 300 };
/** Generous for a loaded 2-core machine; each test takes a second or two. */
const TIMEOUT = 20_000;
const text = (b: Uint8Array) => new TextDecoder().decode(b);

let dir = '';
let fake: FakeSsh | null = null;
const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
  await fake?.close();
  fake = null;
  rmSync(dir, { recursive: true, force: true });
});

async function serve(options: Partial<Parameters<typeof startFakeSsh>[0]> = {}): Promise<FakeSsh> {
  dir = mkdtempSync(join(tmpdir(), 'scopilot-ssh-'));
  writeFileSync(join(dir, 'switch.log'), '');
  fake = await startFakeSsh({ root: dir, password: 'secret', ...options });
  return fake;
}

const local = () => join(dir, 'switch.log');

function target(f: FakeSsh): SshTarget {
  return {
    host: f.host,
    port: f.port,
    username: f.username,
    password: 'secret',
    hostKey: { fingerprint: f.fingerprint },
    readyTimeoutMs: 5_000,
  };
}

function follower(f: FakeSsh): SshFollower {
  const fl = new SshFollower({
    path: '/switch.log',
    from: 'start',
    backoff: BACKOFF,
    connect: () => connectSsh(target(f)),
  });
  cleanups.push(() => fl.close());
  return fl;
}

/** Polls the follower until `done` holds for what it handed out (after `out`), or the deadline passes. */
async function follow(
  fl: SshFollower,
  done: (out: string) => boolean,
  timeoutMs = 10_000,
  out = '',
): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (!done(out) && Date.now() < deadline) {
    const read = await fl.next();
    if (read === null) await Bun.sleep(10);
    else out += text(read.bytes);
  }
  return out;
}

/** Appends `count` numbered lines in bursts of 1–40 with short pauses; resolves with the count. */
async function write(path: string, count: number, from = 0): Promise<number> {
  for (let n = from; n < from + count; ) {
    let burst = '';
    for (const end = Math.min(from + count, n + 1 + Math.floor(Math.random() * 40)); n < end; n++)
      burst += line(n);
    appendFileSync(path, burst);
    await Bun.sleep(5 + Math.random() * 25);
  }
  return count;
}

describe('SshFollower over a real SSH server', () => {
  test(
    'connections dropped every few hundred ms: the bytes handed out are the file, each line once',
    async () => {
      const f = await serve({ dropAfterMs: () => 80 + Math.random() * 120 });
      const fl = follower(f);
      await fl.open();
      let written = false;
      void write(local(), 1_500).then(() => {
        written = true;
      });
      let out = await follow(fl, () => written, 15_000); // reading while the writer writes
      const content = readFileSync(local(), 'utf8');
      out = await follow(fl, (o) => o.length >= content.length, 15_000, out);
      expect(out.length).toBe(content.length);
      expect(out).toBe(content);
      expect(f.counts.dropped).toBeGreaterThanOrEqual(3);
      expect(fl.status().counters.reconnects).toBeGreaterThanOrEqual(3);
      expect(fl.status().counters.bytesRead).toBe(content.length);
    },
    TIMEOUT,
  );

  test(
    'rotation: the old file is read to its end (even its unterminated last line), then the new one',
    async () => {
      const f = await serve();
      writeFileSync(local(), 'old 1\n');
      const fl = follower(f);
      await fl.open();
      expect(await follow(fl, (o) => o === 'old 1\n')).toBe('old 1\n');
      const firstIno = fl.position.ino;
      appendFileSync(local(), 'old 2\n');
      renameSync(local(), `${local()}.1`);
      appendFileSync(`${local()}.1`, 'old 3, written after the rename\nold 4 without end');
      writeFileSync(local(), 'new 1\nnew 2\n');
      const expected = 'old 2\nold 3, written after the rename\nold 4 without endnew 1\nnew 2\n';
      expect(await follow(fl, (o) => o.length >= expected.length)).toBe(expected);
      expect(fl.position.ino).not.toBe(firstIno);
      expect(fl.position.offset).toBe('new 1\nnew 2\n'.length);
    },
    TIMEOUT,
  );

  test(
    'truncation in place starts again at 0; a saved position resumes in the same file, and at 0 in another',
    async () => {
      const f = await serve();
      writeFileSync(local(), 'a fairly long first line\nsecond\n');
      const fl = follower(f);
      await fl.open();
      expect(await follow(fl, (o) => o.endsWith('second\n'))).toBe('a fairly long first line\nsecond\n');
      truncateSync(local(), 0);
      appendFileSync(local(), 'x\n');
      expect(await follow(fl, (o) => o === 'x\n')).toBe('x\n');

      // A new follower from the saved position: same first line, so only what follows it.
      const saved = fl.position;
      await fl.close();
      appendFileSync(local(), 'y\n');
      const resumed = new SshFollower({
        path: '/switch.log',
        from: saved,
        connect: () => connectSsh(target(f)),
      });
      cleanups.push(() => resumed.close());
      await resumed.open();
      expect(await follow(resumed, (o) => o === 'y\n')).toBe('y\n');

      await resumed.close();
      renameSync(local(), `${local()}.1`);
      writeFileSync(local(), 'another file\n');
      const other = new SshFollower({
        path: '/switch.log',
        from: saved,
        connect: () => connectSsh(target(f)),
      });
      cleanups.push(() => other.close());
      await other.open();
      expect(await follow(other, (o) => o === 'another file\n')).toBe('another file\n');
    },
    TIMEOUT,
  );

  test(
    'a file that does not exist yet, or has no complete first line, is waited for',
    async () => {
      const f = await serve();
      rmSync(local());
      const fl = follower(f);
      await fl.open();
      const waiting = (detail: string) => async () => {
        expect(await fl.next()).toBeNull();
        return fl.status().detail === detail;
      };
      await waitFor('no file', waiting('waiting for /switch.log to exist'));
      expect(fl.status().state).toBe('connecting');
      writeFileSync(local(), 'partial first li');
      await waitFor('no first line', waiting('waiting for the first line of /switch.log'));
      appendFileSync(local(), 'ne\nsecond\n');
      expect(await follow(fl, (o) => o.endsWith('second\n'))).toBe('partial first line\nsecond\n');
      expect(fl.status().state).toBe('up');
    },
    TIMEOUT,
  );
});

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`ssh tail on ${flavour.name}`, () => {
    test(
      'connections dropped repeatedly, and a restart: the events published equal the lines written',
      async () => {
        const f = await serve({ dropAfterMs: () => 150 + Math.random() * 250 });
        const te = await flavour.open();
        cleanups.push(() => te.dispose());
        const source: SshSource = {
          host: f.host,
          port: f.port,
          username: f.username,
          path: '/switch.log',
          tenant: 'acme',
          password: 'secret',
          hostKeyFingerprint: f.fingerprint,
        };
        const start = async () => {
          const tail = await tailOf(te, source);
          await tail.start();
          return tail;
        };
        let tail = await start();
        let written = await write(local(), 700);
        await tail.stop();
        tail = await start(); // resumes from its cursor, keyed by the remote source's name
        cleanups.push(() => tail.stop());
        written += await write(local(), 700, 700);

        const observed = async () =>
          (await readAll(te, StreamName.Flows, subjectsFor(te.ns).flowsObservedAll('acme'))).map(
            (m) => (m.json as { data: { events: number; source: string } }).data,
          );
        const events = async () => (await observed()).reduce((sum, d) => sum + d.events, 0);
        await waitFor(`${written} events`, async () => (await events()) >= written, 15_000);
        await Bun.sleep(300); // anything extra would show up now
        expect(await events()).toBe(written);
        expect((await observed())[0]?.source).toBe(`ssh:log@127.0.0.1:${f.port}/switch.log`);
        expect(f.counts.dropped).toBeGreaterThanOrEqual(2);
        const health = tail.health();
        expect(health).toMatchObject({ name: `ssh:log@127.0.0.1:${f.port}/switch.log`, kind: 'ssh' });
        expect(health.counters.lines).toBeGreaterThan(0);
      },
      TIMEOUT,
    );
  });
}

describe('ssh tail: a pending range while the host is unreachable', () => {
  test(
    'is kept (not skipped) while the connection fails, then republished once',
    async () => {
      const f = await serve();
      const te = await openTestEmbedded();
      cleanups.push(() => te.dispose());
      const source: SshSource = {
        host: f.host,
        port: f.port,
        username: f.username,
        path: '/switch.log',
        tenant: 'acme',
        password: 'secret',
        hostKeyFingerprint: f.fingerprint,
      };
      const events = async () =>
        (await readAll(te, StreamName.Flows, subjectsFor(te.ns).flowsObservedAll('acme'))).reduce(
          (sum, m) => sum + (m.json as { data: { events: number } }).data.events,
          0,
        );
      const first = await tailOf(te, source);
      await first.start();
      appendFileSync(local(), line(1) + line(2));
      await waitFor('2 events', async () => (await events()) === 2);
      appendFileSync(local(), line(3)); // its own interval, so replaying it reuses its msgIds
      await waitFor('3 events', async () => (await events()) === 3);
      await first.stop();

      // As if the process died between publishing that interval and committing it.
      const stores = await openStores(te.engine, te.ns);
      const key = keys.cursor('tail', 'acme', sshSourceName(source));
      const cursor = (await stores.tailCursors.get(key))!.value;
      const start = cursor.offset - line(3).length;
      const pending = { ino: cursor.ino, start, end: cursor.offset };
      await stores.tailCursors.put(key, { ...cursor, offset: start, pending });

      const refused = await tailOf(te, { ...source, password: 'wrong' });
      await refused.start();
      await waitFor('down', () => refused.health().state === 'down');
      await waitFor('retries', () => (refused.health().counters.errors ?? 0) >= 3);
      await refused.stop();
      expect((await stores.tailCursors.get(key))?.value.pending).toEqual(pending);

      const again = await tailOf(te, source);
      await again.start();
      cleanups.push(() => again.stop());
      await waitFor('committed', async () => (await stores.tailCursors.get(key))?.value.pending === null);
      expect(again.health().counters.replayed).toBe(1);
      expect(await events()).toBe(3);
      appendFileSync(local(), line(4));
      await waitFor('4 events', async () => (await events()) === 4);
    },
    TIMEOUT,
  );
});

async function tailOf(te: TestEngine, source: SshSource): Promise<FileTail> {
  return sshTail(source, {
    log: te.engine.log,
    stores: await openStores(te.engine, te.ns),
    subjects: subjectsFor(te.ns),
    logger: silentLogger(),
    from: 'start',
    intervalMs: 100,
    pollMs: 20,
    backoff: BACKOFF,
    readyTimeoutMs: 5_000,
  });
}

describe('ssh tail: host keys and authentication', () => {
  let te: TestEngine;

  /** A started tail of the fake's file; trusts the fake's key by fingerprint unless told otherwise. */
  async function tailFor(settings: Partial<SshSource>): Promise<FileTail> {
    te = await openTestEmbedded();
    cleanups.push(() => te.dispose());
    const f = fake!;
    const trusted = settings.knownHostsFile ?? settings.hostKeyFingerprint;
    const source: SshSource = {
      host: f.host,
      port: f.port,
      username: f.username,
      path: '/switch.log',
      tenant: 'acme',
      ...(trusted === undefined ? { hostKeyFingerprint: f.fingerprint } : {}),
      ...settings,
    };
    const tail = await tailOf(te, source);
    await tail.start(); // never throws for a refused or unreachable host
    cleanups.push(() => tail.stop());
    return tail;
  }

  const events = async () =>
    (await readAll(te, StreamName.Flows, subjectsFor(te.ns).flowsObservedAll('acme'))).reduce(
      (sum, m) => sum + (m.json as { data: { events: number } }).data.events,
      0,
    );

  function knownHosts(...lines: string[]): string {
    const path = join(dir, 'known_hosts');
    writeFileSync(path, `${lines.join('\n')}\n`);
    return path;
  }

  test(
    'a pinned fingerprint of another key: refused, nothing read, health says why',
    async () => {
      const f = await serve();
      writeFileSync(local(), line(1));
      const tail = await tailFor({ password: 'secret', hostKeyFingerprint: newKeyPair().fingerprint });
      await waitFor('refused', () => tail.health().state === 'down');
      expect(tail.health().detail).toContain('host_key_mismatch');
      expect(tail.health().detail).toContain(f.fingerprint);
      expect(f.counts.authenticated).toBe(0);
      expect(f.counts.sftpReads).toBe(0);
      expect(await events()).toBe(0);
    },
    TIMEOUT,
  );

  test(
    'known_hosts without this host: refused as unknown',
    async () => {
      const f = await serve();
      writeFileSync(local(), line(1));
      const knownHostsFile = knownHosts(f.knownHostsLine('otherhost'), f.knownHostsLine('127.0.0.1')); // port 22 only
      const tail = await tailFor({ password: 'secret', knownHostsFile });
      await waitFor('refused', () => tail.health().state === 'down');
      expect(tail.health().detail).toContain('host_key_unknown');
      expect(f.counts.authenticated).toBe(0);
      expect(await events()).toBe(0);
    },
    TIMEOUT,
  );

  for (const form of ['[host]:port', 'hashed']) {
    test(
      `known_hosts with a ${form} entry: accepted, lines read`,
      async () => {
        const f = await serve();
        writeFileSync(local(), line(1) + line(2));
        const name = `[127.0.0.1]:${f.port}`;
        const salt = randomBytes(20);
        const hashed = `|1|${salt.toString('base64')}|${createHmac('sha1', salt).update(name).digest('base64')}`;
        const knownHostsFile = knownHosts(f.knownHostsLine(form === 'hashed' ? hashed : name));
        const tail = await tailFor({ password: 'secret', knownHostsFile });
        await waitFor('2 events', async () => (await events()) === 2);
        expect(tail.health().state).toBe('up');
      },
      TIMEOUT,
    );
  }

  test(
    'key authentication (an ed25519 key file) works',
    async () => {
      const client = newKeyPair();
      await serve({ authorizedKey: client.public, password: undefined });
      writeFileSync(local(), line(1));
      const privateKeyFile = join(dir, 'id_ed25519');
      writeFileSync(privateKeyFile, client.private, { mode: 0o600 });
      const tail = await tailFor({ privateKeyFile });
      await waitFor('1 event', async () => (await events()) === 1);
      expect(tail.health()).toMatchObject({ state: 'up', counters: { lines: 1 } });
    },
    TIMEOUT,
  );

  test(
    'a wrong password: down with a clear detail, retried with backoff, stops cleanly',
    async () => {
      const f = await serve();
      writeFileSync(local(), line(1));
      const tail = await tailFor({ password: 'wrong' });
      await waitFor('down', () => tail.health().state === 'down');
      expect(tail.health().detail).toBe(`auth_failed: 127.0.0.1:${f.port} refused authentication as log`);
      await waitFor('a retry', () => (tail.health().counters.connectFailures ?? 0) >= 2);
      expect(await events()).toBe(0);
      await tail.stop();
      expect(tail.health()).toMatchObject({ state: 'down', detail: 'stopped' });
    },
    TIMEOUT,
  );

  test(
    'an unreachable host: start() resolves, health is down with the reason, stop() is clean',
    async () => {
      await serve();
      const closedPort = await new Promise<number>((done) => {
        const probe = createServer().listen(0, '127.0.0.1', () => {
          const { port } = probe.address() as AddressInfo;
          probe.close(() => done(port));
        });
      });
      const tail = await tailFor({ password: 'secret', port: closedPort });
      await waitFor('down', () => tail.health().state === 'down');
      expect(tail.health().detail).toStartWith(`connect_failed: 127.0.0.1:${closedPort}`);
    },
    TIMEOUT,
  );
});
