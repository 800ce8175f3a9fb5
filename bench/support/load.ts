/**
 * An open-loop HTTP load generator, run as its own process by the API bench:
 * `bun load.ts URL TOKEN RATE SECONDS` fires RATE requests a second whatever
 * the server does (so slow answers show as latency, not as fewer requests)
 * and prints {sent, ok, errors, p50, p90, p99, max} in milliseconds as JSON.
 */
const [url, token, rateText, secondsText] = process.argv.slice(2);
const rate = Number(rateText ?? 500);
const seconds = Number(secondsText ?? 10);
const headers = token ? { authorization: `Bearer ${token}` } : undefined;
const latencies: number[] = [];
let errors = 0;
let sent = 0;
const pending: Promise<void>[] = [];

const fire = async () => {
  const t = performance.now();
  try {
    const res = await fetch(url ?? '', { headers });
    await res.arrayBuffer();
    if (res.ok) latencies.push(performance.now() - t);
    else errors++;
  } catch {
    errors++;
  }
};

const start = performance.now();
const total = rate * seconds;
while (sent < total) {
  const due = Math.floor(((performance.now() - start) / 1000) * rate);
  while (sent < Math.min(due, total)) {
    pending.push(fire());
    sent++;
  }
  await Bun.sleep(1);
}
await Promise.all(pending);
latencies.sort((a, b) => a - b);
const at = (q: number) =>
  Number((latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? 0).toFixed(2));
console.log(
  JSON.stringify({
    sent,
    ok: latencies.length,
    errors,
    p50: at(0.5),
    p90: at(0.9),
    p99: at(0.99),
    max: at(1),
  }),
);
