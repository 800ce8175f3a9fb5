/**
 * NATS-adapter specifics the conformance suite cannot cover: behaviour across
 * reconnects and drain. The shared nats-server cannot be restarted, so the
 * engine under test connects through a loopback TCP proxy that the tests cut,
 * blackhole and restore.
 */
import { afterAll, beforeAll, expect, test } from 'bun:test';
import net from 'node:net';
import { describeNats, natsTestUrl, testPrefix } from '../../test/support/nats.ts';
import { EngineClosedError } from '../errors.ts';
import type { Engine } from '../types.ts';
import { openNatsEngine } from './mod.ts';

/** A TCP relay to nats-server that can drop connections and swallow replies. */
class TcpProxy {
  readonly #server: net.Server;
  readonly #sockets = new Set<net.Socket>();
  #down = false;
  #dropReplies = false;
  port = 0;

  constructor(host: string, port: number) {
    this.#server = net.createServer((client) => {
      if (this.#down) {
        client.destroy();
        return;
      }
      const upstream = net.connect(port, host);
      for (const s of [client, upstream]) {
        this.#sockets.add(s);
        s.on('error', () => {});
        s.on('close', () => {
          this.#sockets.delete(s);
          client.destroy();
          upstream.destroy();
        });
      }
      client.on('data', (d) => upstream.write(d));
      upstream.on('data', (d) => {
        if (!this.#dropReplies) client.write(d);
      });
    });
  }

  async start(): Promise<this> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve));
    const address = this.#server.address();
    if (address === null || typeof address === 'string') throw new Error('proxy has no port');
    this.port = address.port;
    return this;
  }

  /** Server → client bytes vanish; client → server still flows (a lost PubAck). */
  dropReplies(): void {
    this.#dropReplies = true;
  }

  /** Kill every relayed connection and refuse new ones. */
  cut(): void {
    this.#down = true;
    for (const s of this.#sockets) s.destroy();
  }

  restore(): void {
    this.#down = false;
    this.#dropReplies = false;
  }

  async stop(): Promise<void> {
    this.cut();
    await new Promise<void>((resolve) => this.#server.close(() => resolve()));
  }
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));
const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

async function until(check: () => boolean | Promise<boolean>, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return true;
    await sleep(50);
  }
  return check();
}

describeNats('nats adapter: reconnects and drain', () => {
  const prefix = testPrefix('natsad');
  const streamName = `${prefix}_events`;
  const root = `${prefix}.events`;
  let proxy: TcpProxy;
  let direct: Engine;
  let proxied: Engine;

  beforeAll(async () => {
    const url = new URL(natsTestUrl());
    proxy = await new TcpProxy(url.hostname, Number(url.port || 4222)).start();
    direct = await openNatsEngine({ servers: natsTestUrl(), name: 'nats-test-direct' });
    proxied = await openNatsEngine({
      servers: `nats://127.0.0.1:${proxy.port}`,
      name: 'nats-test-proxied',
      publishAttemptTimeoutMs: 1_500,
    });
    await direct.log.ensureStream({ name: streamName, subjects: [`${root}.>`] });
  });

  afterAll(async () => {
    await direct?.log.deleteStream(streamName);
    await proxied?.close();
    await direct?.close();
    await proxy?.stop();
  });

  const stored = async (subject: string): Promise<number> => {
    let n = 0;
    for await (const _ of direct.log.replay(streamName, { filterSubject: subject })) n++;
    return n;
  };

  test('a publish issued while the connection is down lands exactly once after reconnect', async () => {
    const subject = `${root}.down`;
    await proxied.log.publish(subject, enc('before'));
    proxy.cut();
    expect(await until(() => !proxied.isConnected(), 3_000)).toBe(true);
    const pending = proxied.log.publish(subject, enc('during'), { msgId: `${prefix}-during` });
    await sleep(1_200);
    expect(await stored(subject)).toBe(1);
    proxy.restore();
    const ack = await pending;
    expect(ack.stream).toBe(streamName);
    expect(await until(() => proxied.isConnected(), 5_000)).toBe(true);
    expect(await stored(subject)).toBe(2);
  }, 20_000);

  test('a publish whose PubAck is lost is retried with the same msgId and stored once', async () => {
    const subject = `${root}.lostack`;
    proxy.dropReplies();
    const pending = proxied.log.publish(subject, enc('once'));
    // The message reaches the server even though the client never hears back.
    expect(await until(async () => (await stored(subject)) === 1, 3_000)).toBe(true);
    await sleep(1_800); // past one attempt timeout: the retry goes out, its ack is lost too
    proxy.cut();
    proxy.restore();
    const ack = await pending;
    expect(ack.duplicate).toBe(false); // the msgId was ours: not the caller's duplicate
    await sleep(200);
    expect(await stored(subject)).toBe(1);
    const [m] = await Array.fromAsync(direct.log.replay(streamName, { filterSubject: subject }));
    expect(m?.seq).toBe(ack.seq);
    expect(m?.msgId).toBeString();
  }, 30_000);

  test('a durable consumer keeps receiving after a reconnect', async () => {
    await direct.log.ensureConsumer(streamName, {
      durable: 'survivor',
      filterSubject: `${root}.work`,
      ackWaitMs: 5_000,
    });
    const stream = await proxied.log.consume(streamName, 'survivor', { batch: 8 });
    const it = stream[Symbol.asyncIterator]();
    try {
      await direct.log.publish(`${root}.work`, enc('1'));
      const first = await it.next();
      expect(first.done).toBe(false);
      if (!first.done) expect(await first.value.ackAck()).toBe(true);
      proxy.cut();
      await sleep(300);
      proxy.restore();
      expect(await until(() => proxied.isConnected(), 5_000)).toBe(true);
      await direct.log.publish(`${root}.work`, enc('2'));
      const second = await Promise.race([it.next(), sleep(15_000).then(() => null)]);
      expect(second?.done).toBe(false);
      if (second && !second.done) {
        expect(new TextDecoder().decode(second.value.data)).toBe('2');
        second.value.ack();
      }
    } finally {
      await stream.stop();
    }
  }, 30_000);

  test('drain lets an in-flight rpc handler answer, then closes', async () => {
    const engine = await openNatsEngine({ servers: natsTestUrl(), name: 'nats-test-drain' });
    const subject = `${prefix}.rpc.slow`;
    let finished = false;
    engine.rpc.serve(subject, 'slow', async () => {
      await sleep(400);
      finished = true;
      return enc('done');
    });
    await sleep(50); // let the subscription reach the server
    const reply = direct.rpc.request(subject, enc('x'), 3_000);
    await sleep(100); // the handler is running now
    await engine.drain();
    expect(finished).toBe(true);
    expect(new TextDecoder().decode(await reply)).toBe('done');
    expect(engine.isConnected()).toBe(false);
    await expect(engine.log.publish(`${root}.closed`, enc('x'))).rejects.toBeInstanceOf(EngineClosedError);
    await engine.drain(); // idempotent
    await engine.close();
  });

  test('a publish in flight when drain starts still resolves with its PubAck', async () => {
    const engine = await openNatsEngine({ servers: natsTestUrl(), name: 'nats-test-drain-pub' });
    const pending = Array.from({ length: 20 }, (_, i) => engine.log.publish(`${root}.drain`, enc(`${i}`)));
    await engine.drain();
    const acks = await Promise.all(pending);
    expect(new Set(acks.map((a) => a.seq)).size).toBe(20);
    expect(await stored(`${root}.drain`)).toBe(20);
  });

  test('close() makes later calls fail with EngineClosedError', async () => {
    const engine = await openNatsEngine({ servers: natsTestUrl(), name: 'nats-test-close' });
    expect(engine.isConnected()).toBe(true);
    await engine.close();
    expect(engine.isConnected()).toBe(false);
    await expect(engine.log.publish(`${root}.closed`, enc('x'))).rejects.toBeInstanceOf(EngineClosedError);
    await expect(engine.rpc.request(`${root}.closed`, enc('x'))).rejects.toBeInstanceOf(EngineClosedError);
    await expect(engine.log.streamInfo(streamName)).rejects.toBeInstanceOf(EngineClosedError);
  });
});
