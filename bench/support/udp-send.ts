/**
 * A switch (or many) sending syslog over UDP at a fixed rate, in a process of
 * its own so the receiver's process does not pace it: `sendAtRate` spawns
 * this file, which sends COUNT corpus lines to 127.0.0.1:PORT at RATE lines/s
 * (a few dozen every millisecond, by the clock, so it catches up after a
 * stall) and prints how many it sent and how long that took.
 */
import { corpusLines, emptyTruth } from './corpus.ts';

export interface Sent {
  sent: number;
  ms: number;
}

export async function sendAtRate(port: number, rate: number, count: number): Promise<Sent> {
  const child = Bun.spawn([process.execPath, import.meta.path, String(port), String(rate), String(count)], {
    stdout: 'pipe',
    stderr: 'inherit',
  });
  const out = await new Response(child.stdout).text();
  if ((await child.exited) !== 0) throw new Error('the UDP sender failed');
  return JSON.parse(out) as Sent;
}

async function send(port: number, rate: number, count: number): Promise<Sent> {
  const encoder = new TextEncoder();
  const packets = [...corpusLines(20_000, emptyTruth(), 11)].map((line) => encoder.encode(line));
  let drained = Promise.withResolvers<void>();
  const socket = await Bun.udpSocket({
    connect: { hostname: '127.0.0.1', port },
    socket: { drain: () => drained.resolve() },
  });
  let sent = 0;
  const started = performance.now();
  while (sent < count) {
    const due = Math.min(count, Math.floor(((performance.now() - started) / 1_000) * rate));
    while (sent < due) {
      const at = sent % packets.length;
      const batch = packets.slice(at, at + Math.min(64, due - sent));
      const n = socket.sendMany(batch);
      sent += n;
      if (n < batch.length) {
        await drained.promise;
        drained = Promise.withResolvers<void>();
      }
    }
    if (sent < count) await Bun.sleep(1);
  }
  const ms = performance.now() - started;
  socket.close();
  return { sent, ms };
}

if (import.meta.main) {
  const [port, rate, count] = process.argv.slice(2).map(Number);
  console.log(JSON.stringify(await send(port!, rate!, count!)));
}
