/**
 * The simulator speaks ISE's documented ERS format, checked with plain
 * fetch rather than the client, so a mistake shared by both would still
 * show: paging, root-wrapped bodies, 201 + Location, PUT with the id, 204,
 * ERSResponse errors, Basic auth, CSRF tokens, ISE's rules and the hooks a
 * test uses (admin edits, faults, traffic).
 */
import { afterAll, beforeAll, describe, expect, test } from 'bun:test';
import { DEFAULT_CELL_ID, DEFAULT_SIMULATOR_USER, type IseSimulator, startIseSimulator } from './mod.ts';

let sim: IseSimulator;
let csrfSim: IseSimulator;

beforeAll(async () => {
  sim = await startIseSimulator({
    users: [DEFAULT_SIMULATOR_USER, { username: 'ro', password: 'ro-1', role: 'operator' }],
  });
  csrfSim = await startIseSimulator({ csrf: true, certificates: sim.certificates, tags: 3 });
});
afterAll(async () => {
  await Promise.all([sim.close(), csrfSim.close()]);
});

const basic = (u: string, p: string) => `Basic ${btoa(`${u}:${p}`)}`;
const ADMIN = basic(DEFAULT_SIMULATOR_USER.username, DEFAULT_SIMULATOR_USER.password);

async function ers(
  s: IseSimulator,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: unknown; text: string }> {
  const res = await fetch(`${s.url}/ers/config/${path}`, {
    method,
    headers: {
      authorization: ADMIN,
      accept: 'application/json',
      'content-type': 'application/json',
      ...headers,
    },
    ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    tls: { ca: s.caPem },
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, json: text ? JSON.parse(text) : null };
}

const titles = (json: unknown) =>
  (json as { ERSResponse: { messages: { title: string }[] } }).ERSResponse.messages.map((m) => m.title);

describe('get-all', () => {
  test('pages with size (default 20, at most 100) and links the next and previous pages', async () => {
    const first = await ers(csrfSim, 'GET', 'sgt');
    const r = (first.json as { SearchResult: Record<string, unknown> }).SearchResult;
    // Three generated groups, Unknown and ANY.
    expect(r.total).toBe(5);
    expect(r.nextPage).toBeUndefined();

    const p2 = (await ers(csrfSim, 'GET', 'sgt?size=2&page=2')).json as {
      SearchResult: {
        resources: { id: string; name: string; link: { href: string } }[];
        nextPage: { href: string };
        previousPage: { href: string };
      };
    };
    expect(p2.SearchResult.resources.map((x) => x.name)).toEqual(['SGT_2', 'SGT_3']);
    expect(p2.SearchResult.resources[0]!.link.href).toBe(
      `${csrfSim.url}/ers/config/sgt/${p2.SearchResult.resources[0]!.id}`,
    );
    expect(p2.SearchResult.nextPage.href).toBe(`${csrfSim.url}/ers/config/sgt?size=2&page=3`);
    expect(p2.SearchResult.previousPage.href).toBe(`${csrfSim.url}/ers/config/sgt?size=2&page=1`);

    const tooBig = await ers(csrfSim, 'GET', 'sgt?size=101');
    expect(tooBig.status).toBe(400);
    const beyond = await ers(csrfSim, 'GET', 'sgt?size=2&page=9');
    expect(titles(beyond.json)).toEqual(['The page 9 does not exist. Please refine your query.']);
  });

  test('filters by field, AND by default', async () => {
    const byValue = (await ers(sim, 'GET', 'sgt?filter=value.EQ.4')).json as {
      SearchResult: { resources: { name: string }[] };
    };
    expect(byValue.SearchResult.resources.map((x) => x.name)).toEqual(['Employees']);
    const unknown = await ers(sim, 'GET', 'sgt?filter=colour.EQ.red');
    expect(unknown.status).toBe(400);
  });
});

describe('objects', () => {
  test('create answers 201 with Location and no body; GET by id is root-wrapped; PUT needs the id; DELETE answers 204', async () => {
    const created = await ers(sim, 'POST', 'sgacl', {
      Sgacl: { name: 'Web_Only', aclcontent: 'permit tcp dst eq 443\ndeny ip' },
    });
    expect(created.status).toBe(201);
    expect(created.text).toBe('');
    const location = created.headers.get('location')!;
    expect(location).toStartWith(`${sim.url}/ers/config/sgacl/`);
    const id = location.split('/').pop()!;

    const got = (await ers(sim, 'GET', `sgacl/${id}`)).json as { Sgacl: Record<string, unknown> };
    expect(got.Sgacl).toMatchObject({
      id,
      name: 'Web_Only',
      isReadOnly: false,
      link: { rel: 'self', href: location },
    });
    const generation = got.Sgacl.generationId;

    const noId = await ers(sim, 'PUT', `sgacl/${id}`, { Sgacl: { name: 'Web_Only', aclcontent: 'deny ip' } });
    expect(noId.status).toBe(400);
    expect(titles(noId.json)).toEqual(['Validation Error - Mandatory fields missing: [Id,]']);

    const put = await ers(sim, 'PUT', `sgacl/${id}`, {
      Sgacl: { id, name: 'Web_Only', aclcontent: 'permit tcp dst eq 443' },
    });
    expect(put.status).toBe(200);
    expect(put.json).toEqual({
      UpdatedFieldsList: {
        updatedField: [
          {
            field: 'aclcontent',
            oldValue: 'permit tcp dst eq 443\ndeny ip',
            newValue: 'permit tcp dst eq 443',
          },
        ],
      },
    });
    expect(sim.state.sgacl(id)?.generationId).not.toBe(generation);

    expect((await ers(sim, 'DELETE', `sgacl/${id}`)).status).toBe(204);
    expect((await ers(sim, 'GET', `sgacl/${id}`)).status).toBe(404);
  });

  test('bad bodies are 400 ERSResponses', async () => {
    const notJson = await ers(sim, 'POST', 'sgacl', '{not json');
    expect(notJson.status).toBe(400);
    const missing = await ers(sim, 'POST', 'egressmatrixcell', { EgressMatrixCell: { sourceSgtId: 'x' } });
    expect(missing.status).toBe(400);
    expect(titles(missing.json)[0]).toStartWith('Validation Error');
    const ips = await ers(sim, 'POST', 'sgacl', {
      Sgacl: { name: 'Bad', aclcontent: 'permit ip host 10.0.0.1' },
    });
    expect(titles(ips.json)[0]).toContain('cannot name IP addresses');
  });

  test('ISE rules: built-ins are read-only, names are unique, the default cell stays, a pair has one cell', async () => {
    const permit = sim.state.sgaclByName('Permit IP')!;
    const ro = await ers(sim, 'PUT', `sgacl/${permit.id}`, {
      Sgacl: { id: permit.id, name: 'Permit IP', aclcontent: 'deny ip' },
    });
    expect(ro.status).toBe(400);
    expect((await ers(sim, 'DELETE', `sgacl/${permit.id}`)).status).toBe(400);

    await ers(sim, 'POST', 'sgacl', { Sgacl: { name: 'Twice', aclcontent: 'deny ip' } });
    const again = await ers(sim, 'POST', 'sgacl', { Sgacl: { name: 'twice', aclcontent: 'deny ip' } });
    expect(titles(again.json)).toEqual(["SGACL name 'twice' already exists"]);

    const del = await ers(sim, 'DELETE', `egressmatrixcell/${DEFAULT_CELL_ID}`);
    expect(titles(del.json)).toEqual(['The default egress rule (ANY-ANY) cannot be deleted']);

    const cell = {
      EgressMatrixCell: {
        sourceSgtId: sim.state.sgtByName('Guests')!.id,
        destinationSgtId: sim.state.sgtByName('PCI_Servers')!.id,
        matrixCellStatus: 'ENABLED',
        defaultRule: 'DENY_IP',
        sgacls: [],
      },
    };
    expect((await ers(sim, 'POST', 'egressmatrixcell', cell)).status).toBe(201);
    const dup = await ers(sim, 'POST', 'egressmatrixcell', cell);
    expect(dup.status).toBe(400);
    expect(titles(dup.json)).toEqual(['Cell Already Exists']);
  });
});

describe('access', () => {
  test('wrong credentials answer 401 with an ERSResponse; the ERS Operator role may only read', async () => {
    const wrong = await ers(sim, 'GET', 'sgt', undefined, { authorization: basic('ersadmin', 'nope') });
    expect(wrong.status).toBe(401);
    expect((wrong.json as { ERSResponse: { operation: string } }).ERSResponse.operation).toBe('GET-getAll');
    const ro = basic('ro', 'ro-1');
    expect((await ers(sim, 'GET', 'sgt', undefined, { authorization: ro })).status).toBe(200);
    const write = await ers(
      sim,
      'POST',
      'sgacl',
      { Sgacl: { name: 'X', aclcontent: 'deny ip' } },
      { authorization: ro },
    );
    expect(write.status).toBe(403);
  });

  test('with CSRF on, a GET with X-CSRF-TOKEN: fetch answers a token; writes need it and its session', async () => {
    const body = { Sgacl: { name: 'Csrf_Test', aclcontent: 'deny ip' } };
    const without = await ers(csrfSim, 'POST', 'sgacl', body);
    expect(without.status).toBe(403);
    expect(titles(without.json)[0]).toContain('CSRF');

    const fetched = await ers(csrfSim, 'GET', 'sgt?size=1', undefined, { 'x-csrf-token': 'fetch' });
    const token = fetched.headers.get('x-csrf-token')!;
    const cookie = fetched.headers.getSetCookie()[0]!.split(';')[0]!;
    expect(token).toBeString();
    expect((await ers(csrfSim, 'POST', 'sgacl', body, { 'x-csrf-token': token })).status).toBe(403);
    expect((await ers(csrfSim, 'POST', 'sgacl', body, { 'x-csrf-token': token, cookie })).status).toBe(201);

    csrfSim.faults.expireCsrfTokens();
    const expired = await ers(
      csrfSim,
      'DELETE',
      `sgacl/${csrfSim.state.sgaclByName('Csrf_Test')!.id}`,
      undefined,
      {
        'x-csrf-token': token,
        cookie,
      },
    );
    expect(expired.status).toBe(403);
  });
});

describe('test hooks', () => {
  test('an administrator edit goes through ISE rules and changes the generationId', () => {
    const cell = sim.state.defaultCell();
    const edited = sim.state.updateCell(cell.id, { defaultRule: 'DENY_IP' });
    expect(edited.generationId).not.toBe(cell.generationId);
    expect(() => sim.state.deleteCell(cell.id)).toThrow('cannot be deleted');
    sim.state.updateCell(cell.id, { defaultRule: 'PERMIT_IP' });
  });

  test('faults fail the Nth write without carrying it out, and traffic counts by method and path', async () => {
    sim.traffic.reset();
    sim.faults.failWrite(2, 500);
    const one = await ers(sim, 'POST', 'sgacl', { Sgacl: { name: 'Fault_One', aclcontent: 'deny ip' } });
    const two = await ers(sim, 'POST', 'sgacl', { Sgacl: { name: 'Fault_Two', aclcontent: 'deny ip' } });
    expect([one.status, two.status]).toEqual([201, 500]);
    expect(sim.state.sgaclByName('Fault_Two')).toBeUndefined();
    expect(sim.traffic.count('POST', '/ers/config/sgacl')).toBe(2);
    expect(sim.traffic.writes).toBe(2);
  });
});
