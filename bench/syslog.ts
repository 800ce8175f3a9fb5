/**
 * The syslog receiver over UDP: a child process blasts datagrams of real
 * SGACLHIT lines (the corpus: every header style, a few percent other
 * syslog) as fast as it can for a few seconds, and the receiver parses,
 * aggregates and publishes them into an embedded engine in a temp dir.
 * Baseline beside it, measured in the same run with the same blaster: a bare
 * node:dgram socket that only counts datagrams. What the kernel drops (its
 * socket buffer overflowed) shows as sent − received. The two alternate for
 * two rounds and the better round of each is shown: other load on the machine
 * moves single runs a lot.
 *
 * `bun bench/syslog.ts --blast PORT SECONDS` is the blaster itself.
 * SCOPILOT_BENCH_SYSLOG_SECONDS sets each run's length (default 3).
 */
import { createSocket } from 'node:dgram';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { SyslogReceiver } from '../actors/tail/syslog/mod.ts';
import { openEmbeddedEngine } from '../engine/embedded/mod.ts';
import { silentLogger } from '../engine/log.ts';
import { ensureSchema } from '../kv-schema/mod.ts';
import { isolatedNamespace, subjectsFor } from '../streams/mod.ts';
import { corpusLines, emptyTruth } from './support/corpus.ts';

const SECONDS = Number(process.env.SCOPILOT_BENCH_SYSLOG_SECONDS ?? 3);
const ROUNDS = 2;
const BATCH = 64;
const fmt = (n: number) => Math.round(n).toLocaleString('en-US');

/** The child: send corpus datagrams to 127.0.0.1:PORT for SECONDS, then print how many. */
async function blast(port: number, seconds: number): Promise<void> {
  const encoder = new TextEncoder();
  const packets = [...corpusLines(20_000, emptyTruth(), 11)].map((line) => encoder.encode(line));
  let drained = Promise.withResolvers<void>();
  const socket = await Bun.udpSocket({
    connect: { hostname: '127.0.0.1', port },
    socket: { drain: () => drained.resolve() },
  });
  let sent = 0;
  let next = 0;
  const until = performance.now() + seconds * 1000;
  while (performance.now() < until) {
    const batch = packets.slice(next, next + BATCH);
    next = next + BATCH >= packets.length ? 0 : next + BATCH;
    const n = socket.sendMany(batch);
    sent += n;
    if (n < batch.length) {
      await drained.promise;
      drained = Promise.withResolvers<void>();
    }
  }
  socket.close();
  console.log(JSON.stringify({ sent }));
}

async function runBlaster(port: number): Promise<number> {
  const child = Bun.spawn([process.execPath, import.meta.path, '--blast', String(port), String(SECONDS)], {
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error('the blaster failed');
  return (JSON.parse(out) as { sent: number }).sent;
}

/** Baseline: a bare socket that counts datagrams and does nothing else. */
async function bareSocket(): Promise<{ sent: number; received: number }> {
  const socket = createSocket('udp4');
  let received = 0;
  socket.on('message', () => received++);
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    socket.setRecvBufferSize(8 * 1024 * 1024);
  } catch {
    // capped by the kernel: same for the receiver
  }
  const sent = await runBlaster(socket.address().port);
  await Bun.sleep(200); // the last datagrams in the socket buffer
  socket.close();
  return { sent, received };
}

async function receiver(): Promise<{ sent: number; counters: Record<string, number>; stopMs: number }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'scopilot-syslog-bench-'));
  const ns = isolatedNamespace(`sb${Date.now().toString(36)}`);
  const engine = await openEmbeddedEngine({ dataDir });
  await ensureSchema(engine, ns);
  const r = new SyslogReceiver({
    host: '127.0.0.1',
    udpPort: 0,
    senders: [{ from: '127.0.0.1', tenant: 'bench' }],
    log: engine.log,
    subjects: subjectsFor(ns),
    logger: silentLogger(),
  });
  await r.start();
  const sent = await runBlaster(r.ports().udp!);
  await Bun.sleep(200);
  const t = performance.now();
  await r.stop(); // publishes the interval in hand
  const stopMs = performance.now() - t;
  await engine.close();
  rmSync(dataDir, { recursive: true, force: true });
  return { sent, counters: r.health().counters, stopMs };
}

if (process.argv[2] === '--blast') {
  await blast(Number(process.argv[3]), Number(process.argv[4]));
  process.exit(0);
}

let bare = { sent: 0, received: -1 };
let ours = { sent: 0, counters: {} as Record<string, number>, stopMs: 0 };
for (let round = 0; round < ROUNDS; round++) {
  const b = await bareSocket();
  if (b.received > bare.received) bare = b;
  const r = await receiver();
  if ((r.counters.parsed ?? 0) >= (ours.counters.parsed ?? 0)) ours = r;
}
const c = ours.counters;
const accepted = c.parsed ?? 0;
const bareRate = bare.received / SECONDS;
const rate = accepted / SECONDS;
const drops = Object.entries(c)
  .filter(([k, v]) => k.startsWith('dropped_') && v > 0)
  .map(([k, v]) => `${k.slice('dropped_'.length)} ${fmt(v)}`);

console.log(
  `syslog over UDP: corpus datagrams blasted by a child process, ${SECONDS} s per run, better of ${ROUNDS} rounds`,
);
console.log(
  `  bare node:dgram socket, counting only   ${fmt(bareRate).padStart(10)} msgs/s received` +
    `   (sent ${fmt(bare.sent)}, received ${fmt(bare.received)}, lost in the kernel ${fmt(bare.sent - bare.received)})`,
);
console.log(
  `  scopilot syslog receiver                ${fmt(rate).padStart(10)} msgs/s accepted` +
    `   (${(rate / bareRate).toFixed(2)}× the bare socket)`,
);
console.log(
  `    sent ${fmt(ours.sent)}, received ${fmt(c.received ?? 0)}, lost in the kernel ${fmt(ours.sent - (c.received ?? 0))}; ` +
    `accepted ${fmt(accepted)}, other syslog ${fmt(c.ignored ?? 0)}, rejected ${fmt(c.rejected ?? 0)}, ` +
    `dropped ${fmt(c.dropped ?? 0)}${drops.length > 0 ? ` (${drops.join(', ')})` : ''}`,
);
console.log(
  `    ${fmt(c.deltas ?? 0)} deltas published, ${fmt(c.publish_failures ?? 0)} publish failures; stop() flushed in ${fmt(ours.stopMs)} ms`,
);
const accounted = accepted + (c.ignored ?? 0) + (c.rejected ?? 0) + (c.dropped ?? 0) === c.received;
console.log(`  every received datagram accounted for: ${accounted ? 'yes' : 'NO'}`);
process.exit(accepted > 0 && accounted && (c.lost_deltas ?? 0) === 0 ? 0 : 1);
