/**
 * Every REST route that reads a JSON body: the body must be JSON (415
 * otherwise), is counted while it streams (413 as soon as it passes 1 MiB,
 * the rest never read) and must be an object, not an array.
 */
import { afterEach, describe, expect, test } from 'bun:test';
import { FLAVOURS } from '../../test/support/engines.ts';
import { expectProblem, type RestHarness, startRest, TOKENS } from '../../test/support/rest-api.ts';
import { JSON_LIMIT_BYTES } from './validate.ts';

const embedded = FLAVOURS.find((f) => f.name === 'embedded')!;
const PROPOSAL = 'p-00000000000000000000';

interface Route {
  method: string;
  path: string;
  token: string;
  /** A body the route takes (or at least reads past the checks under test). */
  valid: unknown;
}

const ROUTES: Route[] = [
  { method: 'PUT', path: '/api/v1/sgts/10', token: TOKENS.admin, valid: { name: 'Web' } },
  {
    method: 'POST',
    path: '/api/v1/matrix/rollback',
    token: TOKENS.admin,
    valid: { version: 1, reason: 'x' },
  },
  {
    method: 'POST',
    path: '/api/v1/proposals',
    token: TOKENS.operator,
    valid: { sgt: 10, dgt: 20, aces: [{ action: 'permit', protocol: 'tcp', dstPort: 443 }], reason: 'web' },
  },
  { method: 'POST', path: `/api/v1/proposals/${PROPOSAL}/approve`, token: TOKENS.operator, valid: {} },
  {
    method: 'POST',
    path: `/api/v1/proposals/${PROPOSAL}/reject`,
    token: TOKENS.operator,
    valid: { reason: 'no' },
  },
  { method: 'POST', path: '/api/v1/runs/staged', token: TOKENS.operator, valid: {} },
  { method: 'POST', path: '/api/v1/runs/no-such-run/lines', token: TOKENS.operator, valid: { lines: ['x'] } },
  { method: 'POST', path: '/api/v1/ingest', token: TOKENS.operator, valid: { lines: ['x'] } },
];

/** A body of `total` bytes made on demand, counting how much was pulled from it. */
function counted(total: number): { body: ReadableStream<Uint8Array>; pulled: () => number } {
  const chunk = new TextEncoder().encode(`{"pad":"${'a'.repeat(64 * 1024 - 9)}`);
  const more = new Uint8Array(64 * 1024).fill(0x61);
  let pulled = 0;
  const body = new ReadableStream<Uint8Array>({
    pull(ctrl) {
      if (pulled >= total) return ctrl.close();
      const next = pulled === 0 ? chunk : more;
      pulled += next.byteLength;
      ctrl.enqueue(next);
    },
  });
  return { body, pulled: () => pulled };
}

let h: RestHarness;
let server: ReturnType<typeof Bun.serve> | undefined;
afterEach(async () => {
  server?.stop(true);
  server = undefined;
  await h?.stop();
});

describe('JSON request bodies', () => {
  test('a streamed body is refused with 413 once past 1 MiB, on every JSON route, reading no further', async () => {
    h = await startRest(embedded);
    for (const r of ROUTES) {
      const { body, pulled } = counted(16 << 20);
      const res = await h.api.request(r.path, {
        method: r.method,
        headers: { 'content-type': 'application/json' },
        body,
        duplex: 'half',
        token: r.token,
      } as RequestInit & { token: string });
      const problem = await expectProblem(res, 413);
      expect(String(problem.detail)).toContain(String(JSON_LIMIT_BYTES));
      expect({ route: r.path, pulled: pulled() <= JSON_LIMIT_BYTES + 2 * 64 * 1024 }).toEqual({
        route: r.path,
        pulled: true,
      });
    }
  });

  test('over a socket: 200 MB of chunked JSON gets a 413 problem at once, not a 500 after reading it', async () => {
    h = await startRest(embedded);
    server = Bun.serve({ port: 0, hostname: '127.0.0.1', fetch: h.api.app.fetch });
    const { body, pulled } = counted(200 << 20);
    const started = performance.now();
    const res = await fetch(`http://127.0.0.1:${server.port}/api/v1/sgts/10`, {
      method: 'PUT',
      headers: { authorization: `Bearer ${TOKENS.admin}`, 'content-type': 'application/json' },
      body,
      duplex: 'half',
    } as RequestInit);
    await expectProblem(res, 413);
    expect(performance.now() - started).toBeLessThan(5_000);
    await Bun.sleep(300);
    expect(pulled()).toBeLessThan(16 << 20);
  });

  test('415 unless the Content-Type is JSON (application/json or +json, parameters allowed)', async () => {
    h = await startRest(embedded);
    for (const r of ROUTES) {
      const send = (headers: Record<string, string>) =>
        h.api.request(r.path, { method: r.method, headers, body: JSON.stringify(r.valid), token: r.token });
      // Ingest takes text/plain lines as well; every other type is refused there too.
      const refused = r.path.endsWith('/ingest')
        ? ['application/x-www-form-urlencoded', 'text/csv']
        : ['text/plain', 'application/x-www-form-urlencoded', 'application/jsonp', 'text/json'];
      for (const type of refused) {
        const problem = await expectProblem(await send({ 'content-type': type }), 415);
        expect({ route: r.path, type, title: problem.title }).toEqual({
          route: r.path,
          type,
          title: 'Unsupported media type',
        });
      }
      if (!r.path.endsWith('/ingest')) await expectProblem(await send({}), 415);
      for (const type of [
        'application/json; charset=utf-8',
        'Application/JSON',
        'application/merge-patch+json',
      ]) {
        const res = await send({ 'content-type': type });
        expect({ route: r.path, type, status: res.status === 415 || res.status === 400 }).toEqual({
          route: r.path,
          type,
          status: false,
        });
      }
    }
  });

  test('a top-level array (or other non-object) is a 400 naming the body, on every JSON route', async () => {
    h = await startRest(embedded);
    for (const r of ROUTES) {
      for (const body of [JSON.stringify([r.valid]), '[]', 'null', '42', '"x"']) {
        const res = await h.api.request(r.path, {
          method: r.method,
          headers: { 'content-type': 'application/json' },
          body,
          token: r.token,
        });
        const problem = await expectProblem(res, 400);
        expect(String(problem.detail)).toContain('expected a JSON object');
        expect(problem.errors).toEqual([{ path: '', message: expect.stringContaining('JSON object') }]);
      }
    }
  });

  test('an optional body may be empty, with or without a Content-Type; a non-JSON one is still 415', async () => {
    h = await startRest(embedded);
    const staged = (headers: Record<string, string>, body?: string) =>
      h.api.request('/api/v1/runs/staged', {
        method: 'POST',
        headers,
        ...(body === undefined ? {} : { body }),
        token: TOKENS.operator,
      });
    expect((await staged({})).status).toBe(201);
    expect((await staged({ 'content-type': 'application/json' }, '')).status).toBe(201);
    expect((await staged({ 'content-type': 'application/x-www-form-urlencoded' }, '')).status).toBe(201);
    await expectProblem(await staged({ 'content-type': 'text/plain' }, '{"classifier":"heuristic"}'), 415);
    expect((await staged({ 'content-type': 'application/json' }, '{"classifier":"heuristic"}')).status).toBe(
      201,
    );
  });
});
