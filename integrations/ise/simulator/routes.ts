/**
 * The simulated ERS API's request handling, in ISE's order: route, Basic
 * auth (401), Accept, the write gate (ERS Operator role, CSRF token,
 * Content-Type), injected faults, then the operation itself. Get-all pages
 * like ISE (`page` from 1, `size` default 20 and at most 100, `nextPage` /
 * `previousPage` links) and takes `filter=field.OP.value`.
 */
import * as v from 'valibot';
import { sleep } from '../../../engine/backoff.ts';
import { authenticate, type CsrfTokens, Role, SESSION_COOKIE, type SimulatorUser } from './auth.ts';
import type { Faults, Traffic } from './faults.ts';
import { RuleError } from './records.ts';
import type { IseState } from './store.ts';
import {
  CellRequest,
  ersResponse,
  type FilterFields,
  json,
  type Kind,
  link,
  parseFilters,
  renderCell,
  renderSgacl,
  renderSgt,
  SgaclRequest,
  SgtRequest,
  validationTitle,
} from './wire.ts';

export interface RouteContext {
  origin: string;
  state: IseState;
  faults: Faults;
  traffic: Traffic;
  users: readonly SimulatorUser[];
  csrf: boolean;
  tokens: CsrfTokens;
  defaultPageSize: number;
}

const ROUTE = /^\/ers\/config\/(sgt|sgacl|egressmatrixcell)(?:\/([^/]+))?\/?$/;
const OPERATIONS: Record<string, string> = {
  GET: 'GET-getAll',
  POST: 'POST-create',
  PUT: 'PUT-update',
  DELETE: 'DELETE-delete',
};

export function ersHandler(ctx: RouteContext): (req: Request) => Promise<Response> {
  return (req) => {
    const url = new URL(req.url);
    const token = req.headers.get('x-csrf-token');
    const withToken = token !== null && token.toLowerCase() !== 'fetch';
    return ctx.traffic.track(req.method, url.pathname + url.search, withToken, async () => {
      if (ctx.faults.delayMs > 0) await sleep(ctx.faults.delayMs);
      return handle(ctx, req, url);
    });
  };
}

async function handle(ctx: RouteContext, req: Request, url: URL): Promise<Response> {
  const m = ROUTE.exec(url.pathname);
  const href = `${ctx.origin}${url.pathname}`;
  const id = m?.[2] === undefined ? undefined : decodeURIComponent(m[2]);
  const op =
    req.method === 'GET' && id !== undefined ? 'GET-getById' : (OPERATIONS[req.method] ?? req.method);
  const refuse = (status: number, title: string) => ersResponse(status, title, op, href);
  if (!m) return refuse(404, `Resource ${url.pathname} not found`);
  const kind = m[1] as Kind;

  const user = authenticate(req.headers.get('authorization'), ctx.users);
  if (!user) {
    const res = refuse(
      401,
      'Unauthorized: the username or password is wrong, or the account may not use ERS',
    );
    res.headers.set('www-authenticate', 'Basic realm="ERS"');
    return res;
  }
  if (!/application\/json|\*\/\*/.test(req.headers.get('accept') ?? '')) {
    return refuse(406, 'Not Acceptable: this ERS API answers application/json only here');
  }
  const write = req.method !== 'GET';
  if (write) {
    if (!['POST', 'PUT', 'DELETE'].includes(req.method))
      return refuse(405, `Method ${req.method} not allowed`);
    if ((user.role ?? Role.Admin) !== Role.Admin) {
      return refuse(403, 'Forbidden: the ERS Operator role may only read; writing needs ERS Admin');
    }
    if (
      ctx.csrf &&
      !ctx.tokens.valid(req.headers.get('x-csrf-token'), user.username, req.headers.get('cookie'))
    ) {
      return refuse(
        403,
        'CSRF token validation failed: the X-CSRF-TOKEN header is missing, invalid or expired',
      );
    }
    if (req.method !== 'DELETE' && !/application\/json/.test(req.headers.get('content-type') ?? '')) {
      return refuse(415, 'Unsupported Media Type: send Content-Type: application/json');
    }
  }
  const injected = ctx.faults.next(write);
  if (injected) return refuse(injected.status, injected.title);

  let res: Response;
  try {
    res = await operate(ctx, req, url, kind, id, refuse);
  } catch (e) {
    if (!(e instanceof RuleError)) throw e;
    res = refuse(e.status, e.title);
  }
  if (ctx.csrf && req.method === 'GET' && req.headers.get('x-csrf-token')?.toLowerCase() === 'fetch') {
    const { token, session } = ctx.tokens.issue(user.username, req.headers.get('cookie'));
    res.headers.set('x-csrf-token', token);
    res.headers.append('set-cookie', `${SESSION_COOKIE}=${session}; Path=/; Secure; HttpOnly`);
  }
  return res;
}

type Refuse = (status: number, title: string) => Response;

async function operate(
  ctx: RouteContext,
  req: Request,
  url: URL,
  kind: Kind,
  id: string | undefined,
  refuse: Refuse,
) {
  const { state, origin } = ctx;
  if (req.method === 'GET' && id === undefined) return list(ctx, url, kind, refuse);
  if (req.method === 'GET') {
    const r =
      kind === 'sgt'
        ? optional(state.sgt(id!), (s) => renderSgt(s, origin))
        : kind === 'sgacl'
          ? optional(state.sgacl(id!), (a) => renderSgacl(a, origin))
          : optional(state.cell(id!), (c) => renderCell(c, origin));
    return r === undefined ? refuse(404, `Resource ${kind} with id '${id}' not found`) : json(200, r);
  }
  if (req.method === 'DELETE') {
    if (id === undefined) return refuse(405, 'DELETE needs an id');
    if (kind === 'sgt') state.deleteSgt(id);
    else if (kind === 'sgacl') state.deleteSgacl(id);
    else state.deleteCell(id);
    return new Response(null, { status: 204 });
  }
  if (req.method === 'POST' && id !== undefined)
    return refuse(405, 'POST creates: send it to the collection');
  if (req.method === 'PUT' && id === undefined) return refuse(405, 'PUT needs an id');

  const body = await req.json().catch(() => undefined);
  const schema = kind === 'sgt' ? SgtRequest : kind === 'sgacl' ? SgaclRequest : CellRequest;
  const parsed = v.safeParse(schema, body);
  if (!parsed.success) return refuse(400, validationTitle(parsed.issues));
  const out = parsed.output as Record<string, { id?: string }>;
  const inner = Object.values(out)[0]!;

  if (req.method === 'POST') {
    const created =
      kind === 'sgt'
        ? state.createSgt((parsed.output as v.InferOutput<typeof SgtRequest>).Sgt)
        : kind === 'sgacl'
          ? state.createSgacl((parsed.output as v.InferOutput<typeof SgaclRequest>).Sgacl)
          : state.createCell((parsed.output as v.InferOutput<typeof CellRequest>).EgressMatrixCell);
    return new Response(null, { status: 201, headers: { location: link(origin, kind, created.id).href } });
  }
  // PUT: ISE wants the id in the body too, and the same one as in the path.
  if (inner.id === undefined) return refuse(400, 'Validation Error - Mandatory fields missing: [Id,]');
  if (inner.id !== id)
    return refuse(400, `Validation Error - the id in the body (${inner.id}) is not the id in the URL`);
  const before: object | undefined =
    kind === 'sgt' ? state.sgt(id) : kind === 'sgacl' ? state.sgacl(id) : state.cell(id);
  if (before === undefined) return refuse(404, `Resource ${kind} with id '${id}' not found`);
  const after: object =
    kind === 'sgt'
      ? state.updateSgt(id, (parsed.output as v.InferOutput<typeof SgtRequest>).Sgt)
      : kind === 'sgacl'
        ? state.updateSgacl(id, (parsed.output as v.InferOutput<typeof SgaclRequest>).Sgacl)
        : state.updateCell(id, (parsed.output as v.InferOutput<typeof CellRequest>).EgressMatrixCell);
  return json(200, { UpdatedFieldsList: { updatedField: changes(before, after) } });
}

function list(ctx: RouteContext, url: URL, kind: Kind, refuse: Refuse): Response {
  const q = url.searchParams;
  const size = q.has('size') ? Number(q.get('size')) : ctx.defaultPageSize;
  const page = q.has('page') ? Number(q.get('page')) : 1;
  if (!Number.isInteger(size) || size < 1 || size > 100)
    return refuse(400, 'Page size must be between 1 and 100');
  if (!Number.isInteger(page) || page < 1) return refuse(400, 'Page number must be 1 or more');
  const items = matching(ctx, kind, q.getAll('filter'), q.get('filterType'));
  if (typeof items === 'string') return refuse(400, items);
  const pages = Math.max(1, Math.ceil(items.length / size));
  if (page > pages) return refuse(400, `The page ${page} does not exist. Please refine your query.`);
  const pageLink = (rel: string, p: number) => {
    const params = new URLSearchParams(q);
    params.set('size', String(size));
    params.set('page', String(p));
    return { rel, href: `${ctx.origin}${url.pathname}?${params}`, type: 'application/json' };
  };
  const resources = items.slice((page - 1) * size, page * size).map((r) => ({
    id: r.id,
    name: r.name,
    description: r.description,
    link: link(ctx.origin, kind, r.id),
  }));
  return json(200, {
    SearchResult: {
      total: items.length,
      resources,
      ...(page < pages ? { nextPage: pageLink('next', page + 1) } : {}),
      ...(page > 1 ? { previousPage: pageLink('previous', page - 1) } : {}),
    },
  });
}

type Listed = { id: string; name: string; description: string };

function matching(ctx: RouteContext, kind: Kind, filters: string[], type: string | null): Listed[] | string {
  const { state } = ctx;
  if (kind === 'sgt') {
    const fields: FilterFields<ReturnType<IseState['sgts']>[number]> = {
      name: (s) => s.name,
      value: (s) => s.value,
      description: (s) => s.description,
    };
    const test = parseFilters(filters, type, fields);
    return typeof test === 'string' ? test : state.sgts().filter(test);
  }
  if (kind === 'sgacl') {
    const test = parseFilters(filters, type, {
      name: (a: Listed) => a.name,
      description: (a: Listed) => a.description,
    });
    return typeof test === 'string' ? test : state.sgacls().filter(test);
  }
  const fields: FilterFields<ReturnType<IseState['cells']>[number]> = {
    sgtSrcName: (c) => state.sgt(c.sourceSgtId)?.name,
    sgtSrcValue: (c) => state.sgt(c.sourceSgtId)?.value,
    sgtDstName: (c) => state.sgt(c.destinationSgtId)?.name,
    sgtDstValue: (c) => state.sgt(c.destinationSgtId)?.value,
    description: (c) => c.description,
  };
  const test = parseFilters(filters, type, fields);
  return typeof test === 'string' ? test : state.cells().filter(test);
}

const optional = <T, R>(r: T | undefined, f: (r: T) => R): R | undefined =>
  r === undefined ? undefined : f(r);

/** The fields a PUT changed, in ISE's `UpdatedFieldsList` form. */
function changes(before: object, after: object) {
  const b = before as Record<string, unknown>;
  return Object.entries(after as Record<string, unknown>)
    .filter(
      ([field, value]) => field !== 'generationId' && JSON.stringify(value) !== JSON.stringify(b[field]),
    )
    .map(([field, value]) => ({ field, oldValue: String(b[field] ?? ''), newValue: String(value) }));
}
