/** The tool registry without a network: gating, schemas, argument checks, and the labels that travel with calls. */
import { describe, expect, test } from 'bun:test';
import { actorName, clientLabel } from '../rest/channel.ts';
import type { ApiCall, ApiRequest } from './api.ts';
import { clientOfSession, sessionFor } from './http.ts';
import { enabledTools, NO_GATES, TOOLS } from './server.ts';

/** An ApiCall that records requests and answers `status` with `body`. */
function recording(status = 200, body: unknown = {}): { api: ApiCall; calls: ApiRequest[] } {
  const calls: ApiRequest[] = [];
  return {
    calls,
    api: async (r) => {
      calls.push(r);
      return { status, body };
    },
  };
}

const tool = (name: string) => {
  const found = TOOLS.find((t) => t.name === name);
  if (found === undefined) throw new Error(`no tool ${name}`);
  return found;
};

describe('tool registry', () => {
  test('22 tools with unique names; the gated two only with their gate open', () => {
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(22);
    const off = enabledTools(NO_GATES).map((t) => t.name);
    expect(off).toHaveLength(20);
    expect(off).not.toContain('set_sgt_name');
    expect(off).not.toContain('rollback_matrix');
    expect(enabledTools({ dictionaryEdit: true, rollback: false }).map((t) => t.name)).toContain(
      'set_sgt_name',
    );
    expect(enabledTools({ dictionaryEdit: false, rollback: true }).map((t) => t.name)).toContain(
      'rollback_matrix',
    );
  });

  test('every input schema is a closed JSON Schema object derived from valibot', () => {
    for (const t of TOOLS) {
      const schema = t.listing().inputSchema as Record<string, unknown>;
      expect(schema.type).toBe('object');
      expect(schema.additionalProperties).toBe(false);
      expect(schema.$schema).toBeUndefined();
    }
    expect(tool('reject_proposal').listing().inputSchema).toMatchObject({
      required: ['proposalId', 'reason'],
      properties: { reason: { type: 'string', maxLength: 2000 } },
    });
  });

  test('bad arguments never reach the API; good ones become the documented request', async () => {
    const { api, calls } = recording(200, { ok: true, proposalId: 'p1', status: 'rejected' });
    const bad = await tool('reject_proposal').call({ proposalId: 'p1', reason: '   ' }, api);
    expect(bad.isError).toBe(true);
    expect(bad.content[0]).toEqual({
      type: 'text',
      text: 'Invalid arguments for reject_proposal: reason: must not be blank',
    });
    expect(calls).toHaveLength(0);
    const good = await tool('reject_proposal').call({ proposalId: 'p1', reason: 'no' }, api);
    expect(good.isError).toBeUndefined();
    expect(calls).toEqual([{ method: 'POST', path: '/proposals/p1/reject', body: { reason: 'no' } }]);
  });

  test('an API problem becomes an error result with its title, detail, code and fields', async () => {
    const { api } = recording(400, {
      title: 'Bad request',
      status: 400,
      detail: 'bad request body: reason: must not be blank',
      errors: [{ path: 'reason', message: 'must not be blank' }],
    });
    const result = await tool('approve_proposal').call({ proposalId: 'p1' }, api);
    expect(result.isError).toBe(true);
    expect(result.content[0]).toMatchObject({
      text: 'Bad request (400): bad request body: reason: must not be blank\nreason: must not be blank',
    });
    expect(result.structuredContent).toMatchObject({ error: 'api_error', problem: { status: 400 } });
  });
});

describe('labels', () => {
  test('a client name is cleaned to a short label; the actor keeps the identity first', () => {
    expect(clientLabel('Claude Code')).toBe('Claude Code');
    expect(clientLabel('evil\n(name) [x]')).toBe('evilname x');
    expect(clientLabel('')).toBe('mcp-client');
    expect(clientLabel(undefined)).toBe('mcp-client');
    expect(clientLabel('x'.repeat(100))).toHaveLength(64);
    expect(actorName('alice@example.com', 'claude-code')).toBe('alice@example.com (claude-code)');
    expect(actorName('a'.repeat(200), 'c')).toHaveLength(200);
    expect(actorName('alice', undefined)).toBe('alice');
  });

  test('the session id carries the client name; anything else carries none', () => {
    expect(clientOfSession(sessionFor('claude-desktop'))).toBe('claude-desktop');
    expect(clientOfSession(undefined)).toBeUndefined();
    expect(clientOfSession('0b2c…')).toBeUndefined();
    expect(clientOfSession(`s1.${Buffer.from('a)\n(b').toString('base64url')}.${crypto.randomUUID()}`)).toBe(
      'ab',
    );
  });
});
