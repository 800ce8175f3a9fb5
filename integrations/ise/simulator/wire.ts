/**
 * The simulator's side of the ERS wire format: schemas for the bodies it
 * accepts (a body that does not fit is answered 400 with an ERSResponse,
 * as ISE does) and the JSON it answers — root-wrapped objects with a `self`
 * link, SearchResult pages, ERSResponse errors. Written apart from the
 * client's schemas on purpose: if both sides shared one reading of the
 * documentation, a misreading would never show in a test.
 */
import * as v from 'valibot';
import type { CellRecord, SgaclRecord, SgtRecord } from './records.ts';

const Str = (max: number) => v.pipe(v.string(), v.maxLength(max));
const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));

export const SgtRequest = v.object({
  Sgt: v.object({
    id: v.optional(Id),
    name: Str(255),
    description: v.optional(Str(1024)),
    value: v.pipe(v.number(), v.integer()),
    propogateToApic: v.optional(v.boolean()),
    isReadOnly: v.optional(v.boolean()),
    defaultSGACLs: v.optional(v.array(v.unknown())),
  }),
});

export const SgaclRequest = v.object({
  Sgacl: v.object({
    id: v.optional(Id),
    name: Str(255),
    description: v.optional(Str(1024)),
    ipVersion: v.optional(v.picklist(['IPV4', 'IPV6', 'IP_AGNOSTIC'])),
    aclcontent: Str(64 * 1024),
    readOnly: v.optional(v.boolean()),
    isReadOnly: v.optional(v.boolean()),
  }),
});

export const CellRequest = v.object({
  EgressMatrixCell: v.object({
    id: v.optional(Id),
    name: v.optional(Str(512)),
    description: v.optional(Str(1024)),
    sourceSgtId: Id,
    destinationSgtId: Id,
    matrixCellStatus: v.picklist(['ENABLED', 'DISABLED', 'MONITOR']),
    defaultRule: v.picklist(['NONE', 'DENY_IP', 'PERMIT_IP']),
    sgacls: v.optional(v.array(Id), []),
  }),
});

/** `Sgt.value: Invalid type…` for the first issue, as an ERSResponse title. */
export function validationTitle(issues: readonly v.BaseIssue<unknown>[]): string {
  const i = issues[0];
  return `Validation Error - ${i ? `${v.getDotPath(i) ?? 'body'}: ${i.message}` : 'invalid body'}`;
}

export type Kind = 'sgt' | 'sgacl' | 'egressmatrixcell';

export const link = (origin: string, kind: Kind, id: string) => ({
  rel: 'self',
  href: `${origin}/ers/config/${kind}/${id}`,
  type: 'application/json',
});

export function renderSgt(s: SgtRecord, origin: string) {
  return { Sgt: { ...s, defaultSGACLs: [], link: link(origin, 'sgt', s.id) } };
}

/** ISE reads out `isReadOnly` for an SGACL (its SDK's model), though it takes `readOnly` on writes. */
export function renderSgacl(a: SgaclRecord, origin: string) {
  const { readOnly, ...rest } = a;
  return { Sgacl: { ...rest, isReadOnly: readOnly, modelledContent: {}, link: link(origin, 'sgacl', a.id) } };
}

export function renderCell(c: CellRecord, origin: string) {
  return { EgressMatrixCell: { ...c, link: link(origin, 'egressmatrixcell', c.id) } };
}

export function ersResponse(status: number, title: string, operation: string, href: string): Response {
  const code =
    status === 404 ? 'Resource not found exception' : status >= 500 ? 'Internal error' : 'CRUD exception';
  return json(status, {
    ERSResponse: {
      operation,
      messages: [{ title, type: 'ERROR', code }],
      link: { rel: 'related', href, type: 'application/xml' },
    },
  });
}

export function json(status: number, body: unknown, headers: Record<string, string> = {}): Response {
  return new Response(JSON.stringify(body), {
    status,
    headers: { 'content-type': 'application/json;charset=utf-8', ...headers },
  });
}

/** What a resource's get-all can be filtered on (`filter=field.OP.value`), as ISE documents per resource. */
export type FilterFields<T> = Record<string, (r: T) => string | number | undefined>;

const OPS: Record<string, (have: string, want: string) => boolean> = {
  EQ: (h, w) => h.toLowerCase() === w.toLowerCase(),
  NEQ: (h, w) => h.toLowerCase() !== w.toLowerCase(),
  GT: (h, w) => Number(h) > Number(w),
  LT: (h, w) => Number(h) < Number(w),
  STARTSW: (h, w) => h.toLowerCase().startsWith(w.toLowerCase()),
  NSTARTSW: (h, w) => !h.toLowerCase().startsWith(w.toLowerCase()),
  ENDSW: (h, w) => h.toLowerCase().endsWith(w.toLowerCase()),
  NENDSW: (h, w) => !h.toLowerCase().endsWith(w.toLowerCase()),
  CONTAINS: (h, w) => h.toLowerCase().includes(w.toLowerCase()),
  NCONTAINS: (h, w) => !h.toLowerCase().includes(w.toLowerCase()),
};

/** A predicate for the `filter` parameters (AND, or OR with `filterType=or`); a string is a 400 title. */
export function parseFilters<T>(
  filters: readonly string[],
  filterType: string | null,
  fields: FilterFields<T>,
): ((r: T) => boolean) | string {
  const tests: ((r: T) => boolean)[] = [];
  for (const f of filters) {
    const m = /^([A-Za-z]+)\.([A-Z]+)\.(.*)$/.exec(f);
    const field = m ? fields[m[1]!] : undefined;
    const op = m ? OPS[m[2]!] : undefined;
    if (!m || !field || !op) return `Invalid filter '${f.slice(0, 100)}': unknown field or operator`;
    const want = m[3]!;
    tests.push((r) => op(String(field(r) ?? ''), want));
  }
  const any = filterType?.toLowerCase() === 'or';
  return (r) => tests.length === 0 || (any ? tests.some((t) => t(r)) : tests.every((t) => t(r)));
}
