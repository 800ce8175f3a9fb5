/**
 * The MCP server at /mcp, driven by the SDK's own client over streamable HTTP
 * against a real Bun.serve of the edge app on a test engine: auth before MCP,
 * the tool list and gating, a whole staged run, a decision recorded with
 * channel `mcp` and the client's name, resources, the prompt, and errors as
 * `isError` results.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import type { Client } from '@modelcontextprotocol/sdk/client/index.js';
import type { CallToolResult } from '@modelcontextprotocol/sdk/types.js';
import {
  callTool,
  connectHttp,
  type EdgeHarness,
  sgaclLine,
  startEdge,
  TOKENS,
  textOf,
} from '../edge/mcp/testing.ts';
import { keys } from '../kv-schema/mod.ts';
import type { ProposalRecord } from '../kv-schema/records.ts';
import { openTestEmbedded, type TestEngine } from './support/engines.ts';
import { inventoryRecord } from './support/rest-api.ts';

/** A list result's items. */
const itemsOf = <T>(r: CallToolResult): T[] => (r.structuredContent?.items ?? []) as T[];

const subjectOf = (token: string) => `key:${createHash('sha256').update(token).digest('hex').slice(0, 8)}`;

const UNGATED = [
  'start_run',
  'ingest_lines',
  'get_run',
  'list_runs',
  'classify_run',
  'build_matrix',
  'list_classifications',
  'list_missing_sgts',
  'list_sgt_entries',
  'list_proposals',
  'get_proposal',
  'create_proposal',
  'decide_proposals',
  'get_history',
  'approve_proposal',
  'reject_proposal',
  'lookup_threat_intel',
  'get_matrix',
  'diff_matrix_versions',
  'get_readiness',
  'explain_flow',
  'simulate_default_deny',
  'ise_status',
  'ise_plan',
  'ise_drift',
  'get_quotas',
];

describe('MCP over streamable HTTP', () => {
  let te: TestEngine;
  let edge: EdgeHarness;
  const clients: Client[] = [];
  const connect = async (token: string, name?: string) => {
    const c = await connectHttp(edge.url, token, name);
    clients.push(c);
    return c;
  };

  beforeAll(async () => {
    te = await openTestEmbedded();
    edge = await startEdge(te);
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
  });
  afterAll(async () => {
    await edge?.stop();
    await te?.dispose();
  });

  test('no token or a bad one: 401 problem+json before MCP sees the request; GET is 405', async () => {
    const init = { jsonrpc: '2.0', id: 1, method: 'tools/list' };
    const headers = { 'content-type': 'application/json', accept: 'application/json, text/event-stream' };
    const none = await fetch(`${edge.url}/mcp`, { method: 'POST', headers, body: JSON.stringify(init) });
    expect(none.status).toBe(401);
    expect(none.headers.get('content-type')).toBe('application/problem+json');
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    const bad = await fetch(`${edge.url}/mcp`, {
      method: 'POST',
      headers: { ...headers, authorization: 'Bearer not-a-valid-token-at-all' },
      body: JSON.stringify(init),
    });
    expect(bad.status).toBe(401);
    const get = await fetch(`${edge.url}/mcp`, { headers: { authorization: `Bearer ${TOKENS.viewer}` } });
    expect(get.status).toBe(405);
  });

  test('a body over 2 MiB is refused with 413, declared or streamed without a length', async () => {
    const headers = {
      'content-type': 'application/json',
      accept: 'application/json, text/event-stream',
      authorization: `Bearer ${TOKENS.viewer}`,
    };
    const big = JSON.stringify({
      jsonrpc: '2.0',
      id: 1,
      method: 'tools/list',
      params: { x: 'y'.repeat(3 << 20) },
    });
    expect((await fetch(`${edge.url}/mcp`, { method: 'POST', headers, body: big })).status).toBe(413);
    const chunk = new TextEncoder().encode('y'.repeat(1 << 20));
    let sent = 0;
    const stream = new ReadableStream<Uint8Array>({
      pull(controller) {
        if (sent++ < 4) controller.enqueue(chunk);
        else controller.close();
      },
    });
    const streamed = await fetch(`${edge.url}/mcp`, { method: 'POST', headers, body: stream });
    expect(streamed.status).toBe(413);
  });

  test('tools/list: every tool but the gated ones, each described, with an object input schema', async () => {
    const client = await connect(TOKENS.viewer);
    const { tools } = await client.listTools();
    expect(tools.map((t) => t.name).sort()).toEqual([...UNGATED].sort());
    for (const t of tools) {
      expect(t.description?.length ?? 0).toBeGreaterThan(60);
      expect(t.inputSchema.type).toBe('object');
    }
    const create = tools.find((t) => t.name === 'create_proposal');
    expect(create?.inputSchema).toMatchObject({
      required: expect.arrayContaining(['sgt', 'dgt', 'aces', 'reason']),
      additionalProperties: false,
    });
    expect(tools.find((t) => t.name === 'approve_proposal')?.annotations?.destructiveHint).toBe(true);
    expect(client.getServerVersion()?.name).toBe('segmentation-copilot');
  });

  test("get_quotas: a viewer reads its own tenant's quotas through the REST route", async () => {
    const client = await connect(TOKENS.viewer);
    const result = await callTool(client, 'get_quotas', {});
    expect(result.isError).toBeFalsy();
    expect(result.structuredContent).toMatchObject({
      tenant: 'acme',
      quotas: { flows: 250_000, openProposals: 500 },
      usage: { flows: 0, refusedFlows: 0, heldFlows: 0 },
    });
    expect(textOf(result)).toContain('| distinct flows | 250,000 | 0 |');
  });

  test('a staged run: start_run → ingest_lines (twice) → classify_run → build_matrix → get_run', async () => {
    const client = await connect(TOKENS.operator);
    const started = await callTool(client, 'start_run', { classifier: 'heuristic' });
    expect(started.isError).toBeFalsy();
    const runId = String(started.structuredContent?.id);
    expect(started.structuredContent).toMatchObject({ status: 'open', flows: 0 });
    expect(textOf(started)).toContain('ingest_lines');

    const first = [
      sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 5 }),
      sgaclLine({ sgt: 10, dgt: 20, protocol: 'udp', dstPort: 53, hits: 2 }),
      'Jun 18 10:00:00 sw01 %LINK-3-UPDOWN: Interface Gi1/0/1, changed state to up',
    ];
    const one = await callTool(client, 'ingest_lines', { runId, lines: first, batchId: 'b1' });
    expect(one.structuredContent).toMatchObject({
      batch: { lines: 3, events: 2, hits: 7, flows: 2 },
      run: { status: 'open', flows: 2 },
    });
    const again = await callTool(client, 'ingest_lines', { runId, lines: first, batchId: 'b1' });
    expect(again.structuredContent).toMatchObject({
      batch: { duplicate: true, lines: 0 },
      run: { flows: 2 },
    });
    const two = await callTool(client, 'ingest_lines', {
      runId,
      lines: [
        sgaclLine({ sgt: 10, dgt: 20, dstPort: 443, hits: 3 }),
        sgaclLine({ sgt: 30, dgt: 20, dstPort: 22 }),
      ],
    });
    expect(two.structuredContent).toMatchObject({
      run: { flows: 3, stats: { linesRead: 5, events: 4, hits: 11 } },
    });

    const open = await callTool(client, 'get_run', { runId });
    expect(open.structuredContent).toMatchObject({ status: 'open', contracts: 0 });
    const early = await callTool(client, 'build_matrix', { runId });
    expect(early.isError).toBe(true);
    expect(textOf(early)).toContain('classify it first');

    const classified = await callTool(client, 'classify_run', { runId });
    expect(classified.structuredContent).toMatchObject({ status: 'classified', flows: 3 });
    const listed = await callTool(client, 'list_classifications', { runId });
    const items = itemsOf<{ flowId: string; hits: number; source: string }>(listed);
    expect(items.map((i) => i.flowId)).toContain('10-20-tcp-any-443');
    expect(items.find((i) => i.flowId === '10-20-tcp-any-443')?.hits).toBe(8);
    expect(items.every((i) => i.source === 'heuristic' || i.source === 'guardrail')).toBe(true);
    const late = await callTool(client, 'ingest_lines', { runId, lines: first });
    expect(late.isError).toBe(true);
    expect(textOf(late)).toContain('Conflict (409)');

    const built = await callTool(client, 'build_matrix', { runId });
    expect(built.isError).toBeFalsy();
    expect(built.structuredContent).toMatchObject({ run: { status: 'done', contracts: 2 } });
    expect(String(built.structuredContent?.matrix)).toContain('SGT10');
    const done = await callTool(client, 'get_run', { runId });
    expect(done.structuredContent).toMatchObject({ id: runId, status: 'done', flows: 3, contracts: 2 });
    const runs = await callTool(client, 'list_runs', {});
    expect(itemsOf<{ id: string }>(runs)[0]?.id).toBe(runId);
  });

  test('bad arguments and API errors are isError results that say what is wrong', async () => {
    const client = await connect(TOKENS.viewer);
    const empty = await callTool(client, 'ingest_lines', { runId: 'abc', lines: [] });
    expect(empty.isError).toBe(true);
    expect(textOf(empty)).toContain('Invalid arguments for ingest_lines: lines: send at least one line');
    const badAce = await callTool(client, 'create_proposal', {
      sgt: 10,
      dgt: 20,
      aces: [{ action: 'permit', protocol: 'bogus' }],
      reason: 'x',
    });
    expect(badAce.isError).toBe(true);
    expect(textOf(badAce)).toContain('aces.0');
    const missing = await callTool(client, 'get_proposal', {});
    expect(textOf(missing)).toContain('proposalId: is required');
    const extra = await callTool(client, 'get_run', { runId: 'abc', run_id: 'abc' });
    expect(textOf(extra)).toContain('run_id: unknown argument');
    const notFound = await callTool(client, 'get_proposal', { proposalId: 'nope' });
    expect(notFound.isError).toBe(true);
    expect(textOf(notFound)).toStartWith('Not found (404): no proposal nope');
    const forbidden = await callTool(client, 'start_run', {});
    expect(textOf(forbidden)).toContain('Forbidden (403): this needs the operator role; you have viewer');
  });

  test('a proposal approved through MCP: a new live version, recorded with channel mcp and the client', async () => {
    const operator = await connect(TOKENS.operator, 'claude-code');
    const created = await callTool(operator, 'create_proposal', {
      sgt: 10,
      dgt: 20,
      aces: [{ action: 'permit', protocol: 'tcp', dstPort: 443 }],
      reason: 'clients need https to the web tier',
    });
    expect(created.isError).toBeFalsy();
    const proposal = created.structuredContent as unknown as ProposalRecord;
    expect(proposal.createdBy).toBe(subjectOf(TOKENS.operator));
    expect(proposal.history[0]).toMatchObject({
      channel: 'mcp',
      by: `${subjectOf(TOKENS.operator)} (claude-code)`,
    });

    const pending = await callTool(operator, 'list_proposals', { status: ['pending'] });
    expect(itemsOf<{ id: string }>(pending).map((p) => p.id)).toContain(proposal.id);
    const shown = textOf(await callTool(operator, 'get_proposal', { proposalId: proposal.id }));
    expect(shown).toContain('`permit tcp dst eq 443`');
    expect(shown).toContain('**What approving it changes** (against live matrix version 0):');

    const admin = await connect(TOKENS.admin, 'claude-desktop');
    const read = await callTool(admin, 'get_proposal', { proposalId: proposal.id });
    const aces = String(read.structuredContent?.aceFingerprint);
    const stale = await callTool(admin, 'approve_proposal', {
      proposalId: proposal.id,
      aces: 'ffffffffffffffff',
    });
    expect(stale.isError).toBe(true);
    expect(textOf(stale)).toContain('STALE');
    const approved = await callTool(admin, 'approve_proposal', {
      proposalId: proposal.id,
      reason: 'reviewed',
      aces,
    });
    expect(approved.isError).toBeFalsy();
    expect(approved.structuredContent).toMatchObject({ ok: true, version: 1 });

    const actor = `${subjectOf(TOKENS.admin)} (claude-desktop)`;
    const stored = (await edge.stores.proposals.get(keys.proposal('acme', proposal.id)))?.value;
    expect(stored?.decision).toMatchObject({ by: actor, channel: 'mcp', reason: 'reviewed' });
    const matrix = await callTool(admin, 'get_matrix', {});
    expect(matrix.structuredContent).toMatchObject({ version: 1, author: actor, channel: 'mcp' });
    expect(textOf(matrix)).toContain('**Matrix version 1**');

    await edge.stores.inventory.put(
      keys.inventory('acme', '10-20-tcp-any-443'),
      inventoryRecord('10-20-tcp-any-443'),
    );
    const dns = inventoryRecord('10-20-udp-any-53', { hits: 3 });
    await edge.stores.inventory.put(keys.inventory('acme', dns.flowId), dns);
    const explained = await callTool(admin, 'explain_flow', { flowId: '10-20-tcp-any-443' });
    expect(explained.structuredContent).toMatchObject({
      status: 'permitted',
      version: 1,
      ace: { position: 1 },
    });
    const simulated = await callTool(admin, 'simulate_default_deny', {});
    expect(simulated.structuredContent).toMatchObject({
      criticalBlockers: 1,
      breaks: [{ flowId: '10-20-udp-any-53', service: 'DNS', critical: true }],
    });
    const diff = await callTool(admin, 'diff_matrix_versions', {});
    expect(textOf(diff)).toContain('+ cell 10 → 20');
    const cells = textOf(await callTool(admin, 'diff_matrix_versions', { flows: true }));
    expect(cells).toContain('**Version 0 → 1**, cell by cell');
    expect(cells).toContain('decides 1 flow, 10 hits (10-20-tcp-any-443 10 uncovered→permitted)');
  });

  test('resources: the live matrix as markdown, pending proposals as JSON; the review prompt', async () => {
    const client = await connect(TOKENS.viewer);
    const { resources } = await client.listResources();
    expect(resources.map((r) => r.uri).sort()).toEqual([
      'scopilot://matrix/current',
      'scopilot://proposals/pending',
    ]);
    const matrix = await client.readResource({ uri: 'scopilot://matrix/current' });
    expect(matrix.contents[0]).toMatchObject({ mimeType: 'text/markdown' });
    const live = String((matrix.contents[0] as { text: string }).text);
    expect(live).toContain('#');
    // The live default as it is, and figures from the inventory: no offline run's summary.
    expect(live).toContain('- **Default rule:** `permit ip`');
    expect(live).toContain('**Observed traffic (inventory):**');
    expect(live).not.toContain('lines read');
    const pending = await client.readResource({ uri: 'scopilot://proposals/pending' });
    expect(JSON.parse(String((pending.contents[0] as { text: string }).text))).toHaveProperty('items');
    const { prompts } = await client.listPrompts();
    expect(prompts.map((p) => p.name)).toEqual(['review-pending-proposals']);
    const prompt = await client.getPrompt({ name: 'review-pending-proposals' });
    const text = String((prompt.messages[0]?.content as { text?: string } | undefined)?.text);
    expect(text).toContain('untrusted data');
    expect(text).toContain('list_proposals');
  });

  test('gated tools are refused on call when not enabled', async () => {
    const client = await connect(TOKENS.admin);
    const refused = await callTool(client, 'rollback_matrix', { version: 1, reason: 'test' });
    expect(refused.isError).toBe(true);
    expect(textOf(refused)).toContain('SCOPILOT_MCP__ALLOW_ROLLBACK');
    const named = await callTool(client, 'set_sgt_name', { tag: 10, name: 'Employees' });
    expect(textOf(named)).toContain('not enabled');
    expect(await edge.stores.sgt.get(keys.sgt('acme', 10))).toBeNull();
  });
});

describe('MCP over streamable HTTP with settings', () => {
  let te: TestEngine;
  let edge: EdgeHarness | undefined;
  const clients: Client[] = [];
  beforeAll(async () => {
    te = await openTestEmbedded();
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close()));
    await edge?.stop();
    edge = undefined;
  });
  afterAll(async () => te?.dispose());

  test('SCOPILOT_MCP__ALLOW_*: the gated tools are listed and work (roles still apply)', async () => {
    edge = await startEdge(te, {
      env: { SCOPILOT_MCP__ALLOW_DICTIONARY_EDIT: 'true', SCOPILOT_MCP__ALLOW_ROLLBACK: 'true' },
    });
    const admin = await connectHttp(edge.url, TOKENS.admin);
    const operator = await connectHttp(edge.url, TOKENS.operator);
    clients.push(admin, operator);
    const names = (await admin.listTools()).tools.map((t) => t.name);
    expect(names).toContain('set_sgt_name');
    expect(names).toContain('rollback_matrix');
    const named = await callTool(admin, 'set_sgt_name', { tag: 10, name: 'Employees' });
    expect(named.structuredContent).toMatchObject({ tag: 10, name: 'Employees' });
    expect(textOf(await callTool(operator, 'set_sgt_name', { tag: 11, name: 'x' }))).toContain(
      'Forbidden (403)',
    );
    const rollback = await callTool(admin, 'rollback_matrix', {
      version: 3,
      reason: 'nothing to roll back to',
    });
    expect(rollback.isError).toBe(true);
    expect(textOf(rollback)).toContain('(404)');
  });

  test('four eyes holds through a client label: the creator cannot approve over MCP', async () => {
    edge = await startEdge(te, { env: { SCOPILOT_PROPOSALS__FOUR_EYES: 'true' } });
    const operator = await connectHttp(edge.url, TOKENS.operator, 'claude-code');
    const admin = await connectHttp(edge.url, TOKENS.admin, 'claude-code');
    clients.push(operator, admin);
    const created = await callTool(operator, 'create_proposal', {
      sgt: 40,
      dgt: 50,
      aces: [{ action: 'permit', protocol: 'udp', dstPort: 123 }],
      reason: 'ntp',
    });
    const id = String(created.structuredContent?.id);
    const own = await callTool(operator, 'approve_proposal', { proposalId: id });
    expect(own.isError).toBe(true);
    expect(textOf(own)).toContain('code: FOUR_EYES');
    const other = await callTool(admin, 'approve_proposal', { proposalId: id });
    expect(other.structuredContent).toMatchObject({ ok: true });
  });

  test('a tool call counts once against its caller’s requests per minute, not once per REST call it makes', async () => {
    edge = await startEdge(te, { env: { SCOPILOT_API__REQUESTS_PER_MINUTE: '30' } });
    const viewer = await connectHttp(edge.url, TOKENS.viewer);
    clients.push(viewer);
    // list_proposals makes two REST calls (the list, then the tag names): counted per call as well,
    // twenty tool calls would cost sixty requests.
    for (let i = 0; i < 20; i++) expect((await callTool(viewer, 'list_proposals')).isError).toBeFalsy();
    // The MCP requests themselves are still counted: the budget runs out.
    let refused = 0;
    for (let i = 0; i < 15; i++) {
      await callTool(viewer, 'list_proposals').catch((error: unknown) => {
        expect(String(error)).toContain('429');
        refused++;
      });
    }
    expect(refused).toBeGreaterThan(0);
  });
});
