/**
 * The tail role and the WebEx bot as `scopilot serve` wires them from the
 * settings: a local file and a UDP syslog listener both report in /readyz and
 * /metrics (the listener with its receive buffer and kernel drops), a datagram from a switch becomes a flow over REST, its proposal is
 * posted to the operators room (loopback WebEx fake), and the webhook refuses
 * an unsigned delivery.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { createSocket } from 'node:dgram';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SyslogHealth } from '../actors/tail/syslog/mod.ts';
import { api, type Server, startServer } from '../cli/client/testing.ts';
import { rfc5424, udpSender } from './fakes/syslog-sender.ts';
import { deliver, deliveryBody, type FakeWebex, startFakeWebex } from './fakes/webex.ts';
import { waitFor } from './support/actors.ts';
import { killChildren } from './support/child.ts';
import { sample } from './support/metrics.ts';

const ROOM = 'room-operators';
const RCVBUF = 300_000;
const SECRET = 'webhook-secret-0123456789';

/** A UDP port free a moment ago. */
async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

let server: Server;
let webex: FakeWebex;
let udpPort: number;
const dir = mkdtempSync(join(tmpdir(), 'scopilot-sources-'));
const file = join(dir, 'switches.log');

beforeAll(async () => {
  webex = await startFakeWebex();
  udpPort = await freeUdpPort();
  writeFileSync(file, '');
  server = await startServer({
    env: {
      SCOPILOT_TAIL__FILES: JSON.stringify([{ path: file, tenant: 'default' }]),
      SCOPILOT_SYSLOG__HOST: '127.0.0.1',
      SCOPILOT_SYSLOG__UDP_PORT: String(udpPort),
      SCOPILOT_SYSLOG__UDP_RCVBUF_BYTES: String(RCVBUF),
      SCOPILOT_SYSLOG__SENDERS: JSON.stringify([{ from: '127.0.0.0/8', tenant: 'default' }]),
      SCOPILOT_WEBEX__BOT_ACCESS_TOKEN: webex.token,
      SCOPILOT_WEBEX__WEBHOOK_SECRET: SECRET,
      SCOPILOT_WEBEX__OPERATORS_ROOM_ID: ROOM,
      SCOPILOT_WEBEX__API_BASE_URL: webex.url,
      SCOPILOT_WEBEX__ALLOWED_APPROVERS: '@example.com',
    },
  });
}, 40_000);
afterAll(async () => {
  await server?.dispose();
  await webex?.stop();
  killChildren();
  rmSync(dir, { recursive: true, force: true });
});

const sources = async (): Promise<SyslogHealth[]> =>
  ((await (await fetch(`${server.url}/readyz`)).json()) as { sources: SyslogHealth[] }).sources;

describe('sources and the bot from the settings', () => {
  test('/readyz lists the file and the syslog listener, each up', async () => {
    const found = await sources();
    expect(found.map((s) => [s.kind, s.state])).toEqual([
      ['file', 'up'],
      ['syslog', 'up'],
    ]);
    expect(found[0]!.name).toBe(`file:${file}`);
  });

  test.if(existsSync('/proc/net/udp'))(
    'the UDP receive buffer setting reaches the socket; the kernel drops show in /readyz and /metrics',
    async () => {
      const syslog = (await sources()).find((s) => s.kind === 'syslog')!;
      // Linux reports twice what it grants, and grants at most net.core.rmem_max.
      const rmemMax = Number(readFileSync('/proc/sys/net/core/rmem_max', 'utf8'));
      expect(syslog.udp).toEqual({
        receiveBuffer: { requestedBytes: RCVBUF, kernelBytes: 2 * Math.min(RCVBUF, rmemMax) },
        kernelDrops: 0,
        kernelQueuedBytes: 0,
      });
      expect(syslog.counters.udp_kernel_drops).toBe(0);
      const metrics = await (await fetch(`${server.url}/metrics`)).text();
      const labels = { source: syslog.name, event: 'udp_kernel_drops' };
      expect(sample(metrics, 'scopilot_source_events_total', labels)).toBe(0);
    },
  );

  test('a datagram from a switch becomes a flow, is counted, and its proposal is posted to the room', async () => {
    const sender = await udpSender();
    await sender.send(udpPort, rfc5424({ sgt: 31, dgt: 32, dstPort: 8443, hits: 4 }));
    await sender.close();
    await waitFor('the flow over REST', async () => {
      const flows = (await (await api(server, 'GET', '/api/v1/flows')).json()) as {
        items: { flowId: string }[];
      };
      return flows.items.some((f) => f.flowId === '31-32-tcp-any-8443');
    });
    const syslog = (await sources()).find((s) => s.kind === 'syslog');
    expect(syslog?.counters).toMatchObject({ received: 1, parsed: 1 });
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    expect(sample(metrics, 'scopilot_source_up', { kind: 'syslog' })).toBe(1);
    expect(sample(metrics, 'scopilot_ingest_events_total', { tenant: 'default', source: 'syslog' })).toBe(1);
    expect(sample(metrics, 'scopilot_ingest_hits_total', { tenant: 'default', source: 'syslog' })).toBe(4);
    await waitFor('a card in the operators room', () => webex.posted.some((m) => m.roomId === ROOM));
    const card = webex.posted.find((m) => m.roomId === ROOM);
    expect(JSON.stringify(card)).toContain('AdaptiveCard');
  });

  test('the webhook is mounted and refuses an unsigned delivery', async () => {
    const body = deliveryBody('messages', { id: 'm1', roomId: ROOM, personId: 'p1' });
    const res = await deliver(`${server.url}/webhooks/webex`, body, { signature: null });
    expect(res.status).toBe(401);
    const signed = await deliver(`${server.url}/webhooks/webex`, body, { secret: SECRET });
    expect(signed.status).toBe(200);
  });
});
