/**
 * The ISE tools over MCP, in-process against the REST API with the real sync
 * and the loopback ISE simulator: the read tools are always offered; the
 * write tools only behind their gate, refused when called anyway, and even
 * with the gate open only for admins. A refused call writes nothing to ISE.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { InMemoryTransport } from '@modelcontextprotocol/sdk/inMemory.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import { FLAVOURS } from '../../test/support/engines.ts';
import { type IseHarness, startIseApi, TOKENS } from '../../test/support/ise.ts';
import { approve, createManual, json } from '../../test/support/rest-api.ts';
import { inProcessApi } from './api.ts';
import { createMcpServer, NO_GATES } from './server.ts';
import type { Gates } from './tool.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;

let h: IseHarness | undefined;
const clients: Client[] = [];
afterEach(async () => {
  await Promise.all(clients.splice(0).map((c) => c.close()));
  await h?.stop();
  h = undefined;
});

async function connect(harness: IseHarness, token: string, gates: Gates): Promise<Client> {
  const app = harness.api.app;
  const api = inProcessApi({
    fetch: (r) => app.fetch(r),
    origin: 'http://api.test',
    authorization: `Bearer ${token}`,
    client: () => 'ise-test',
  });
  const server = createMcpServer({ api, gates });
  const [a, b] = InMemoryTransport.createLinkedPair();
  await server.connect(a);
  const client = new Client({ name: 'ise-test', version: '1' });
  await client.connect(b);
  clients.push(client);
  return client;
}

const call = async (c: Client, name: string, args: Record<string, unknown>) =>
  (await c.callTool({ name, arguments: args })) as CallToolResult;
const textOf = (r: CallToolResult): string => (r.content[0] as { text?: string } | undefined)?.text ?? '';

describe('ISE tools over MCP', () => {
  test('without the gate: ise_push and ise_import are not listed, refused when called, and ISE sees no write', async () => {
    h = await startIseApi(embedded);
    const client = await connect(h, TOKENS.admin, NO_GATES);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toEqual(expect.arrayContaining(['ise_status', 'ise_plan', 'ise_drift']));
    expect(names).not.toContain('ise_push');
    expect(names).not.toContain('ise_import');

    const before = h.sim.traffic.requests.length;
    for (const [tool, args] of [
      ['ise_push', { stage: 'monitor' }],
      ['ise_import', {}],
    ] as const) {
      const refused = await call(client, tool, args);
      expect(refused.isError).toBe(true);
      expect(textOf(refused)).toContain('SCOPILOT_MCP__ALLOW_ISE_WRITE');
    }
    expect(h.sim.traffic.requests.length).toBe(before);
    expect(h.sim.traffic.writes).toBe(0);

    const status = await call(client, 'ise_status', {});
    expect(status.isError).toBeFalsy();
    expect(status.structuredContent).toMatchObject({ tenant: 'acme', configured: true, url: h.sim.url });
  });

  test('with the gate open, an operator is still refused by the API (admin only), and ISE sees no write', async () => {
    h = await startIseApi(embedded);
    const open = { ...NO_GATES, iseWrite: true };
    const operator = await connect(h, TOKENS.operator, open);
    expect((await operator.listTools()).tools.map((t) => t.name)).toContain('ise_push');
    const refused = await call(operator, 'ise_push', { stage: 'monitor' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('Forbidden (403)');
    expect((await call(operator, 'ise_import', {})).isError).toBe(true);
    expect(h.sim.traffic.writes).toBe(0);
  });

  test('with the gate open, an admin plans and pushes: the cell reaches ISE as MONITOR, tags named in the text', async () => {
    h = await startIseApi(embedded);
    const p = await createManual(h.api, { sgt: 10, dgt: 20, port: 443 });
    expect((await approve(h.api, p.id)).status).toBe(200);
    await h.api.request('/api/v1/sgts/10', json({ name: 'Employees' }, TOKENS.admin, 'PUT'));
    const client = await connect(h, TOKENS.admin, { ...NO_GATES, iseWrite: true });
    const plan = await call(client, 'ise_plan', { stage: 'monitor' });
    expect(plan.isError).toBeFalsy();
    expect(textOf(plan)).toContain('| create-cell | Employees (10) → Web\\_Servers (20) | MONITOR |');
    expect(h.sim.traffic.writes).toBe(0);
    const pushed = await call(client, 'ise_push', { stage: 'monitor' });
    expect(pushed.isError).toBeFalsy();
    expect(textOf(pushed)).toContain('**Pushed monitor of version 1**');
    const src = h.sim.state.sgtByValue(10)!;
    const dst = h.sim.state.sgtByValue(20)!;
    expect(h.sim.state.cellFor(src.id, dst.id)?.matrixCellStatus).toBe('MONITOR');
  });

  test('bad arguments are named before anything is called', async () => {
    h = await startIseApi(embedded);
    const client = await connect(h, TOKENS.admin, { ...NO_GATES, iseWrite: true });
    const bad = await call(client, 'ise_push', { stage: 'enforce-now' });
    expect(bad.isError).toBe(true);
    expect(textOf(bad)).toContain(
      'Invalid arguments for ise_push: stage: must be monitor, enforce or deny-default',
    );
    expect(h.sim.traffic.requests).toHaveLength(0);
  });
});
