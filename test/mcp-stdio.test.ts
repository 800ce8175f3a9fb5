/**
 * `scopilot mcp` over stdio: the SDK's client spawns the real command, which
 * calls the REST API of an edge served on 127.0.0.1 with a token from its
 * environment. Tools are listed, read and decide; the gating flags add the
 * gated tools; logs go to stderr, never into the protocol on stdout.
 */
import { afterAll, afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { createHash } from 'node:crypto';
import { Client } from '@modelcontextprotocol/sdk/client/index.js';
import { getDefaultEnvironment, StdioClientTransport } from '@modelcontextprotocol/sdk/client/stdio.js';
import { callTool, type EdgeHarness, startEdge, TOKENS, textOf } from '../edge/mcp/testing.ts';
import { keys } from '../kv-schema/mod.ts';
import { openTestEmbedded, type TestEngine } from './support/engines.ts';

const ROOT = new URL('..', import.meta.url).pathname;
const BUN = `${ROOT}node_modules/.bin/bun`;

describe('scopilot mcp (stdio)', () => {
  let te: TestEngine;
  let edge: EdgeHarness;
  const clients: Client[] = [];

  /** The command as a client would start it, with its stderr collected. */
  async function spawnMcp(
    token: string,
    flags: string[] = [],
  ): Promise<{ client: Client; stderr: () => string }> {
    const transport = new StdioClientTransport({
      command: BUN,
      args: ['cli/main.ts', 'mcp', ...flags],
      cwd: ROOT,
      env: { ...getDefaultEnvironment(), SCOPILOT_API_BASE: edge.url, SCOPILOT_API_TOKEN: token },
      stderr: 'pipe',
    });
    let stderr = '';
    transport.stderr?.on('data', (chunk: Buffer) => {
      stderr += chunk.toString('utf8');
    });
    const client = new Client({ name: 'stdio-test', version: '1.0.0' });
    await client.connect(transport);
    clients.push(client);
    return { client, stderr: () => stderr };
  }

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

  test('lists the tools without the gated ones, reads through the API, and logs only to stderr', async () => {
    const { client, stderr } = await spawnMcp(TOKENS.viewer);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('get_matrix');
    expect(names).not.toContain('set_sgt_name');
    expect(names).not.toContain('rollback_matrix');
    const matrix = await callTool(client, 'get_matrix', {});
    expect(matrix.isError).toBeFalsy();
    expect(matrix.structuredContent).toMatchObject({ version: 0, matrix: { cells: [] } });
    expect(stderr()).toContain('MCP server on stdio');
  }, 30_000);

  test('a decision over stdio is recorded with channel mcp, the token’s identity and the client', async () => {
    const { client } = await spawnMcp(TOKENS.operator);
    const created = await callTool(client, 'create_proposal', {
      sgt: 10,
      dgt: 20,
      aces: [{ action: 'permit', protocol: 'tcp', dstPort: 443 }],
      reason: 'clients need https',
    });
    expect(created.isError).toBeFalsy();
    const id = String(created.structuredContent?.id);
    const rejected = await callTool(client, 'reject_proposal', { proposalId: id, reason: 'not yet' });
    expect(textOf(rejected)).toContain(`Proposal ${id} rejected`);
    const subject = `key:${createHash('sha256').update(TOKENS.operator).digest('hex').slice(0, 8)}`;
    const stored = (await edge.stores.proposals.get(keys.proposal('acme', id)))?.value;
    expect(stored?.decision).toMatchObject({
      by: `${subject} (stdio-test)`,
      channel: 'mcp',
      reason: 'not yet',
    });
    const again = await callTool(client, 'reject_proposal', { proposalId: id, reason: 'twice' });
    expect(again.isError).toBe(true);
    expect(textOf(again)).toContain('conflict');
  }, 30_000);

  test('--allow-dictionary-edit and --allow-rollback add the gated tools', async () => {
    const { client } = await spawnMcp(TOKENS.admin, ['--allow-dictionary-edit', '--allow-rollback']);
    const names = (await client.listTools()).tools.map((t) => t.name);
    expect(names).toContain('set_sgt_name');
    expect(names).toContain('rollback_matrix');
    const named = await callTool(client, 'set_sgt_name', { tag: 30, name: 'Printers' });
    expect(named.structuredContent).toMatchObject({ tag: 30, name: 'Printers' });
    expect((await edge.stores.sgt.get(keys.sgt('acme', 30)))?.value.name).toBe('Printers');
  }, 30_000);

  test('a token the API refuses: tool calls fail with a message saying so', async () => {
    const { client } = await spawnMcp('not-a-valid-token-at-all');
    const result = await callTool(client, 'list_proposals', {});
    expect(result.isError).toBe(true);
    expect(textOf(result)).toContain('not authenticated: set SCOPILOT_API_TOKEN');
  }, 30_000);
});
