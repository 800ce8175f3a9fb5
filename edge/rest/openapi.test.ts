/** The OpenAPI document: served without a token, complete against the routes, refs that resolve. */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { Hono } from 'hono';
import { loadConfig } from '../../config/mod.ts';
import { silentLogger } from '../../engine/log.ts';
import { subjectsFor } from '../../streams/mod.ts';
import { startApi, type TestApi, TOKENS } from '../../test/support/api.ts';
import { openTestEmbedded, type TestEngine } from '../../test/support/engines.ts';
import { Authenticator } from '../auth.ts';
import { apiRoutes } from './mod.ts';
import { OPENAPI_PATH, openapiDocument, openapiRoute } from './openapi.ts';

type Json = Record<string, unknown>;
const doc = openapiDocument() as Json & {
  paths: Record<string, Record<string, Json & { responses: Record<string, Json>; parameters?: Json[] }>>;
  components: { schemas: Record<string, Json>; responses: Record<string, Json>; securitySchemes: Json };
};

/** Every `$ref` in a value. */
function refs(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refs(v, out);
  else if (typeof value === 'object' && value !== null) {
    for (const [k, v] of Object.entries(value)) {
      if (k === '$ref' && typeof v === 'string') out.push(v);
      else refs(v, out);
    }
  }
  return out;
}

describe('OpenAPI document', () => {
  let te: TestEngine;
  let api: TestApi;
  beforeAll(async () => {
    te = await openTestEmbedded();
    api = await startApi(te);
  });
  afterAll(async () => te?.dispose());

  test('served at /api/v1/openapi.json without a token, mounted before the API; the API still needs one', async () => {
    const root = new Hono();
    root.route('/', openapiRoute());
    root.route('/', api.app);
    const res = await root.request(`http://api.test${OPENAPI_PATH}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(((await res.json()) as Json).openapi).toBe('3.1.0');
    const guarded = await root.request('http://api.test/api/v1/sgts');
    expect(guarded.status).toBe(401);
    expect(guarded.headers.get('content-type')).toBe('application/problem+json');
    const ok = await root.request('http://api.test/api/v1/sgts', {
      headers: { authorization: `Bearer ${TOKENS.viewer}` },
    });
    expect(ok.status).toBe(200);
  });

  test('lists exactly the operations the API serves', () => {
    const auth = new Authenticator({ requireAuth: true, defaultTenant: 'acme', apiKeys: [] });
    const deps = {
      engine: te.engine,
      stores: api.stores,
      ns: te.ns,
      subjects: subjectsFor(te.ns),
      config: loadConfig({}),
      logger: silentLogger(),
    };
    const served = apiRoutes(deps, auth).routes.filter((r) => r.method !== 'ALL');
    const fromApp = new Set(
      served.map((r) => `${r.method.toLowerCase()} /api/v1${r.path.replace(/:(\w+)/g, '{$1}')}`),
    );
    const documented = new Set(
      Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`)),
    );
    documented.delete(`get ${OPENAPI_PATH}`);
    expect([...documented].sort()).toEqual([...fromApp].sort());
    for (const expected of [
      'get /api/v1/flows/stream',
      'post /api/v1/proposals/{id}/approve',
      'get /api/v1/matrix/diff',
      'get /api/v1/matrix/versions/{n}/diff',
      'get /api/v1/proposals/{id}/preview',
      'post /api/v1/matrix/rollback',
      'get /api/v1/matrix/export',
      'put /api/v1/sgts/{tag}',
    ]) {
      expect(documented.has(expected)).toBe(true);
    }
  });

  test('bearer security everywhere but the document itself; errors are problem+json', () => {
    expect(doc.components.securitySchemes).toMatchObject({ bearer: { type: 'http', scheme: 'bearer' } });
    expect(doc.security).toEqual([{ bearer: [] }]);
    expect(doc.paths[OPENAPI_PATH]?.get?.security).toEqual([]);
    for (const [path, ops] of Object.entries(doc.paths)) {
      if (path === OPENAPI_PATH) continue;
      for (const op of Object.values(ops)) {
        expect(Object.keys(op.responses)).toEqual(expect.arrayContaining(['401', '403']));
        expect(['viewer', 'operator', 'admin']).toContain(String(op['x-required-role']));
      }
    }
    expect(doc.paths['/api/v1/runs']?.post?.['x-required-role']).toBe('operator');
    expect(doc.paths['/api/v1/sgts/{tag}']?.put?.['x-required-role']).toBe('admin');
    expect(doc.components.responses.E400).toEqual({
      description: 'Bad request',
      content: { 'application/problem+json': { schema: { $ref: '#/components/schemas/Problem' } } },
    });
  });

  test('schemas come from the valibot schemas, and every $ref resolves', () => {
    const s = doc.components.schemas;
    for (const name of [
      'ProposalRecord',
      'MatrixVersionRecord',
      'ReadinessSnapshot',
      'InventoryRecord',
      'SgtRecord',
      'DecideCommand',
      'RollbackCommand',
      'CommandReply',
      'RunSummary',
      'IngestBody',
      'SgtPutBody',
    ]) {
      expect(s[name]).toBeDefined();
    }
    expect(s.SgtPutBody).toMatchObject({ properties: { name: { type: 'string', maxLength: 128 } } });
    expect(s.ProposalRecord).toMatchObject({
      required: expect.arrayContaining(['id', 'sgt', 'dgt', 'status']),
    });
    expect(JSON.stringify(s.MatrixVersionRecord)).toContain('"#/components/schemas/Contract"');
    const all = refs(doc);
    expect(all.length).toBeGreaterThan(50);
    for (const r of all) {
      const [, kind, name] = /^#\/components\/(schemas|responses)\/(.+)$/.exec(r) ?? [];
      expect(kind === 'schemas' ? s[name ?? ''] : doc.components.responses[name ?? '']).toBeDefined();
    }
    const runQuery = doc.paths['/api/v1/runs']?.post?.parameters ?? [];
    expect(runQuery).toContainEqual({
      name: 'classifier',
      in: 'query',
      required: false,
      schema: { enum: ['heuristic', 'auto'], type: 'string', default: 'auto' },
    });
  });
});
