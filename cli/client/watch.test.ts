/**
 * `scopilot watch` against a real server: one line per flow delta as traffic
 * is ingested, a reconnect when the server restarts, Ctrl-C ends it with 0.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { waitFor } from '../../test/support/actors.ts';
import { killChildren } from '../../test/support/child.ts';
import { api, cliEnv, hitLine, ingest, MAIN, type Server, startServer } from './testing.ts';

/** A `scopilot watch` process whose output is collected line by line. */
class Watcher {
  readonly proc;
  readonly out: string[] = [];
  readonly err: string[] = [];
  constructor(server: Server, args: string[]) {
    this.proc = Bun.spawn([process.execPath, MAIN, 'watch', ...args], {
      env: cliEnv(server),
      stdout: 'pipe',
      stderr: 'pipe',
    });
    void this.#collect(this.proc.stdout, this.out);
    void this.#collect(this.proc.stderr, this.err);
  }
  async #collect(stream: ReadableStream<Uint8Array>, into: string[]) {
    let buffer = '';
    const decoder = new TextDecoder();
    for await (const chunk of stream) {
      buffer += decoder.decode(chunk, { stream: true });
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      into.push(...lines);
    }
  }
  waitErr(pattern: RegExp, ms = 20_000) {
    return waitFor(`watch stderr ${pattern}`, () => this.err.some((l) => pattern.test(l)), ms);
  }
  waitOut(pattern: RegExp, ms = 20_000) {
    return waitFor(`watch stdout ${pattern}`, () => this.out.some((l) => pattern.test(l)), ms);
  }
}

let server: Server;
const watchers: Watcher[] = [];

beforeAll(async () => {
  server = await startServer();
  await api(server, 'PUT', '/api/v1/sgts/10', {
    body: JSON.stringify({ name: 'Employees' }),
    headers: { 'content-type': 'application/json' },
  });
}, 40_000);
afterAll(async () => {
  for (const w of watchers) w.proc.kill(9);
  await server?.dispose();
  killChildren();
});

const watch = (...args: string[]): Watcher => {
  const w = new Watcher(server, args);
  watchers.push(w);
  return w;
};

describe('scopilot watch', () => {
  test('an idle watch stays connected and quiet (the server’s heartbeats keep it open)', async () => {
    const w = watch();
    await w.waitErr(/watching flows/);
    await Bun.sleep(20_000);
    expect(w.err.filter((l) => !l.includes('watching flows'))).toEqual([]);
    w.proc.kill('SIGINT');
    expect(await w.proc.exited).toBe(0);
  }, 40_000);

  test('--sgt filters, --json prints each delta as one JSON line, --count ends it', async () => {
    const w = watch('--sgt', '11', '--json', '--count', '2');
    await w.waitErr(/watching flows/);
    await ingest(server, [
      hitLine({ sgt: 10, dgt: 20, dstPort: 8443, hits: 1 }),
      hitLine({ sgt: 11, dgt: 20, dstPort: 443, hits: 7 }),
      hitLine({ sgt: 11, dgt: 21, dstPort: 443, hits: 8 }),
    ]);
    expect(await w.proc.exited).toBe(0);
    const deltas = w.out.map((l) => JSON.parse(l) as { sgt: number; dgt: number; hits: number });
    expect(deltas.map((d) => [d.sgt, d.dgt, d.hits]).sort()).toEqual([
      [11, 20, 7],
      [11, 21, 8],
    ]);
  }, 30_000);
  test('prints one line per flow delta, reconnects after the server restarts, and Ctrl-C exits 0', async () => {
    const w = watch();
    await w.waitErr(new RegExp(`^scopilot: watching flows at ${server.url}; Ctrl-C to stop$`));
    await ingest(server, [
      hitLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 5 }),
      hitLine({ sgt: 10, dgt: 30, protocol: 'udp', dstPort: 53, hits: 2 }),
    ]);
    // Tags read with their names where the dictionary has one.
    await w.waitOut(/^\S+Z {2}Employees \(10\) → 20 {2}tcp\/443 {2}hits 5 {2}events 1 {2}permit$/);
    await w.waitOut(/^\S+Z {2}Employees \(10\) → 30 {2}udp\/53 {2}hits 2 {2}events 1 {2}permit$/);
    expect(w.out).toHaveLength(2);

    // The server goes away and comes back on the same address with the same data.
    const { port, dataDir } = server;
    await server.stop();
    await w.waitErr(/^scopilot: .+; reconnecting in \d+\.\d s$/);
    server = await startServer({ port, dataDir });
    await w.waitErr(/^scopilot: reconnected$/, 40_000);
    await ingest(server, [hitLine({ sgt: 10, dgt: 40, dstPort: 22, hits: 3 })]);
    await w.waitOut(/ Employees \(10\) → 40 {2}tcp\/22 {2}hits 3 /);

    w.proc.kill('SIGINT');
    expect(await w.proc.exited).toBe(0);
    expect(w.out).toHaveLength(3);
  }, 90_000);
});
