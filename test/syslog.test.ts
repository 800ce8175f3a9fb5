/**
 * The syslog receiver over real sockets on loopback, publishing into a real
 * (embedded) engine: UDP, TCP and TLS; RFC 3164, RFC 5424 and IOS's own
 * format; sender → tenant mapping; bad input, back-pressure and a failing
 * engine counted, never fatal; UDP bursts either received or counted as
 * dropped by the product or by the kernel, with the kernel's count in /metrics.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyslogReceiver, type SyslogReceiverOptions } from '../actors/tail/syslog/mod.ts';
import { metricsRoutes } from '../edge/metrics.ts';
import { silentLogger } from '../engine/log.ts';
import { Metrics } from '../observability/metrics.ts';
import { StreamName, subjectsFor } from '../streams/mod.ts';
import { GatedLog } from './fakes/gated-log.ts';
import {
  octetCounted,
  rfc3164,
  rfc5424,
  selfSignedCert,
  sgaclHit,
  tcpSender,
  tlsSender,
  type UdpSender,
  udpBlast,
  udpSender,
  write,
} from './fakes/syslog-sender.ts';
import { readAll, waitFor } from './support/actors.ts';
import { openTestEmbedded, type TestEngine } from './support/engines.ts';
import { sample } from './support/metrics.ts';

const ACME = '127.0.0.2';
const GLOBEX = '127.0.0.3';
const UNMAPPED = '127.0.0.1';
const TIMEOUT = 30_000;

interface Observed {
  hits: number;
  dstPort: number;
  source: string;
  switches: string[];
}

let te: TestEngine | null = null;
let receiver: SyslogReceiver | null = null;
const closers: (() => unknown)[] = [];
const dirs: string[] = [];

afterEach(async () => {
  for (const close of closers.splice(0).reverse()) await close();
  await receiver?.stop();
  receiver = null;
  await te?.dispose();
  te = null;
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

async function start(options: Partial<SyslogReceiverOptions> = {}): Promise<SyslogReceiver> {
  te ??= await openTestEmbedded();
  receiver = new SyslogReceiver({
    host: '127.0.0.1',
    udpPort: 0,
    tcpPort: 0,
    senders: [
      { from: `${ACME}/32`, tenant: 'acme' },
      { from: GLOBEX, tenant: 'globex' },
    ],
    log: te.engine.log,
    subjects: subjectsFor(te.ns),
    logger: silentLogger(),
    intervalMs: 100,
    ...options,
  });
  await receiver.start();
  return receiver;
}

async function observed(tenant: string): Promise<(Observed & { subject: string })[]> {
  const all = await readAll(te!, StreamName.Flows, subjectsFor(te!.ns).flowsObservedAll(tenant));
  return all.map((m) => ({ ...(m.json as { data: Observed }).data, subject: m.subject }));
}

const hits = async (tenant: string) => (await observed(tenant)).reduce((n, o) => n + o.hits, 0);

async function udp(from: string): Promise<UdpSender> {
  const sender = await udpSender(from);
  closers.push(() => sender.close());
  return sender;
}

function track(socket: Socket): Socket {
  closers.push(() => socket.destroy());
  return socket;
}

const counters = () => receiver!.health().counters;

/** Linux lists each UDP socket's drops in /proc/net/udp; elsewhere the kernel's count is unknown. */
const KERNEL_COUNTS = existsSync('/proc/net/udp');

/** net.core.rmem_max: the most an unprivileged SO_RCVBUF gets on Linux. */
const rmemMax = (): number => Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));

/** Wait until every datagram sent was received or dropped by the kernel, and every one received is handled. */
async function accountedFor(sent: number): Promise<Record<string, number>> {
  await waitFor('every datagram received or dropped by the kernel', () => {
    const c = counters();
    return c.received! + (c.udp_kernel_drops ?? 0) === sent;
  });
  await waitFor('every one received parsed, rejected, ignored or dropped', () => {
    const c = counters();
    return c.parsed! + c.rejected! + c.ignored! + c.dropped! === c.received;
  });
  return counters();
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

describe('syslog receiver', () => {
  test(
    'UDP: RFC 3164, RFC 5424 (structured data, BOM, NILVALUEs) and IOS format become deltas of the tenant',
    async () => {
      const metrics = new Metrics({ defaults: false });
      const r = await start({ metrics: metrics.ingest });
      const port = r.ports().udp!;
      const s = await udp(ACME);
      await s.send(port, rfc3164({ hits: 5 }, 'sw01'));
      await s.send(
        port,
        `${rfc5424({ hits: 7, dstPort: 22 }, 'sw02', '[exampleSDID@32473 iut="3"]', true)}\n`,
      );
      await s.send(port, `<190>1 - - - - - - ${sgaclHit({ hits: 11, dstPort: 22 })}`);
      await s.send(port, `<189>000123: *Jun 18 10:17:22.205 UTC: ${sgaclHit({ hits: 100, dstPort: 80 })}\0`);

      await waitFor('123 hits', async () => (await hits('acme')) === 123);
      const flows = await observed('acme');
      expect(flows.every((f) => f.source === 'syslog:udp')).toBe(true);
      expect(flows.every((f) => f.subject.includes('.acme.flows.observed.10.20'))).toBe(true);
      const byPort = new Map(flows.map((f) => [f.dstPort, f]));
      expect(byPort.get(443)?.switches).toEqual(['sw01']);
      expect(byPort.get(22)?.switches.sort()).toEqual([ACME, 'sw02']);
      expect(byPort.get(80)?.switches).toEqual([ACME]);
      expect(counters()).toMatchObject({ received: 4, parsed: 4, rejected: 0, ignored: 0, dropped: 0 });
      expect(r.health()).toMatchObject({ kind: 'syslog', state: 'up' });
      expect(r.health().lastReadAtMs).not.toBeNull();
      expect(await metrics.text()).toContain('scopilot_ingest_events_total{tenant="acme",source="syslog"} 4');
    },
    TIMEOUT,
  );

  test(
    'TCP: newline and octet-counted frames, many in one write and split across writes',
    async () => {
      const r = await start();
      const socket = track(await tcpSender(r.ports().tcp!, GLOBEX));
      socket.setNoDelay(true);
      // 100 newline-framed messages (LF, CRLF, NUL trailers) in one write: 100 hits.
      const trailers = ['\n', '\r\n', '\0'];
      await write(socket, Array.from({ length: 100 }, (_, i) => `${rfc3164()}${trailers[i % 3]}`).join(''));
      // 50 octet-counted messages of 2 hits, cut into 7-byte writes: 100 hits.
      const counted = new TextEncoder().encode(
        Array.from({ length: 50 }, () => octetCounted(rfc5424({ hits: 2, dstPort: 22 }))).join(''),
      );
      for (let i = 0; i < counted.length; i += 7) {
        await write(socket, counted.subarray(i, i + 7));
        if (i % 700 === 0) await Bun.sleep(1); // let some pieces arrive on their own
      }
      // Both methods on one connection, a message split mid-frame between them.
      const mixed = `${octetCounted(rfc3164({ hits: 3 }))}${rfc5424({ hits: 4 })}\n`;
      await write(socket, mixed.slice(0, 50));
      await Bun.sleep(5);
      await write(socket, mixed.slice(50));

      await waitFor('207 hits', async () => (await hits('globex')) === 207);
      const flows = await observed('globex');
      expect(flows.every((f) => f.source === 'syslog:tcp')).toBe(true);
      expect(counters()).toMatchObject({ received: 152, parsed: 152, dropped: 0, connections: 1 });
    },
    TIMEOUT,
  );

  test(
    'TLS with a self-signed certificate',
    async () => {
      const dir = mkdtempSync(join(tmpdir(), 'scopilot-syslog-'));
      dirs.push(dir);
      const { certFile, keyFile } = await selfSignedCert(dir);
      const r = await start({
        udpPort: undefined,
        tcpPort: undefined,
        tlsPort: 0,
        tlsCertFile: certFile,
        tlsKeyFile: keyFile,
      });
      expect(r.ports()).toEqual({ tls: expect.any(Number) });
      const socket = track(await tlsSender(r.ports().tls!, readFileSync(certFile, 'utf8'), ACME));
      await write(socket, octetCounted(rfc5424({ hits: 3 })) + octetCounted(rfc3164({ hits: 4 })));
      await write(socket, `${rfc5424({ hits: 5 })}\n`);
      await waitFor('12 hits', async () => (await hits('acme')) === 12);
      expect((await observed('acme')).every((f) => f.source === 'syslog:tls')).toBe(true);
      // An unknown sender is refused before the handshake: counted as such, not as a TLS error.
      await expect(tlsSender(r.ports().tls!, readFileSync(certFile, 'utf8'), UNMAPPED)).rejects.toThrow();
      await waitFor('refusal counted', () => counters().dropped_unknown_sender === 1);
      expect(counters()).toMatchObject({ received: 4, parsed: 3, tls_errors: 0, connections: 1 });
    },
    TIMEOUT,
  );

  test(
    'two sender ranges land in their own tenants; unmapped senders are dropped and counted',
    async () => {
      const r = await start();
      const port = r.ports().udp!;
      await (await udp(ACME)).send(port, rfc3164({ hits: 2, sgt: 5, dgt: 6 }));
      await (await udp(GLOBEX)).send(port, rfc3164({ hits: 3, sgt: 7, dgt: 8 }));
      await (await udp(UNMAPPED)).send(port, rfc3164({ hits: 1000 }));
      const stranger = track(await tcpSender(r.ports().tcp!, UNMAPPED));
      await write(stranger, `${rfc3164({ hits: 1000 })}\n`).catch(() => undefined);
      await new Promise((resolve) => stranger.once('close', resolve)); // closed by the receiver

      await waitFor('both tenants', async () => (await hits('acme')) === 2 && (await hits('globex')) === 3);
      expect((await observed('acme')).map((o) => o.subject)).toEqual([
        subjectsFor(te!.ns).flowsObserved('acme', 5, 6),
      ]);
      expect((await observed('globex')).map((o) => o.subject)).toEqual([
        subjectsFor(te!.ns).flowsObserved('globex', 7, 8),
      ]);
      await waitFor('drops counted', () => counters().dropped === 2);
      expect(counters()).toMatchObject({ received: 4, dropped_unknown_sender: 2, parsed: 2, connections: 0 });
    },
    TIMEOUT,
  );

  test(
    'IPv4 senders on a dual-stack listener are matched by their IPv4 address',
    async () => {
      const r = await start({ host: '::', tcpPort: undefined });
      const s = await udp(GLOBEX);
      await s.send(r.ports().udp!, `<190>${sgaclHit({ hits: 9 })}`, '127.0.0.1');
      await waitFor('9 hits', async () => (await hits('globex')) === 9);
      expect((await observed('globex'))[0]?.switches).toEqual([GLOBEX]);
    },
    TIMEOUT,
  );

  test(
    'garbage, oversize and other syslog are counted by reason; the receiver keeps working',
    async () => {
      const r = await start({ maxMessageBytes: 1024 });
      const port = r.ports().udp!;
      const s = await udp(ACME);
      await s.send(port, new Uint8Array([0xff, 0xfe, 0x00, 0x41, 0x0a]));
      await s.send(port, `<190>${'x'.repeat(2000)}`); // oversize
      await s.send(port, '\n\0'); // nothing but trailer: no frame
      await s.send(port, '<189>Jun 18 10:17:22 sw01 7: %SYS-5-CONFIG_I: Configured from console');
      await s.send(port, rfc3164({ sgt: 99_999 }));
      await s.send(port, `<190>1 - sw01 - - - [a@1 b="unclosed ${sgaclHit()}`);
      const socket = track(await tcpSender(r.ports().tcp!, ACME));
      await write(socket, `12x not a frame\n<190>${'y'.repeat(3000)}\n99999 `);
      await write(socket, new Uint8Array(99_999).fill(0x41)); // an oversize counted frame, skipped by length
      await write(socket, `${rfc3164({ hits: 6 })}\n${octetCounted(rfc3164({ hits: 7 }))}`);
      await s.send(port, rfc5424({ hits: 8 }));

      await waitFor('21 hits', async () => (await hits('acme')) === 21);
      await waitFor('everything accounted for', () => {
        const c = counters();
        return c.parsed! + c.rejected! + c.ignored! + c.dropped! === 12;
      });
      expect(counters()).toMatchObject({
        received: 12,
        parsed: 3,
        dropped_oversize: 3,
        dropped_bad_frame: 2,
        rejected: 2,
        rejected_tag_out_of_range: 1,
        rejected_bad_timestamp: 1,
        ignored: 2,
        not_syslog: 1,
        bad_header: 1,
      });
      expect(r.health().state).toBe('up');
    },
    TIMEOUT,
  );

  test(
    'a slow engine: UDP is dropped as queue_full, TCP is paused and loses nothing',
    async () => {
      te = await openTestEmbedded();
      const log = new GatedLog(te.engine.log);
      const r = await start({ log, maxPendingLines: 10, intervalMs: 50 });
      log.hold();
      const s = await udp(ACME);
      await s.send(r.ports().udp!, rfc3164());
      await waitFor('a batch held', () => log.waiting > 0);
      for (let i = 0; i < 30; i++) await s.send(r.ports().udp!, rfc3164());
      await waitFor('30 more received', () => counters().received === 31);
      expect(counters()).toMatchObject({ dropped_queue_full: 20 });

      const socket = track(await tcpSender(r.ports().tcp!, GLOBEX));
      await write(socket, `${rfc3164()}\n`);
      await waitFor('a tcp batch held', () => log.waiting > 1);
      for (let k = 0; k < 5; k++) {
        await write(socket, `${rfc3164()}\n`.repeat(100));
        await Bun.sleep(20);
      }
      await Bun.sleep(200);
      const tcpWhileHeld = counters().received! - 31;
      expect(tcpWhileHeld).toBeLessThanOrEqual(201); // paused: the rest waits in the socket buffers

      log.release();
      await waitFor('every tcp line', async () => (await hits('globex')) === 501);
      await waitFor('udp lines not dropped', async () => (await hits('acme')) === 11);
      expect(counters()).toMatchObject({ dropped: 20, dropped_queue_full: 20 });
    },
    TIMEOUT,
  );

  test(
    'a failing publish is retried with the same deltas; stop() publishes what is in hand',
    async () => {
      te = await openTestEmbedded();
      const log = new GatedLog(te.engine.log);
      const r = await start({ log, intervalMs: 60_000, retryBaseMs: 20 });
      // Two deltas per attempt: the first attempt loses both, the second one of them.
      log.refuse = 3;
      const s = await udp(ACME);
      await s.send(r.ports().udp!, rfc3164({ hits: 4 }));
      await s.send(r.ports().udp!, rfc3164({ hits: 5, dstPort: 22 }));
      await waitFor('received', () => counters().received === 2);
      await r.stop();
      receiver = null;
      expect(await hits('acme')).toBe(9);
      expect((await observed('acme')).length).toBe(2); // the delta published twice is stored once
      expect(r.health().counters).toMatchObject({ publish_failures: 2, deltas: 2, lost_deltas: 0 });
      expect(r.health()).toMatchObject({ state: 'down', detail: 'stopped' });
    },
    TIMEOUT,
  );

  test(
    'an engine that never takes the deltas: stop() gives up after its timeout and counts them as lost',
    async () => {
      te = await openTestEmbedded();
      const log = new GatedLog(te.engine.log);
      const r = await start({ log, intervalMs: 60_000, retryBaseMs: 20, stopTimeoutMs: 300 });
      log.refuse = Number.MAX_SAFE_INTEGER;
      await (await udp(ACME)).send(r.ports().udp!, rfc3164());
      await waitFor('received', () => counters().received === 1);
      const t = Date.now();
      await r.stop();
      receiver = null;
      expect(Date.now() - t).toBeLessThan(5_000);
      expect(r.health().counters).toMatchObject({ parsed: 1, deltas: 0, lost_deltas: 1 });
      expect(r.health().counters.publish_failures).toBeGreaterThan(1);
    },
    TIMEOUT,
  );

  test(
    'connections over the limit are closed at once; the open ones keep working',
    async () => {
      const r = await start({ maxConnections: 1 });
      const first = track(await tcpSender(r.ports().tcp!, ACME));
      await write(first, `${rfc3164({ hits: 2 })}\n`);
      await waitFor('2 hits', async () => (await hits('acme')) === 2);
      const second = track(await tcpSender(r.ports().tcp!, ACME));
      await new Promise((resolve) => second.once('close', resolve));
      await write(first, `${rfc3164({ hits: 3 })}\n`);
      await waitFor('5 hits', async () => (await hits('acme')) === 5);
      expect(counters()).toMatchObject({ connections: 1, refused_connections: 1 });
    },
    TIMEOUT,
  );

  test.if(KERNEL_COUNTS)(
    'UDP burst of 20,000 as fast as a sender can: each one received, or counted as dropped by us or the kernel',
    async () => {
      const requested = 262_144;
      const r = await start({ tcpPort: undefined, udpRcvbufBytes: requested });
      // The setting reaches the socket: Linux reports twice what it grants, up to net.core.rmem_max.
      expect(r.health().udp?.receiveBuffer).toEqual({
        requestedBytes: requested,
        kernelBytes: 2 * Math.min(requested, rmemMax()),
      });
      const lines = Array.from({ length: 50 }, (_, i) => rfc3164({ dstPort: 1_000 + i }));
      const sent = await udpBlast(r.ports().udp!, lines, 20_000, ACME);
      expect(sent).toBe(20_000);

      const c = await accountedFor(sent);
      const handled = c.parsed! + c.rejected! + c.ignored!;
      expect(handled + c.dropped! + c.udp_kernel_drops!).toBe(sent);
      expect(c.parsed).toBe(handled);
      expect(r.health().udp?.kernelDrops).toBe(c.udp_kernel_drops!);
      await waitFor('every parsed line published', async () => (await hits('acme')) === c.parsed);
    },
    TIMEOUT,
  );

  test.if(KERNEL_COUNTS)(
    'UDP into a receive buffer too small for the burst: the kernel drops some, and /metrics counts them',
    async () => {
      const metrics = new Metrics({ defaults: false });
      const r = await start({ tcpPort: undefined, udpRcvbufBytes: 1_024 });
      metrics.watchSources(() => [r.health()]);
      const app = metricsRoutes(metrics);
      const sent = await udpBlast(r.ports().udp!, [rfc3164()], 20_000, ACME);

      const c = await accountedFor(sent);
      expect(c.udp_kernel_drops).toBeGreaterThan(0);
      const text = await (await app.request('/metrics')).text();
      const labels = { source: r.name, kind: 'syslog', event: 'udp_kernel_drops' };
      expect(sample(text, 'scopilot_source_events_total', labels)).toBe(c.udp_kernel_drops);
      expect(sample(text, 'scopilot_source_events_total', { ...labels, event: 'received' })).toBe(c.received);

      // Once stopped, the last count read stays in health().
      await r.stop();
      receiver = null;
      expect(r.health().counters.udp_kernel_drops).toBe(c.udp_kernel_drops!);
    },
    TIMEOUT,
  );

  test.if(KERNEL_COUNTS)(
    'UDP read faster than it is handled: beyond the backlog the receiver drops datagrams and counts them',
    async () => {
      // The blast keeps this thread busy, so the listener's batches wait; 4 KB of them is the limit.
      const r = await start({ tcpPort: undefined, udpBacklogBytes: 4_096 });
      const sent = await udpBlast(r.ports().udp!, [rfc3164()], 5_000, ACME);
      const c = await accountedFor(sent);
      expect(c.dropped_queue_full).toBeGreaterThan(0);
      expect(c.parsed! + c.dropped_queue_full! + c.udp_kernel_drops!).toBe(sent);
    },
    TIMEOUT,
  );

  test('a port in use fails start() with a named error and leaves nothing bound', async () => {
    const first = await start();
    const udpPort = await freeUdpPort();
    const second = new SyslogReceiver({
      host: '127.0.0.1',
      udpPort,
      tcpPort: first.ports().tcp!,
      senders: [],
      log: te!.engine.log,
      subjects: subjectsFor(te!.ns),
      logger: silentLogger(),
    });
    await expect(second.start()).rejects.toMatchObject({ code: 'SYSLOG_BIND' });
    expect(second.health()).toMatchObject({ state: 'down' });
    // The UDP listener it had bound before the TCP one failed is closed again.
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(udpPort, '127.0.0.1', () => resolve());
    });
    await new Promise<void>((resolve) => socket.close(() => resolve()));
  });
});
