/**
 * `scopilot quota show|redrive` against the API on loopback (embedded engine, an aggregator
 * holding tenant acme to 1 flow): the figures in text and JSON, a redrive as admin, a viewer
 * refused, and bad flags exiting 2 before any request.
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { aggregatorActor } from '../../actors/aggregator/actor.ts';
import { loadConfig } from '../../config/mod.ts';
import type { ActorSystem } from '../../engine/actor/system.ts';
import { StreamName, subjectsFor } from '../../streams/mod.ts';
import { readAll, startSystem, waitFor } from '../../test/support/actors.ts';
import { startApi, TOKENS } from '../../test/support/api.ts';
import { FLAVOURS, type TestEngine } from '../../test/support/engines.ts';
import { observe, observed } from '../../test/support/pipeline.ts';
import { scopilot } from './testing.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
let te: TestEngine;
let system: ActorSystem;
let server: ReturnType<typeof Bun.serve>;
let base: string;

beforeAll(async () => {
  te = await embedded.open();
  const config = loadConfig({ SCOPILOT_QUOTAS__TENANTS: JSON.stringify([{ tenant: 'acme', flows: 1 }]) });
  const api = await startApi(te, { config });
  system = await startSystem(te, [aggregatorActor(te.ns, api.stores, undefined, { quotas: config.quotas })]);
  await observe(te, 'acme', observed({ dstPort: 1 }));
  await observe(te, 'acme', observed({ dstPort: 2 }));
  await waitFor(
    'one refused',
    async () =>
      (await readAll(te, StreamName.Dead, subjectsFor(te.ns).dead('acme', 'aggregator'))).length === 1,
  );
  server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: (req) => api.app.fetch(req) });
  base = `http://127.0.0.1:${server.port}`;
}, 30_000);

afterAll(async () => {
  server?.stop(true);
  await system?.drain();
  await te?.dispose();
});

describe('scopilot quota', () => {
  test('show: each quota with its limit and use, the refused flow pointing at redrive', async () => {
    for (const args of [['quota', 'show'], ['quota']]) {
      const r = await scopilot({ base, token: TOKENS.viewer }, ...args);
      expect(r.stderr).toBe('');
      expect(r.code).toBe(0);
      expect(r.stdout).toMatch(/^tenant +acme$/m);
      expect(r.stdout).toMatch(
        /^distinct flows +1 +1 +1 new flow refused, waiting for `scopilot quota redrive`$/m,
      );
      expect(r.stdout).toMatch(/^lines per second +50,000 +-$/m);
      expect(r.stdout).toMatch(/^open proposals +500 +0$/m);
    }
    const j = await scopilot({ base, token: TOKENS.viewer }, 'quota', 'show', '--format', 'json');
    expect(j.code).toBe(0);
    expect(JSON.parse(j.stdout)).toMatchObject({
      tenant: 'acme',
      quotas: { flows: 1 },
      usage: { flows: 1, refusedFlows: 1, refusedFlowsMore: false },
    });
  });

  test('redrive: admins only; it reports what was sent again', async () => {
    const viewer = await scopilot({ base, token: TOKENS.viewer }, 'quota', 'redrive');
    expect(viewer.code).toBe(1);
    expect(viewer.stderr).toMatch(/403|admin|forbidden/i);
    const r = await scopilot({ base, token: TOKENS.admin }, 'quota', 'redrive', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ tenant: 'acme', sent: 1, other: 0 });
    // The quota is still 1: refused again, it waits for the next redrive.
    await waitFor(
      'refused again',
      async () =>
        (await readAll(te, StreamName.Dead, subjectsFor(te.ns).dead('acme', 'aggregator'))).length === 2,
    );
    const again = await scopilot({ base, token: TOKENS.admin }, 'quota', 'redrive');
    expect(again.code).toBe(0);
    expect(again.stdout).toContain('1 refused flow of tenant acme sent again');
  });

  const NOWHERE = { base: 'http://127.0.0.1:1' };
  const bad: [string[], RegExp][] = [
    [['quota', 'show', '--format', 'yaml'], /unknown format "yaml"; one of text, json/],
    [['quota', 'show', '--json', '--format', 'text'], /--json and --format text disagree/],
    [['quota', 'redrive', '--force'], /Unknown option '--force'.*usage: scopilot quota redrive/],
    [['quota', 'show', 'acme'], /unexpected argument acme; usage: scopilot quota show/],
    [['quota', 'raise'], /unknown subcommand quota raise/],
  ];
  for (const [args, message] of bad) {
    test(`${args.join(' ')} exits 2`, async () => {
      const r = await scopilot(NOWHERE, ...args);
      expect(r.stderr).toMatch(message);
      expect(r.code).toBe(2);
      expect(r.stdout).toBe('');
    });
  }
});
