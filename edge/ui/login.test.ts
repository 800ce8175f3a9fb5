/**
 * The dashboard's sign-in over a real socket: bodies bounded while they
 * stream, server-side sessions that end at sign-out, throttled failures.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { FLAVOURS } from '../../test/support/engines.ts';
import { type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import { UI_BODY_LIMIT } from './mod.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;

let h: RestHarness;
let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(async () => {
  server?.stop(true);
  server = undefined;
  await h?.stop();
});

/** The harness's app on a loopback port, as `serve` runs it. */
async function listen(): Promise<string> {
  h = await startRest(embedded);
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: h.api.app.fetch });
  return `http://127.0.0.1:${server.port}`;
}

/** A body of `total` bytes made on demand, counting what the server pulled. */
function endless(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new Uint8Array(64 * 1024).fill(0x61);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= total) return ctrl.close();
      pulled += chunk.byteLength;
      ctrl.enqueue(chunk);
    },
  });
  return { body, pulled: () => pulled };
}

describe('form bodies', () => {
  test('a 120 MB streamed sign-in body (under Bun’s own 128 MiB cap) is refused with 413 after reading a bounded amount', async () => {
    const base = await listen();
    const { body, pulled } = endless(120 << 20);
    const started = performance.now();
    const res = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body,
      duplex: 'half',
    } as RequestInit);
    expect(res.status).toBe(413);
    expect(await res.text()).toContain('Payload too large');
    expect(performance.now() - started).toBeLessThan(5_000);
    await Bun.sleep(300);
    // The limit plus what sockets buffer: nowhere near the 120 MB offered.
    expect(pulled()).toBeLessThan(16 << 20);
  });

  test('a declared length over the limit is refused before reading; a form under it is served', async () => {
    const base = await listen();
    const big = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: `token=${'x'.repeat(UI_BODY_LIMIT)}`,
    });
    expect(big.status).toBe(413);
    const ok = await fetch(`${base}/ui/login`, {
      method: 'POST',
      headers: { origin: base, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: TOKENS.viewer, next: '/ui' }).toString(),
      redirect: 'manual',
    });
    expect(ok.status).toBe(303);
  });
});
