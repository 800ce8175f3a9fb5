/**
 * `npm test`: probe NATS once, then run every test file with `bun test`.
 * Without a NATS server the NATS suites are skipped with one loud line,
 * unless SCOPILOT_TEST_REQUIRE_NATS=1 (CI) turns that into a failure.
 * Ends with one line, `N passed, N failed`.
 */
import { connect } from '@nats-io/transport-node';

const url = process.env.SCOPILOT_TEST_NATS_URL ?? 'nats://127.0.0.1:4222';
const requireNats = process.env.SCOPILOT_TEST_REQUIRE_NATS === '1';

async function natsAnswers(): Promise<string | null> {
  try {
    const nc = await connect({ servers: url, timeout: 2_000, reconnect: false });
    try {
      const info = nc.info;
      if (info?.jetstream !== true) return `${url} answers but JetStream is not enabled`;
      return null;
    } finally {
      await nc.close();
    }
  } catch (error) {
    return `${url}: ${(error as Error).message}`;
  }
}

const problem = await natsAnswers();
if (problem !== null) {
  if (requireNats) {
    console.error(
      `\nFAIL: SCOPILOT_TEST_REQUIRE_NATS=1 but no NATS JetStream server: ${problem}\n0 passed, 1 failed`,
    );
    process.exit(1);
  }
  console.error(
    `\n!!! NATS TESTS SKIPPED: no NATS JetStream server (${problem}). Only the embedded engine is tested. !!!\n`,
  );
}

const proc = Bun.spawn([process.execPath, 'test', '--timeout', '60000', ...process.argv.slice(2)], {
  env: { ...process.env, SCOPILOT_TEST_NATS: problem === null ? '1' : '0' },
  stdout: 'inherit',
  stderr: 'pipe',
});

// bun test writes its summary to stderr: pass it through and keep it to count.
let stderr = '';
const decoder = new TextDecoder();
for await (const chunk of proc.stderr) {
  const text = decoder.decode(chunk, { stream: true });
  stderr += text;
  process.stderr.write(text);
}
const code = await proc.exited;
const count = (label: string) => Number(stderr.match(new RegExp(`^\\s*(\\d+) ${label}$`, 'm'))?.[1] ?? 0);
const passed = count('pass');
const failed = count('fail') + (code !== 0 && count('fail') === 0 ? 1 : 0);
console.log(`${passed} passed, ${failed} failed`);
process.exit(code === 0 ? 0 : 1);
