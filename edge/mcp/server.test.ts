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
  test('30 tools with unique names; the gated four only with their gate open', () => {
    expect(new Set(TOOLS.map((t) => t.name)).size).toBe(30);
    const off = enabledTools(NO_GATES).map((t) => t.name);
    expect(off).toHaveLength(26);
    for (const gated of ['set_sgt_name', 'rollback_matrix', 'ise_push', 'ise_import'])
      expect(off).not.toContain(gated);
    for (const read of ['ise_status', 'ise_plan', 'ise_drift', 'get_quotas']) expect(off).toContain(read);
    expect(enabledTools({ ...NO_GATES, dictionaryEdit: true }).map((t) => t.name)).toContain('set_sgt_name');
    expect(enabledTools({ ...NO_GATES, rollback: true }).map((t) => t.name)).toContain('rollback_matrix');
    const ise = enabledTools({ ...NO_GATES, iseWrite: true }).map((t) => t.name);
    expect(ise).toContain('ise_push');
    expect(ise).toContain('ise_import');
    expect(ise).not.toContain('rollback_matrix');
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

  test('decide_proposals sends one batch with the fingerprints and answers each outcome', async () => {
    const { api, calls } = recording(200, {
      action: 'approve',
      version: 4,
      decided: 1,
      refused: 1,
      outcomes: [
        { id: 'p1', ok: true, status: 'applied' },
        { id: 'p2', ok: false, code: 'STALE', message: 'changed' },
      ],
    });
    const result = await tool('decide_proposals').call(
      {
        action: 'approve',
        proposals: [{ proposalId: 'p1', aces: '0123456789abcdef' }, { proposalId: 'p2' }],
      },
      api,
    );
    expect(calls).toEqual([
      {
        method: 'POST',
        path: '/proposals/decide',
        body: { action: 'approve', proposals: [{ id: 'p1', aces: '0123456789abcdef' }, { id: 'p2' }] },
      },
    ]);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toContain('1 approved, 1 refused. Matrix version 4 is live.');
    expect(text).toContain('refused: STALE changed');
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

describe('tag names', () => {
  /** The REST API as the tools see it: the dictionary at /sgts, `bodies` by path. */
  function routed(bodies: Record<string, unknown>, sgts: { status: number; body: unknown }): ApiCall {
    return async (r) => (r.path === '/sgts' ? sgts : { status: 200, body: bodies[r.path] ?? {} });
  }
  const DICTIONARY = {
    status: 200,
    body: [
      { tag: 4, name: 'Employees', updatedBy: 'x', updatedAt: '2026-01-01T00:00:00Z' },
      { tag: 10, name: 'Web|Servers', updatedBy: 'x', updatedAt: '2026-01-01T00:00:00Z' },
    ],
  };
  const proposal = {
    id: 'p1',
    status: 'pending',
    sgt: 4,
    dgt: 10,
    rare: false,
    createdAtMs: 0,
    createdBy: 'proposer',
    expiresAtMs: 0,
    triggers: [{ trigger: 'unknown_flow' }],
    aces: [
      {
        action: 'permit',
        protocol: 'tcp',
        dstPort: 443,
        hits: 5,
        decision: { category: 'business_relevant', risk: 'low', source: 'heuristic', rationale: 'web' },
      },
    ],
    history: [],
  };
  const textOf = (r: { content: unknown[] }) => (r.content[0] as { text: string }).text;

  test('proposals, diffs, readiness and classifications name their tags; names are escaped', async () => {
    const api = routed(
      {
        '/proposals': { total: 1, items: [proposal] },
        '/proposals/p1': proposal,
        '/matrix/diff': {
          from: 1,
          to: 2,
          identical: false,
          added: [{ sgt: 4, dgt: 0, name: 'EMPLOYEES_to_UNKNOWN', aces: [] }],
          removed: [],
          changed: [],
          defaultRule: null,
        },
        '/matrix/readiness': {
          version: 2,
          source: 'computed',
          at: '2026-01-01T00:00:00Z',
          ratio: 0.5,
          coveredHits: 1,
          totalHits: 2,
          deniedHits: 0,
          criticalBlockers: 0,
          flows: { total: 2, covered: 1, uncovered: 1 },
          blockers: [{ flowId: '4-77-udp-any-53', hits: 1, service: 'dns', critical: true }],
        },
        '/classifications': {
          total: 1,
          items: [
            { flowId: '4-10-tcp-any-443', hits: 5, category: 'x', risk: 'low', source: 'h', rationale: 'r' },
          ],
        },
      },
      DICTIONARY,
    );
    expect(textOf(await tool('list_proposals').call({}, api))).toContain(
      '| Employees (4) → Web\\|Servers (10) |',
    );
    expect(textOf(await tool('get_proposal').call({ proposalId: 'p1' }, api))).toContain(
      'pending, Employees (4) → Web\\|Servers (10)',
    );
    expect(textOf(await tool('diff_matrix_versions').call({}, api))).toContain(
      '+ cell Employees (4) → Unknown (0) (EMPLOYEES\\_to\\_UNKNOWN)',
    );
    expect(textOf(await tool('get_readiness').call({}, api))).toContain(
      '| 4-77-udp-any-53 | Employees (4) → 77 |',
    );
    expect(textOf(await tool('list_classifications').call({}, api))).toContain(
      '| 4-10-tcp-any-443 | Employees (4) → Web\\|Servers (10) |',
    );
  });

  test('an open proposal comes with what approving it changes; a cell diff lists the flows each line decides', async () => {
    const cells = {
      cells: [
        {
          sgt: 4,
          dgt: 10,
          kind: 'added',
          nameBefore: null,
          nameAfter: 'EMPLOYEES_to_WEB|1',
          reordered: false,
          aces: [
            {
              kind: 'added',
              before: null,
              after: { action: 'permit', protocol: 'tcp', dstPort: 443 },
              flows: [{ flowId: '4-10-tcp-any-443', hits: 5, before: 'uncovered', after: 'permitted' }],
              flowCount: 1,
              hits: 5,
            },
          ],
          effect: { flows: 1, hits: 5, nowPermitted: 5, nowDenied: 0, nowUncovered: 0 },
        },
      ],
      sources: [4],
      destinations: [10],
      defaultRule: null,
      identical: false,
      totals: {
        added: 1,
        changed: 0,
        removed: 0,
        flows: 1,
        hits: 5,
        nowPermitted: 5,
        nowDenied: 0,
        nowUncovered: 0,
      },
    };
    const api = routed(
      {
        '/proposals/p1': proposal,
        '/proposals/p1/preview': { proposalId: 'p1', live: 3, ...cells },
        '/matrix': { version: 3 },
        '/matrix/versions/3/diff': { version: 3, against: 2, ...cells },
      },
      DICTIONARY,
    );
    const read = await tool('get_proposal').call({ proposalId: 'p1' }, api);
    expect(read.structuredContent).toMatchObject({ id: 'p1', preview: { live: 3, totals: { hits: 5 } } });
    const text = textOf(read);
    expect(text).toContain('**What approving it changes** (against live matrix version 3):');
    expect(text).toContain('[A] added Employees (4) → Web\\|Servers (10) (EMPLOYEES\\_to\\_WEB\\|1)');
    expect(text).toContain(
      '  + `permit tcp dst eq 443`: decides 1 flow, 5 hits (4-10-tcp-any-443 5 uncovered→permitted)',
    );
    // A decided proposal has nothing left to approve: no preview is asked for.
    const applied = routed({ '/proposals/p1': { ...proposal, status: 'applied' } }, DICTIONARY);
    expect(
      (await tool('get_proposal').call({ proposalId: 'p1' }, applied)).structuredContent,
    ).not.toHaveProperty('preview');
    const diff = textOf(await tool('diff_matrix_versions').call({ flows: true }, api));
    expect(diff).toStartWith(
      '**Version 2 → 3**, cell by cell\n1 cell changes (1 added, 0 changed, 0 removed)',
    );
  });

  test('list_proposals takes open, the name the dashboard and REST use for pending and notified', async () => {
    const asked: unknown[] = [];
    const api: ApiCall = async (r) => {
      asked.push(r.query);
      return r.path === '/sgts' ? DICTIONARY : { status: 200, body: { total: 0, items: [] } };
    };
    const result = await tool('list_proposals').call({ status: ['open'] }, api);
    expect(result.isError).not.toBe(true);
    expect(asked).toContainEqual({ status: 'open', limit: 50 });
    expect((await tool('list_proposals').call({ status: ['opened'] }, api)).isError).toBe(true);
  });

  test('a threat lookup nobody answered says not checked, not clean', async () => {
    const assessment = (verdicts: unknown[]) =>
      routed(
        {
          '/threat-intel/1.2.3.4': {
            ip: '1.2.3.4',
            malicious: false,
            reasons: [],
            flaggedBy: [],
            verdicts,
            checkedAtMs: 0,
          },
        },
        DICTIONARY,
      );
    const none = textOf(await tool('lookup_threat_intel').call({ ip: '1.2.3.4' }, assessment([])));
    expect(none).toStartWith('1.2.3.4: **not checked**: no threat intelligence provider is configured');
    const silent = assessment([{ provider: 'otx', outcome: 'no_answer', categories: [], cached: false }]);
    expect(textOf(await tool('lookup_threat_intel').call({ ip: '1.2.3.4' }, silent))).toStartWith(
      '1.2.3.4: **not checked**: no provider answered',
    );
    const clean = assessment([{ provider: 'otx', outcome: 'clean', categories: [], cached: false }]);
    expect(textOf(await tool('lookup_threat_intel').call({ ip: '1.2.3.4' }, clean))).toStartWith(
      '1.2.3.4: **not flagged**',
    );
  });

  test('without the dictionary (refused or failing), the numbers alone', async () => {
    const api = routed({ '/proposals/p1': proposal }, { status: 403, body: { title: 'Forbidden' } });
    const text = textOf(await tool('get_proposal').call({ proposalId: 'p1' }, api));
    expect(text).toContain('pending, 4 → 10');
  });
});

describe('get_quotas', () => {
  test("reads GET /quotas and says what is held back, with the route's figures", async () => {
    const body = {
      tenant: 'acme',
      quotas: { linesPerSecond: 50_000, flows: 3, openProposals: 0, llmCallsPerHour: 600 },
      usage: { flows: 3, openProposals: 2, heldFlows: 4, refusedFlows: 1_000, refusedFlowsMore: true },
    };
    const { api, calls } = recording(200, body);
    const result = await tool('get_quotas').call({}, api);
    expect(calls).toEqual([{ method: 'GET', path: '/quotas' }]);
    const text = (result.content[0] as { text: string }).text;
    expect(text).toContain('| distinct flows | 3 | 3 | 1,000 or more new flows refused, to redrive |');
    expect(text).toContain('| open proposals | no limit | 2 | 4 flows held |');
    expect(result.structuredContent).toEqual(body);
    expect((await tool('get_quotas').call({ tenant: 'globex' }, api)).isError).toBe(true);
  });
});
