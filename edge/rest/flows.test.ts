/** REST /api/v1/flows and its SSE stream, on both engines. */
import { afterEach, describe, expect, test } from 'bun:test';
import { silentLogger } from '../../engine/log.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { FLAVOURS } from '../../test/support/engines.ts';
import { describeNats } from '../../test/support/nats.ts';
import { observe, observed } from '../../test/support/pipeline.ts';
import {
  approve,
  createManual,
  expectGuarded,
  expectProblem,
  inventoryRecord,
  type RestHarness,
  readUntil,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';
import { flowEventStream } from './flows-stream.ts';

interface FlowItem {
  flowId: string;
  hits: number;
  coverage: {
    status: string;
    covered: boolean;
    contract: string | null;
    ace: string | null;
    critical: boolean;
  };
}
interface FlowList {
  version: number;
  total: number;
  limit: number;
  items: FlowItem[];
}

/** Live subscriptions the embedded engine holds (it exposes the count); null on NATS. */
function liveSubscriptions(h: RestHarness): number | null {
  const log: unknown = h.te.engine.log;
  if (typeof log !== 'object' || log === null || !('live' in log)) return null;
  const live: unknown = log.live;
  return typeof live === 'object' && live !== null && 'size' in live ? Number(live.size) : null;
}

for (const flavour of FLAVOURS) {
  const suite = flavour.name === 'nats' ? describeNats : describe;
  suite(`REST flows on ${flavour.name}`, () => {
    let h: RestHarness;
    afterEach(async () => {
      await h?.stop();
    });

    async function seeded(): Promise<RestHarness> {
      h = await startRest(flavour);
      await seedFlows(h, 'acme', [
        inventoryRecord('10-20-tcp-any-443', { hits: 500, lastSeenMs: Date.UTC(2026, 5, 10) }),
        inventoryRecord('10-20-udp-any-53', { hits: 50, lastSeenMs: Date.UTC(2026, 5, 18) }),
        inventoryRecord('10-30-tcp-any-22', { hits: 5, lastSeenMs: Date.UTC(2026, 5, 12) }),
        inventoryRecord('30-10-tcp-443-any', { hits: 7, lastSeenMs: Date.UTC(2026, 5, 11) }),
      ]);
      await seedFlows(h, 'globex', [inventoryRecord('10-20-tcp-any-8080', { hits: 9 })]);
      return h;
    }

    const list = async (query = '', token: string = TOKENS.viewer): Promise<FlowList> => {
      const res = await h.api.request(`/api/v1/flows${query}`, { token });
      expect(res.status).toBe(200);
      return (await res.json()) as FlowList;
    };
    const ids = (l: FlowList) => l.items.map((i) => i.flowId);

    test('GET /flows: the inventory busiest first, each flow with its coverage', async () => {
      await seeded();
      const all = await list();
      expect(all.version).toBe(0);
      expect(all.total).toBe(4);
      expect(all.limit).toBe(200);
      expect(ids(all)).toEqual([
        '10-20-tcp-any-443',
        '10-20-udp-any-53',
        '30-10-tcp-443-any',
        '10-30-tcp-any-22',
      ]);
      const dns = all.items[1]!;
      expect(dns.coverage).toMatchObject({ status: 'uncovered', covered: false, critical: true });
      expect(all.items[0]).toMatchObject({ sgt: 10, dgt: 20, protocol: 'tcp', dstPort: 443, hits: 500 });
    });

    test('GET /flows: filters, limit and sort', async () => {
      await seeded();
      expect(ids(await list('?sgt=10&dgt=20'))).toEqual(['10-20-tcp-any-443', '10-20-udp-any-53']);
      expect(ids(await list('?protocol=udp'))).toEqual(['10-20-udp-any-53']);
      expect(ids(await list('?protocol=6&dgt=20'))).toEqual(['10-20-tcp-any-443']);
      // Either port: the reply of a service carries it as its source port.
      expect(ids(await list('?port=443'))).toEqual(['10-20-tcp-any-443', '30-10-tcp-443-any']);
      const limited = await list('?limit=2');
      expect(limited.total).toBe(4);
      expect(ids(limited)).toEqual(['10-20-tcp-any-443', '10-20-udp-any-53']);
      expect(ids(await list('?sort=lastSeen'))).toEqual([
        '10-20-udp-any-53',
        '10-30-tcp-any-22',
        '30-10-tcp-443-any',
        '10-20-tcp-any-443',
      ]);
    });

    test('GET /flows: coverage follows the live matrix once a proposal is applied', async () => {
      await seeded();
      const p = await createManual(h.api, { port: 443 });
      expect((await approve(h.api, p.id)).status).toBe(200);
      const after = await list('?sgt=10&dgt=20');
      expect(after.version).toBe(1);
      expect(after.items[0]!.coverage).toMatchObject({
        status: 'permitted',
        covered: true,
        ace: 'permit tcp dst eq 443',
      });
      expect(after.items[0]!.coverage.contract).toBeString();
      expect(after.items[1]!.coverage.status).toBe('uncovered');
    });

    test('GET /flows: auth, tenants and bad input', async () => {
      await seeded();
      await expectGuarded(h.api, 'GET', '/api/v1/flows', 'viewer');
      // Another tenant sees its own inventory only.
      expect(ids(await list('', TOKENS.other))).toEqual(['10-20-tcp-any-8080']);
      expect(ids(await list('?port=8080'))).toEqual([]);
      for (const q of [
        '?limit=0',
        '?limit=5001',
        '?sort=bytes',
        '?sgt=abc',
        '?dgt=70000',
        '?protocol=http',
        '?port=-1',
      ]) {
        const problem = await expectProblem(
          await h.api.request(`/api/v1/flows${q}`, { token: TOKENS.viewer }),
          400,
        );
        expect(problem.errors).toBeArray();
      }
      expect((await list('?limit=5000')).limit).toBe(5000);
    });

    test('GET /flows/stream: a published delta reaches a connected client, other tenants do not', async () => {
      h = await startRest(flavour);
      const abort = new AbortController();
      const res = await h.api.request('/api/v1/flows/stream', { token: TOKENS.viewer, signal: abort.signal });
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toStartWith('text/event-stream');
      const reader = res.body!.getReader();
      await readUntil(reader, (t) => t.includes(': subscribed'));
      await observe(h.te, 'globex', observed({ dstPort: 9999 }));
      await observe(h.te, 'acme', observed({ sgt: 10, dgt: 20, dstPort: 8443, hits: 42 }));
      const text = await readUntil(reader, (t) => t.includes('event: flow'));
      const frame = text.slice(text.indexOf('event: flow')).split('\n\n')[0]!;
      const lines = frame.split('\n');
      expect(lines[1]).toMatch(/^id: \d+$/);
      const delta = JSON.parse(lines.find((l) => l.startsWith('data: '))!.slice(6));
      expect(delta).toMatchObject({ sgt: 10, dgt: 20, protocol: 'tcp', dstPort: 8443, hits: 42 });
      expect(text).not.toContain('9999');
      if (flavour.name === 'embedded') expect(liveSubscriptions(h)).toBe(1);
      abort.abort();
      // The client went away: the stream ends (and the subscription with it).
      await expect(readUntil(reader, () => false, 5_000)).rejects.toThrow(/stream ended|aborted/i);
      if (flavour.name === 'embedded') expect(liveSubscriptions(h)).toBe(0);
    });

    test('GET /flows/stream: tag filters; auth; bad input', async () => {
      h = await startRest(flavour);
      const res = await h.api.request('/api/v1/flows/stream?dgt=30', { token: TOKENS.viewer });
      const reader = res.body!.getReader();
      await readUntil(reader, (t) => t.includes(': subscribed'));
      await observe(h.te, 'acme', observed({ dgt: 20, dstPort: 1111 }));
      await observe(h.te, 'acme', observed({ dgt: 30, dstPort: 2222 }));
      const text = await readUntil(reader, (t) => t.includes('2222'));
      expect(text).not.toContain('1111');
      await reader.cancel();
      if (flavour.name === 'embedded') expect(liveSubscriptions(h)).toBe(0);
      await expectGuarded(h.api, 'GET', '/api/v1/flows/stream', 'viewer');
      await expectProblem(await h.api.request('/api/v1/flows/stream?sgt=x', { token: TOKENS.viewer }), 400);
    });

    test('flow stream: heartbeats keep an idle connection alive', async () => {
      h = await startRest(flavour);
      const res = await flowEventStream({
        log: h.te.engine.log,
        subject: subjectsFor(h.te.ns).flowsObservedAll('acme'),
        logger: silentLogger(),
        heartbeatMs: 20,
      });
      const reader = res.body!.getReader();
      await readUntil(reader, (t) => t.split(': heartbeat').length > 2);
      await reader.cancel();
    });
  });
}
