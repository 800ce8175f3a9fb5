/**
 * Syslog over UDP at fixed rates (10,000 and 50,000 lines/s unless
 * SCOPILOT_BENCH_SYSLOG_RATES says otherwise): a child process sends corpus
 * SGACLHIT lines (every header style, a few percent other syslog) at the
 * rate for SCOPILOT_BENCH_SYSLOG_SECONDS (default 3) to each receiver in turn:
 *
 * - baseline: a bare node:dgram socket that only counts (same buffer asked for);
 * - the syslog receiver alone, publishing into an embedded engine in a temp dir;
 * - the receiver inside `scopilot serve --role all`, sharing its process with
 *   every actor, the API and the embedded engine.
 *
 * Each line shows what was received, what the product dropped (by reason)
 * and what the kernel dropped (the socket's drops in /proc/net/udp, beside
 * what the product reports). Nothing may go missing: sent = received + kernel
 * drops, and the product must report the kernel's count.
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { readKernelUdpStats } from '../actors/tail/syslog/kernel.ts';
import { SyslogReceiver } from '../actors/tail/syslog/mod.ts';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { ensureSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { serveChild } from './support/serve.ts';
import { type Sent, sendAtRate } from './support/udp-send.ts';

const RATES = (process.env.SCOPILOT_BENCH_SYSLOG_RATES ?? '10000,50000').split(',').map(Number);
const SECONDS = Number(process.env.SCOPILOT_BENCH_SYSLOG_SECONDS ?? 3);
const RCVBUF = 8 * 1024 * 1024;
const HOST = '127.0.0.1';
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

interface Run {
  sent: Sent;
  received: number;
  /** From /proc/net/udp, read before the socket closed; null when unknown. */
  kernelDrops: number | null;
  /** What the product counted (undefined for the bare socket). */
  counters?: Record<string, number>;
  /** From the last line sent until every line was received or dropped (or nothing changed for 2 s). */
  settleMs: number;
}

/** Poll until sent = received + kernel drops, or nothing has changed for 2 s; how long that took. */
async function settle(sent: number, read: () => Promise<[number, number | null]>): Promise<number> {
  const started = performance.now();
  let last = '';
  let changedAt = started;
  while (performance.now() - started < 60_000) {
    const [received, kernel] = await read();
    if (received + (kernel ?? 0) >= sent) return performance.now() - started;
    const now = `${received}/${kernel}`;
    if (now !== last) [last, changedAt] = [now, performance.now()];
    else if (performance.now() - changedAt > 2_000) break;
    await Bun.sleep(20);
  }
  return changedAt - started;
}

const kernelDrops = (port: number) => readKernelUdpStats(HOST, port)?.drops ?? null;

async function bareSocket(rate: number, count: number): Promise<Run> {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()));
  socket.setRecvBufferSize(RCVBUF);
  const { port } = socket.address();
  const sent = await sendAtRate(port, rate, count);
  const settleMs = await settle(sent.sent, async () => [received, kernelDrops(port)]);
  const run = { sent, received, kernelDrops: kernelDrops(port), settleMs };
  socket.close();
  return run;
}

async function receiverAlone(rate: number, count: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-syslog-bench-'));
  const ns = isolatedNamespace(`sb${Date.now().toString(36)}`);
  const engine = await openEmbeddedEngine({ dataDir });
  await ensureSchema(engine, ns);
  const r = new SyslogReceiver({
    host: HOST,
    udpPort: 0,
    udpRcvbufBytes: RCVBUF,
    senders: [{ from: HOST, tenant: 'bench' }],
    log: engine.log,
    subjects: subjectsFor(ns),
    logger: silentLogger(),
  });
  await r.start();
  const port = r.ports().udp!;
  const sent = await sendAtRate(port, rate, count);
  const settleMs = await settle(sent.sent, async () => [
    r.health().counters.received ?? 0,
    kernelDrops(port),
  ]);
  const kernel = kernelDrops(port);
  await r.stop(); // publishes the interval in hand
  const counters = r.health().counters;
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { sent, received: counters.received ?? 0, kernelDrops: kernel, counters, settleMs };
}

async function freeUdpPort(): Promise<number> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, HOST, () => resolve()));
  const { port } = socket.address();
  await new Promise<void>((resolve) => socket.close(() => resolve()));
  return port;
}

async function served(rate: number, count: number): Promise<Run> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-syslog-bench-'));
  const port = await freeUdpPort();
  const server = await serveChild('all', {
    SCOPILOT_DATA_DIR: dataDir,
    SCOPILOT_SYSLOG__HOST: HOST,
    SCOPILOT_SYSLOG__UDP_PORT: String(port),
    SCOPILOT_SYSLOG__UDP_RCVBUF_BYTES: String(RCVBUF),
    SCOPILOT_SYSLOG__SENDERS: JSON.stringify([{ from: HOST, tenant: 'default' }]),
  });
  const counters = async (): Promise<Record<string, number>> => {
    const ready = (await (await fetch(`${server.url}/readyz`)).json()) as {
      sources?: { kind: string; counters: Record<string, number> }[];
    };
    return ready.sources?.find((s) => s.kind === 'syslog')?.counters ?? {};
  };
  try {
    const sent = await sendAtRate(port, rate, count);
    const settleMs = await settle(sent.sent, async () => [
      (await counters()).received ?? 0,
      kernelDrops(port),
    ]);
    const kernel = kernelDrops(port);
    const c = await counters();
    return { sent, received: c.received ?? 0, kernelDrops: kernel, counters: c, settleMs };
  } finally {
    await server.stop();
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** One line of the report; false when something went missing or the product did not report the kernel's count. */
function report(label: string, run: Run): boolean {
  // Per second from the first line sent until the last one was in hand.
  const seconds = (run.sent.ms + run.settleMs) / 1_000;
  const kernel = run.kernelDrops;
  let line = `    ${label.padEnd(38)} received ${fmt(run.received).padStart(8)} (${fmt(run.received / seconds).padStart(7)}/s, ${fmt(run.settleMs).padStart(4)} ms after the last)`;
  const c = run.counters;
  let ok = kernel === null || run.received + kernel === run.sent.sent;
  if (c !== undefined) {
    const reasons = Object.entries(c)
      .filter(([k, n]) => k.startsWith('dropped_') && n > 0)
      .map(([k, n]) => `${k.slice('dropped_'.length)} ${fmt(n)}`);
    line += `   product drops ${fmt(c.dropped ?? 0)}${reasons.length > 0 ? ` (${reasons.join(', ')})` : ''}`;
  }
  line += `   kernel drops ${kernel === null ? 'unknown' : fmt(kernel)}`;
  if (c !== undefined) {
    const reported = c.udp_kernel_drops;
    line += reported === undefined ? ', not reported by the product' : `, reported ${fmt(reported)}`;
    ok &&= reported !== undefined && (kernel === null || reported === kernel);
  }
  console.log(`${line}   accounted for: ${ok ? 'yes' : 'NO'}`);
  return ok;
}

console.log(
  `syslog over UDP at fixed rates: corpus lines from a child process, ${SECONDS} s per run, ${fmt(RCVBUF)} B receive buffer asked for`,
);
let failed = 0;
for (const rate of RATES) {
  const count = Math.round(rate * SECONDS);
  console.log(`  ${fmt(rate)} lines/s, ${fmt(count)} lines`);
  report('bare node:dgram socket, counting only', await bareSocket(rate, count));
  if (!report('scopilot receiver alone', await receiverAlone(rate, count))) failed++;
  if (!report('scopilot serve --role all', await served(rate, count))) failed++;
}
process.exit(failed === 0 ? 0 : 1);
