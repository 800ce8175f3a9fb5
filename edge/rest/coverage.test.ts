/**
 * REST: a flow explained against the live matrix, the default-deny
 * simulation, the live classifications, and the channel headers of decisions.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { keys } from '../../kv-schema/mod.ts';
import { openTestEmbedded } from '../../test/support/engines.ts';
import {
  approve,
  createManual,
  expectGuarded,
  expectProblem,
  inventoryRecord,
  json,
  type RestHarness,
  seedFlows,
  startRest,
  TOKENS,
} from '../../test/support/rest-api.ts';
import type { DenySimulation, FlowExplanation } from './coverage.ts';

const flavour = { name: 'embedded' as const, available: true, open: openTestEmbedded };

describe('REST coverage, classifications and channels', () => {
  let h: RestHarness;
  afterEach(async () => h?.stop());

  /** Version 1 permits tcp/443 from 10 to 20; the inventory also holds DNS and ssh that nothing permits. */
  async function setup(): Promise<void> {
    h = await startRest(flavour);
    await seedFlows(h, 'acme', [
      inventoryRecord('10-20-tcp-any-443', { hits: 500, permitHits: 480, denyHits: 20 }),
      inventoryRecord('10-20-udp-any-53', { hits: 5 }),
      inventoryRecord('10-30-tcp-any-22', { hits: 40 }),
    ]);
    await h.api.stores.sgt.put(keys.sgt('acme', 10), {
      name: 'Employees',
      updatedBy: 't',
      updatedAt: new Date().toISOString(),
    });
    const p = await createManual(h.api);
    expect((await approve(h.api, p.id)).status).toBe(200);
  }

  const get = async <T>(path: string, token: string = TOKENS.viewer): Promise<T> => {
    const res = await h.api.request(path, { token });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  test('explain: permitted by an ACE, or uncovered and left to the default, with the evidence', async () => {
    await setup();
    const web = await get<FlowExplanation>('/api/v1/flows/10-20-tcp-any-443/explain');
    expect(web).toMatchObject({
      version: 1,
      status: 'permitted',
      decidedBy: 'ace',
      effect: 'permit',
      source: { tag: 10, name: 'Employees' },
      destination: { tag: 20, name: 'SGT20' },
      ace: { position: 1, text: 'permit tcp dst eq 443' },
      critical: false,
      evidence: { hits: 500, daysSeen: 4, observed: { permitHits: 480, denyHits: 20 } },
    });
    const dns = await get<FlowExplanation>('/api/v1/flows/10-20-udp-any-53/explain');
    expect(dns).toMatchObject({
      status: 'uncovered',
      decidedBy: 'default',
      ace: null,
      service: 'DNS',
      critical: true,
    });
    expect(dns.effect).toBe(dns.defaultRule === 'permit ip' ? 'permit' : 'deny');
    expect(dns.cellAces).toEqual(['permit tcp dst eq 443']);
    const ssh = await get<FlowExplanation>('/api/v1/flows/10-30-tcp-any-22/explain');
    expect(ssh).toMatchObject({ status: 'uncovered', contract: null, cellAces: [] });
    await expectProblem(
      await h.api.request('/api/v1/flows/10-20-tcp-any-80/explain', { token: TOKENS.viewer }),
      404,
    );
    await expectProblem(
      await h.api.request('/api/v1/flows/not-a-flow/explain', { token: TOKENS.viewer }),
      400,
    );
    await expectProblem(
      await h.api.request('/api/v1/flows/10-20-tcp-any-443/explain', { token: TOKENS.other }),
      404,
    );
    await expectGuarded(h.api, 'GET', '/api/v1/flows/10-20-tcp-any-443/explain', 'viewer');
  });

  test('simulate deny: the uncovered flows, critical infrastructure first, and the surviving share', async () => {
    await setup();
    const s = await get<DenySimulation>('/api/v1/matrix/simulate-deny');
    expect(s).toMatchObject({
      version: 1,
      totalHits: 545,
      coveredHits: 500,
      uncoveredHits: 45,
      criticalBlockers: 1,
      flows: { total: 3, covered: 1, uncovered: 2 },
    });
    expect(s.breaks.map((b) => [b.flowId, b.critical])).toEqual([
      ['10-20-udp-any-53', true],
      ['10-30-tcp-any-22', false],
    ]);
    expect(s.breaks[1]?.source).toEqual({ tag: 10, name: 'Employees' });
    expect((await get<DenySimulation>('/api/v1/matrix/simulate-deny?limit=1')).breaks).toHaveLength(1);
    await expectProblem(
      await h.api.request('/api/v1/matrix/simulate-deny?limit=0', { token: TOKENS.viewer }),
      400,
    );
    await expectGuarded(h.api, 'GET', '/api/v1/matrix/simulate-deny', 'viewer');
  });

  test('live classifications: guardrails and heuristics without a model, filtered, busiest first', async () => {
    await setup();
    type List = {
      source: string;
      total: number;
      items: { flowId: string; category: string; source: string }[];
    };
    const all = await get<List>('/api/v1/classifications');
    expect(all.source).toBe('inventory');
    expect(all.items.map((i) => i.flowId)).toEqual([
      '10-20-tcp-any-443',
      '10-30-tcp-any-22',
      '10-20-udp-any-53',
    ]);
    expect(all.items.every((i) => i.source === 'heuristic' || i.source === 'guardrail')).toBe(true);
    const page = await get<List>('/api/v1/classifications?limit=1');
    expect([page.total, page.items.map((i) => i.flowId)]).toEqual([3, ['10-20-tcp-any-443']]);
    const pair = await get<List>('/api/v1/classifications?sgt=10&dgt=30');
    expect(pair.items.map((i) => i.flowId)).toEqual(['10-30-tcp-any-22']);
    const category = all.items[0]?.category ?? '';
    const same = await get<List>(`/api/v1/classifications?category=${category}`);
    expect(same.items.every((i) => i.category === category)).toBe(true);
    await expectProblem(
      await h.api.request('/api/v1/classifications?category=nice', { token: TOKENS.viewer }),
      400,
    );
    await expectProblem(
      await h.api.request('/api/v1/classifications?run=nope', { token: TOKENS.viewer }),
      404,
    );
    await expectGuarded(h.api, 'GET', '/api/v1/classifications', 'viewer');
  });

  test('decisions: channel and client headers label the caller; only api and mcp are accepted', async () => {
    h = await startRest(flavour);
    const p = await createManual(h.api);
    const headers = { 'x-scopilot-channel': 'webex', 'x-scopilot-client': 'bot' };
    const spoof = await h.api.request(`/api/v1/proposals/${p.id}/reject`, {
      ...json({ reason: 'no' }, TOKENS.operator),
      headers: { 'content-type': 'application/json', ...headers },
    });
    expect(String((await expectProblem(spoof, 400)).detail)).toContain('x-scopilot-channel');
    const badClient = await h.api.request(`/api/v1/proposals/${p.id}/reject`, {
      ...json({ reason: 'no' }, TOKENS.operator),
      headers: {
        'content-type': 'application/json',
        'x-scopilot-channel': 'mcp',
        'x-scopilot-client': 'a\u0007b',
      },
    });
    await expectProblem(badClient, 400);
    const ok = await h.api.request(`/api/v1/proposals/${p.id}/reject`, {
      ...json({ reason: 'no' }, TOKENS.operator),
      headers: {
        'content-type': 'application/json',
        'x-scopilot-channel': 'mcp',
        'x-scopilot-client': 'claude-code',
      },
    });
    expect(ok.status).toBe(200);
    const stored = (await h.api.stores.proposals.get(keys.proposal('acme', p.id)))?.value;
    expect(stored?.decision?.channel).toBe('mcp');
    expect(stored?.decision?.by).toMatch(/^key:[0-9a-f]{8} \(claude-code\)$/);
    expect(stored?.history[0]?.channel).toBe('api');
  });
});
