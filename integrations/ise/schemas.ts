/**
 * The ERS wire format for the TrustSec matrix (reference/ise-and-ios.md), as
 * valibot schemas, and the plain-data types inferred from them. Bodies are
 * wrapped in a root object (`{"Sgt": {…}}`); these schemas describe both the
 * wrapper and the object inside. Objects are not strict — a field a newer
 * ISE adds does not break a read — but every field the product relies on is
 * checked and bounded, because ISE's answers are outside input.
 */
import * as v from 'valibot';

const Id = v.pipe(v.string(), v.minLength(1), v.maxLength(128));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const Link = v.object({
  rel: v.optional(Text(64)),
  href: Text(4096),
  type: v.optional(Text(128)),
});
export type Link = v.InferOutput<typeof Link>;

export const IpVersion = { Ipv4: 'IPV4', Ipv6: 'IPV6', Agnostic: 'IP_AGNOSTIC' } as const;
export type IpVersion = (typeof IpVersion)[keyof typeof IpVersion];

export const CellStatus = { Enabled: 'ENABLED', Disabled: 'DISABLED', Monitor: 'MONITOR' } as const;
export type CellStatus = (typeof CellStatus)[keyof typeof CellStatus];

/** A cell's final catch-all rule, applied after its SGACLs. */
export const DefaultRule = { None: 'NONE', DenyIp: 'DENY_IP', PermitIp: 'PERMIT_IP' } as const;
export type DefaultRule = (typeof DefaultRule)[keyof typeof DefaultRule];

/** ISE's ANY group (value 65535): the ANY-ANY cell is the matrix default. */
export const ANY_SGT_VALUE = 65535;

// ISE answers generationId as a string; accept a number too and keep one type.
const GenerationId = v.pipe(
  v.union([Text(64), v.number()]),
  v.transform((g) => String(g)),
);

/** A Security Group Tag: `GET /ers/config/sgt/{id}` → `{"Sgt": …}`. */
export const Sgt = v.object({
  id: Id,
  name: Text(256),
  description: v.optional(Text(1024), ''),
  value: v.pipe(v.number(), v.integer(), v.minValue(-1), v.maxValue(65535)),
  generationId: v.optional(GenerationId),
  isReadOnly: v.optional(v.boolean(), false),
  /** Spelled so by ISE. */
  propogateToApic: v.optional(v.boolean(), false),
  defaultSGACLs: v.optional(v.array(v.unknown()), []),
});
export type Sgt = v.InferOutput<typeof Sgt>;

/** A Security Group ACL: `{"Sgacl": …}`. `aclcontent` is IOS-XE ACE text, one ACE per line. */
export const Sgacl = v.pipe(
  v.object({
    id: Id,
    name: Text(256),
    description: v.optional(Text(1024), ''),
    ipVersion: v.optional(v.picklist(Object.values(IpVersion)), IpVersion.Agnostic),
    aclcontent: v.optional(Text(64 * 1024), ''),
    generationId: v.optional(GenerationId),
    // ISE's own SDK reads `isReadOnly` while its write model says `readOnly`: take either.
    readOnly: v.optional(v.boolean()),
    isReadOnly: v.optional(v.boolean()),
  }),
  v.transform(({ readOnly, isReadOnly, ...rest }) => ({
    ...rest,
    readOnly: readOnly ?? isReadOnly ?? false,
  })),
);
export type Sgacl = v.InferOutput<typeof Sgacl>;

/** One cell of the egress matrix: `{"EgressMatrixCell": …}`. */
export const EgressMatrixCell = v.object({
  id: Id,
  name: v.optional(Text(512), ''),
  description: v.optional(Text(1024), ''),
  sourceSgtId: Id,
  destinationSgtId: Id,
  matrixCellStatus: v.picklist(Object.values(CellStatus)),
  defaultRule: v.picklist(Object.values(DefaultRule)),
  sgacls: v.optional(v.pipe(v.array(Id), v.maxLength(256)), []),
  /** Not every ISE release returns one for cells; compare bodies when it is absent. */
  generationId: v.optional(GenerationId),
});
export type EgressMatrixCell = v.InferOutput<typeof EgressMatrixCell>;

export const SgtBody = v.object({ Sgt });
export const SgaclBody = v.object({ Sgacl });
export const EgressMatrixCellBody = v.object({ EgressMatrixCell });

/** One entry of a get-all page: ids and names only, the body is read by id. */
export const ResourceRef = v.object({
  id: Id,
  name: v.optional(Text(512)),
  description: v.optional(Text(1024)),
  link: v.optional(Link),
});
export type ResourceRef = v.InferOutput<typeof ResourceRef>;

export const SearchResult = v.object({
  SearchResult: v.object({
    total: v.pipe(v.number(), v.integer(), v.minValue(0)),
    // ISE leaves `resources` out of an empty page.
    resources: v.optional(v.pipe(v.array(ResourceRef), v.maxLength(100)), []),
    nextPage: v.optional(Link),
    previousPage: v.optional(Link),
  }),
});
export type SearchResult = v.InferOutput<typeof SearchResult>['SearchResult'];

/** ISE's error body. Every field is optional: it is read to explain a failure, never to decide one. */
export const ErsResponse = v.object({
  ERSResponse: v.object({
    operation: v.optional(Text(256)),
    messages: v.optional(
      v.array(
        v.object({
          title: v.optional(Text(2048)),
          type: v.optional(Text(64)),
          code: v.optional(Text(256)),
        }),
      ),
      [],
    ),
    link: v.optional(Link),
  }),
});
export type ErsResponse = v.InferOutput<typeof ErsResponse>['ERSResponse'];

/** What a PUT answers. ISE gives `updatedField` as a list or a single object, so it is not looked into. */
export const UpdatedFieldsList = v.object({
  UpdatedFieldsList: v.looseObject({ updatedField: v.optional(v.unknown()) }),
});

// What the product sends. Ids, generationIds and read-only flags belong to ISE.

export const SgtInput = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  description: v.optional(Text(1024)),
  /** The tag number; -1 lets ISE choose one. */
  value: v.pipe(v.number(), v.integer(), v.minValue(-1), v.maxValue(65519)),
  propogateToApic: v.optional(v.boolean()),
});
export type SgtInput = v.InferInput<typeof SgtInput>;

export const SgaclInput = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(256)),
  description: v.optional(Text(1024)),
  ipVersion: v.optional(v.picklist(Object.values(IpVersion))),
  aclcontent: v.pipe(v.string(), v.minLength(1), v.maxLength(64 * 1024)),
});
export type SgaclInput = v.InferInput<typeof SgaclInput>;

export const CellInput = v.object({
  name: v.optional(Text(512)),
  description: v.optional(Text(1024)),
  sourceSgtId: Id,
  destinationSgtId: Id,
  matrixCellStatus: v.picklist(Object.values(CellStatus)),
  defaultRule: v.picklist(Object.values(DefaultRule)),
  sgacls: v.pipe(v.array(Id), v.maxLength(256)),
});
export type CellInput = v.InferInput<typeof CellInput>;

/** `path: message; …` for the first few issues of a failed parse. */
export function describeIssues(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 3)
    .map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`)
    .join('; ');
}
