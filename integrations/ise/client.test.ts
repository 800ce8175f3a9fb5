/**
 * The ERS client against the loopback simulator over real HTTPS: paging,
 * CSRF, credentials, certificate checks, retries (reads only), ISE's error
 * titles as named errors, unreachable hosts and the concurrency bound.
 */
import { afterEach, beforeAll, describe, expect, test } from 'bun:test';
import { type CellInput, createIseClient, type IseClientOptions, IseError, IseErrorCode } from './mod.ts';
import { makeCertificates, type SimulatorCertificates } from './simulator/certs.ts';
import {
  DEFAULT_SIMULATOR_USER,
  type IseSimulator,
  type IseSimulatorOptions,
  startIseSimulator,
} from './simulator/mod.ts';

let certificates: SimulatorCertificates;
const open: IseSimulator[] = [];

beforeAll(async () => {
  certificates = await makeCertificates();
});
afterEach(async () => {
  await Promise.all(open.splice(0).map((s) => s.close()));
});

async function sim(o: IseSimulatorOptions = {}): Promise<IseSimulator> {
  const s = await startIseSimulator({ certificates, ...o });
  open.push(s);
  return s;
}

function client(s: IseSimulator, o: Partial<IseClientOptions> = {}) {
  return createIseClient({
    url: s.url,
    username: DEFAULT_SIMULATOR_USER.username,
    password: DEFAULT_SIMULATOR_USER.password,
    caPem: s.caPem,
    backoff: { baseMs: 5, maxMs: 20 },
    ...o,
  });
}

async function failure(p: Promise<unknown>): Promise<IseError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof IseError) return e;
    throw e;
  }
  throw new Error('expected an IseError');
}

const sgacl = { name: 'Employees_to_Servers', aclcontent: 'permit tcp dst eq 443\ndeny ip' };

describe('reading', () => {
  test('a get-all pages 100 at a time and reads every body by id', async () => {
    const s = await sim({ tags: 250 });
    const c = client(s);
    const sgts = await c.listSgts();
    // 250 generated groups plus ISE's Unknown and ANY.
    expect(sgts).toHaveLength(252);
    expect(new Set(sgts.map((t) => t.value)).size).toBe(252);
    expect(sgts.find((t) => t.name === 'SGT_250')?.value).toBe(1249);
    const pages = s.traffic.requests.filter((r) => r.path.startsWith('/ers/config/sgt?'));
    expect(pages.map((r) => r.path)).toEqual([
      '/ers/config/sgt?size=100&page=1',
      '/ers/config/sgt?size=100&page=2',
      '/ers/config/sgt?size=100&page=3',
    ]);
    expect(s.traffic.count('GET', '/ers/config/sgt/')).toBe(252);
    expect(c.calls()).toMatchObject({ reads: 255, writes: 0 });
  });

  test('a snapshot holds SGTs, SGACLs and cells with ids and generationIds, the ANY-ANY cell included', async () => {
    const s = await sim();
    const c = client(s);
    const before = await c.snapshot();
    expect(before.sgacls.map((a) => [a.name, a.readOnly])).toEqual([
      ['Permit IP', true],
      ['Deny IP', true],
      ['Permit_IP_Log', true],
      ['Deny_IP_Log', true],
    ]);
    expect(before.defaultCell).toMatchObject({ name: 'ANY-ANY', defaultRule: 'PERMIT_IP' });
    expect(before.cells).toHaveLength(1);
    for (const o of [...before.sgts, ...before.sgacls, ...before.cells]) expect(o.generationId).toBeString();

    // An administrator flips the default in ISE's GUI: the next snapshot shows a new generationId.
    s.state.updateCell(s.state.defaultCell().id, { defaultRule: 'DENY_IP' });
    const after = await c.snapshot();
    expect(after.defaultCell?.defaultRule).toBe('DENY_IP');
    expect(after.defaultCell?.generationId).not.toBe(before.defaultCell?.generationId);
    expect(c.calls().writes).toBe(0);
  });

  test('getCellBySrcDst finds a cell by the SGT values, and answers null when there is none', async () => {
    const s = await sim();
    const emp = s.state.sgtByName('Employees')!;
    const pci = s.state.sgtByName('PCI_Servers')!;
    const cell = s.state.createCell({
      sourceSgtId: emp.id,
      destinationSgtId: pci.id,
      matrixCellStatus: 'MONITOR',
      defaultRule: 'DENY_IP',
      sgacls: [],
    });
    const c = client(s);
    expect((await c.getCellBySrcDst(4, 14))?.id).toBe(cell.id);
    expect(await c.getCellBySrcDst(14, 4)).toBeNull();
    expect(await c.getCellBySrcDst(4, 4242)).toBeNull();
  });

  test('a 500 on a read is retried with backoff', async () => {
    const s = await sim();
    const c = client(s);
    const id = s.state.sgtByName('Guests')!.id;
    s.faults.failReads(2);
    expect((await c.getSgt(id)).name).toBe('Guests');
    expect(s.traffic.count('GET', `/ers/config/sgt/${id}`)).toBe(3);

    s.faults.failReads(3, 503);
    const e = await failure(c.getSgt(id));
    expect(e.code).toBe(IseErrorCode.Server);
    expect(e.status).toBe(503);
    expect(e.message).toContain('injected fault');
  });
});

describe('writing', () => {
  test('create answers the id from Location, update is a PUT with the id, delete answers 204', async () => {
    const s = await sim();
    const c = client(s);
    const id = await c.createSgacl(sgacl);
    expect(s.state.sgacl(id)?.aclcontent).toBe(sgacl.aclcontent);
    const before = s.state.sgacl(id)!.generationId;
    await c.updateSgacl(id, { ...sgacl, aclcontent: 'permit tcp dst eq 443\npermit udp dst eq 53\ndeny ip' });
    expect(s.state.sgacl(id)?.aclcontent).toContain('udp dst eq 53');
    expect(s.state.sgacl(id)?.generationId).not.toBe(before);
    await c.deleteSgacl(id);
    expect(s.state.sgacl(id)).toBeUndefined();
    expect(c.calls()).toMatchObject({ POST: 1, PUT: 1, DELETE: 1, writes: 3 });
  });

  test("creating a cell that exists is ALREADY_EXISTS with ISE's title", async () => {
    const s = await sim();
    const c = client(s);
    const [src, dst] = [s.state.sgtByName('Employees')!.id, s.state.sgtByName('Guests')!.id];
    const cell: CellInput = {
      sourceSgtId: src,
      destinationSgtId: dst,
      matrixCellStatus: 'ENABLED',
      defaultRule: 'DENY_IP',
      sgacls: [],
    };
    await c.createCell(cell);
    const e = await failure(c.createCell(cell));
    expect(e.code).toBe(IseErrorCode.AlreadyExists);
    expect(e.status).toBe(400);
    expect(e.titles).toEqual(['Cell Already Exists']);
    expect(e.message).toContain('Cell Already Exists');
  });

  test('a 500 on a write is not retried', async () => {
    const s = await sim();
    const c = client(s);
    s.faults.failWrite(1);
    const e = await failure(c.createSgacl(sgacl));
    expect(e.code).toBe(IseErrorCode.Server);
    expect(e.retryable).toBe(true);
    expect(s.traffic.count('POST')).toBe(1);
    expect(s.state.sgaclByName(sgacl.name)).toBeUndefined();
  });

  test('ISE refusals name the cause: a read-only SGACL, the default cell, an ERS Operator account', async () => {
    const s = await sim({
      users: [DEFAULT_SIMULATOR_USER, { username: 'viewer', password: 'pw-viewer-1', role: 'operator' }],
    });
    const c = client(s);
    const permitIp = s.state.sgaclByName('Permit IP')!;
    const ro = await failure(c.updateSgacl(permitIp.id, { name: 'Permit IP', aclcontent: 'deny ip' }));
    expect(ro.code).toBe(IseErrorCode.BadRequest);
    expect(ro.message).toContain("'Permit IP' is read-only");
    const def = await failure(c.deleteCell(s.state.defaultCell().id));
    expect(def.message).toContain('cannot be deleted');
    expect((await failure(c.getSgacl('no-such-id'))).code).toBe(IseErrorCode.NotFound);

    const viewer = client(s, { username: 'viewer', password: 'pw-viewer-1' });
    expect(await viewer.listSgacls()).toHaveLength(4);
    const e = await failure(viewer.createSgacl(sgacl));
    expect(e.code).toBe(IseErrorCode.Forbidden);
    expect(e.message).toContain('ERS Admin');
  });

  test('input that ISE would refuse is refused before sending', async () => {
    const s = await sim();
    const c = client(s);
    const e = await failure(c.createSgacl({ name: 'x', aclcontent: '' }));
    expect(e.code).toBe(IseErrorCode.BadRequest);
    expect(e.message).toContain('not sent to ISE');
    expect(c.calls().writes).toBe(0);
  });
});

describe('CSRF (enhanced security)', () => {
  test('writes carry the token fetched with a GET; an expired token is renewed once', async () => {
    const s = await sim({ csrf: true });
    const c = client(s);
    await c.createSgacl(sgacl);
    expect(s.traffic.requests.find((r) => r.method === 'POST')?.withToken).toBe(true);
    const fetches = s.traffic.count('GET', '/ers/config/sgt?size=1');
    expect(fetches).toBe(1);

    await c.createSgacl({ ...sgacl, name: 'Second' });
    expect(s.traffic.count('GET', '/ers/config/sgt?size=1')).toBe(1);

    s.faults.expireCsrfTokens();
    await c.createSgacl({ ...sgacl, name: 'Third' });
    expect(s.traffic.count('GET', '/ers/config/sgt?size=1')).toBe(2);
    expect(s.traffic.requests.filter((r) => r.method === 'POST').map((r) => r.status)).toEqual([
      201, 201, 403, 201,
    ]);
    expect(s.state.sgacls().filter((a) => !a.readOnly)).toHaveLength(3);
  });

  test('a burst of writes refused for an expired token costs one new token, not one each', async () => {
    const s = await sim({ csrf: true });
    const c = client(s);
    await c.createSgacl(sgacl);
    s.faults.expireCsrfTokens();
    await Promise.all(['A', 'B', 'C', 'D', 'E'].map((n) => c.createSgacl({ ...sgacl, name: `Burst_${n}` })));
    expect(s.traffic.count('GET', '/ers/config/sgt?size=1')).toBe(2);
    expect(s.state.sgacls().filter((a) => a.name.startsWith('Burst_'))).toHaveLength(5);
  });

  test('a client without CSRF support has its writes refused with CSRF', async () => {
    const s = await sim({ csrf: true });
    const c = client(s, { csrf: false });
    const e = await failure(c.createSgacl(sgacl));
    expect(e.code).toBe(IseErrorCode.Csrf);
    expect(e.status).toBe(403);
    expect(s.traffic.count('POST')).toBe(1);
    expect(s.state.sgaclByName(sgacl.name)).toBeUndefined();
  });

  test('against an ISE without CSRF the client writes without a token', async () => {
    const s = await sim({ csrf: false });
    const c = client(s);
    await c.createSgacl(sgacl);
    await c.createSgacl({ ...sgacl, name: 'Second' });
    expect(s.traffic.requests.filter((r) => r.method === 'POST').map((r) => r.withToken)).toEqual([
      false,
      false,
    ]);
    expect(s.traffic.count('GET', '/ers/config/sgt?size=1')).toBe(1);
  });
});

describe('connection and credentials', () => {
  test('wrong credentials are UNAUTHORIZED, and the message does not carry the password', async () => {
    const s = await sim();
    const e = await failure(client(s, { password: 'Wrong-Password-7' }).listSgts());
    expect(e.code).toBe(IseErrorCode.Unauthorized);
    expect(e.status).toBe(401);
    expect(e.message).toContain('ERS Admin');
    expect(e.message).not.toContain('Wrong-Password-7');
    expect(s.traffic.count('GET')).toBe(1);
  });

  test('a certificate the client does not trust is UNTRUSTED_CERTIFICATE and no write reaches ISE', async () => {
    const s = await sim({ csrf: true });
    const other = await makeCertificates();
    for (const caPem of [undefined, other.caPem]) {
      // Without a CA bundle the runtime's public roots apply, which never signed this one.
      const c = client(s, { caPem });
      const read = await failure(c.listSgts());
      expect(read.code).toBe(IseErrorCode.UntrustedCertificate);
      expect(read.message).toContain('CA bundle');
      const write = await failure(c.createSgacl(sgacl));
      expect(write.code).toBe(IseErrorCode.UntrustedCertificate);
      expect(c.calls().writes).toBe(0);
    }
    expect(s.traffic.requests).toHaveLength(0);
    expect(s.state.sgaclByName(sgacl.name)).toBeUndefined();
  });

  test('insecure skips verification, and says so loudly every time a client is made', async () => {
    const s = await sim();
    const warnings: string[] = [];
    const logger = { warn: (_: object, message: string) => warnings.push(message) };
    const o = { url: s.url, username: 'ersadmin', password: 'Simulated-ERS-1', insecure: true, logger };
    expect(await createIseClient(o).listSgacls()).toHaveLength(4);
    createIseClient(o);
    expect(warnings).toHaveLength(2);
    expect(warnings[0]).toContain('TLS VERIFICATION IS OFF');
    createIseClient({ ...o, insecure: false, caPem: s.caPem });
    expect(warnings).toHaveLength(2);
  });

  test('a closed port is UNREACHABLE within a second or so', async () => {
    const probe = Bun.serve({ hostname: '127.0.0.1', port: 0, fetch: () => new Response() });
    const port = probe.port;
    await probe.stop(true);
    const c = createIseClient({
      url: `https://127.0.0.1:${port}`,
      username: 'u',
      password: 'p',
      caPem: certificates.caPem,
    });
    const started = performance.now();
    const e = await failure(c.listSgts());
    expect(e.code).toBe(IseErrorCode.Unreachable);
    expect(e.message).toContain('connection refused');
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  test('no answer in time is UNREACHABLE; a write left hanging is marked outcome unknown', async () => {
    const s = await sim();
    const c = client(s, { timeoutMs: 100, readAttempts: 1 });
    // One write first, so the client has learnt this ISE uses no CSRF token and the next write goes straight out.
    await c.createSgacl({ ...sgacl, name: 'First' });
    s.faults.delayMs = 400;
    const read = await failure(c.listSgacls());
    expect(read.code).toBe(IseErrorCode.Unreachable);
    expect(read.message).toContain('within 100 ms');
    const write = await failure(c.createSgacl(sgacl));
    expect(write.code).toBe(IseErrorCode.Unreachable);
    expect(write.outcomeUnknown).toBe(true);
    expect(write.message).toContain('re-read');
    // ISE carried it out after all, once the client had stopped waiting.
    await Bun.sleep(450);
    expect(s.state.sgaclByName(sgacl.name)).toBeDefined();
  });

  test('an http:// URL, a CA bundle that is not PEM and a concurrency over 100 are refused at construction', async () => {
    const base = { username: 'u', password: 'p' };
    const bad = [
      () => createIseClient({ ...base, url: 'http://ise.example.com:9060' }),
      () => createIseClient({ ...base, url: 'https://ise.example.com', caPem: 'not a certificate' }),
      () => createIseClient({ ...base, url: 'https://ise.example.com', maxConcurrent: 101 }),
    ];
    for (const make of bad)
      expect(make).toThrow(expect.objectContaining({ code: IseErrorCode.InvalidConfig }));
  });
});

describe('concurrency', () => {
  test('calls in flight never exceed the bound', async () => {
    const s = await sim({ tags: 250 });
    s.faults.delayMs = 5;
    await client(s, { maxConcurrent: 8 }).listSgts();
    expect(s.traffic.peakConcurrent).toBeLessThanOrEqual(8);
    expect(s.traffic.peakConcurrent).toBeGreaterThan(1);

    s.traffic.reset();
    await client(s).snapshot();
    expect(s.traffic.peakConcurrent).toBeLessThanOrEqual(50);
    expect(s.traffic.peakConcurrent).toBeGreaterThan(8);
  });
});
