/**
 * Valibot schemas of stored values, one per record kind. The same schemas
 * validate what is read back, so a value written by an older or broken writer
 * is reported, not trusted.
 */
import * as v from 'valibot';
import { TAG_CLASSES } from '../domain/classify/classes.ts';
import { ThreatVerdictEntry } from '../streams/messages.ts';

const Iso = v.pipe(v.string(), v.isoTimestamp());
const Ms = v.pipe(v.number(), v.integer());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Text = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const SgtRecord = v.object({
  name: v.pipe(v.string(), v.minLength(1), v.maxLength(128)),
  updatedBy: Text(200),
  updatedAt: Iso,
  /** The tag's class when set explicitly (dictionary column, API, ISE description); absent: inferred from the name. */
  class: v.optional(v.picklist(TAG_CLASSES)),
});
export type SgtRecord = v.InferOutput<typeof SgtRecord>;

/** `<t>.current`: which version is live, and the highest version ever written. */
export const MatrixPointer = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(0)),
  latest: v.pipe(v.number(), v.integer(), v.minValue(0)),
  /**
   * Grows with every move of the pointer (approval, rollback, roll forward), so a
   * version live again is a new generation. Equal to `version` until the first
   * rollback; absent on pointers written before it was kept (then: `version`).
   */
  generation: v.optional(Count),
  by: Text(200),
  channel: Text(32),
  at: Iso,
  reason: Text(2000),
});
export type MatrixPointer = v.InferOutput<typeof MatrixPointer>;

const Port = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Ports = (min: number, max: number) => v.pipe(v.array(Port), v.minLength(min), v.maxLength(max));
/** A port clause other than a single `eq` (domain/ace-parts.ts): 1-10 `eq` ports, one for lt/gt/neq, low-high for range. */
const PortMatch = v.variant('op', [
  v.object({ op: v.literal('eq'), ports: Ports(1, 10) }),
  v.object({ op: v.picklist(['lt', 'gt', 'neq']), ports: Ports(1, 1) }),
  v.object({
    op: v.literal('range'),
    ports: v.pipe(
      Ports(2, 2),
      v.check((p) => (p[0] as number) <= (p[1] as number), 'a range goes from low to high'),
    ),
  }),
]);
const IcmpNumber = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(255));
const IcmpMatch = v.union([
  v.object({ message: v.pipe(v.string(), v.regex(/^[a-z][a-z0-9-]{0,31}$/)) }),
  v.object({ type: IcmpNumber, code: v.optional(IcmpNumber) }),
]);

/**
 * An SGACL ACE (domain/ace.ts). `src`, `dst`, `icmp` and `raw` came after the
 * first ACEs were stored; all optional, so those read back unchanged.
 */
export const Ace = v.object({
  action: v.picklist(['permit', 'deny']),
  protocol: v.pipe(
    v.string(),
    v.regex(/^(ip|tcp|udp|icmp|icmpv6|ahp|eigrp|esp|gre|igmp|ipinip|nos|ospf|pcp|pim|\d{1,3})$/),
  ),
  srcPort: v.optional(Port),
  dstPort: v.optional(Port),
  src: v.optional(PortMatch),
  dst: v.optional(PortMatch),
  icmp: v.optional(IcmpMatch),
  log: v.optional(v.boolean()),
  /** A line the model cannot hold, kept verbatim: one line, never empty. */
  raw: v.optional(v.pipe(v.string(), v.minLength(1), v.maxLength(1024), v.regex(/^[^\r\n]+$/))),
});

export const ContractAce = v.object({
  ...Ace.entries,
  hits: Count,
  events: Count,
  flowIds: v.array(Text(64)),
  conflict: v.boolean(),
  decision: v.object({
    flowId: Text(64),
    category: v.picklist(['business_relevant', 'default', 'business_irrelevant', 'harmful']),
    source: v.picklist(['guardrail', 'cache', 'llm', 'heuristic', 'manual']),
    risk: v.picklist(['low', 'medium', 'high', 'critical']),
    rationale: Text(2000),
    /** Too unsure to decide alone: shown as `needs_review` (absent on ACEs stored before it was kept). */
    needsReview: v.optional(v.boolean()),
    confidence: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
  }),
});

const Bucketed = v.object({ flows: Count, hits: Count });

export const Contract = v.object({
  name: Text(128),
  sgt: Tag,
  dgt: Tag,
  sourceName: Text(128),
  destinationName: Text(128),
  aces: v.array(ContractAce),
  hits: Count,
  events: Count,
  classification: v.object({
    business_relevant: Bucketed,
    default: Bucketed,
    business_irrelevant: Bucketed,
    harmful: Bucketed,
    unclassified: Bucketed,
  }),
});

export const MatrixVersionRecord = v.object({
  version: v.pipe(v.number(), v.integer(), v.minValue(1)),
  parent: v.nullable(v.pipe(v.number(), v.integer(), v.minValue(1))),
  author: Text(200),
  channel: Text(32),
  reason: Text(2000),
  atMs: Ms,
  proposals: v.array(Text(64)),
  /** Where it came from: absent for an approval, `ise` for ISE's matrix imported as a version. */
  source: v.optional(v.picklist(['ise'])),
  matrix: v.object({ cells: v.array(Contract), defaultRule: v.picklist(['deny ip', 'permit ip']) }),
});
export type MatrixVersionRecord = v.InferOutput<typeof MatrixVersionRecord>;

const Channel = v.picklist(['api', 'cli', 'ui', 'mcp', 'webex', 'system']);
const Status = v.picklist([
  'pending',
  'notified',
  'approved',
  'applied',
  'failed',
  'rejected',
  'expired',
  'rolled_back',
]);

export const ProposalRecord = v.object({
  id: Text(64),
  tenant: Text(63),
  idempotencyKey: Text(128),
  sgt: Tag,
  dgt: Tag,
  aces: v.array(ContractAce),
  evidence: v.array(
    v.object({
      flowId: Text(64),
      hits: Count,
      events: Count,
      firstSeenMs: Ms,
      lastSeenMs: Ms,
      daysSeen: Count,
      srcSamples: v.array(Text(64)),
      dstSamples: v.array(Text(64)),
      category: Text(32),
      source: Text(32),
      rationale: Text(2000),
      risk: Text(16),
    }),
  ),
  triggers: v.array(
    v.object({ trigger: v.picklist(['scan', 'threat', 'manual', 'ingest']), ref: Text(200) }),
  ),
  status: Status,
  rare: v.boolean(),
  urgent: v.optional(v.boolean()),
  /** The verdict trail of a `threat` trigger, as it arrived with the flow. */
  threat: v.optional(v.array(ThreatVerdictEntry)),
  createdBy: Text(200),
  createdAtMs: Ms,
  updatedAtMs: Ms,
  expiresAtMs: Ms,
  decision: v.optional(
    v.object({ by: Text(200), channel: Channel, atMs: Ms, reason: v.optional(Text(2000)) }),
  ),
  appliedVersion: v.optional(Count),
  failure: v.optional(Text(2000)),
  /**
   * What of its cell reached Cisco ISE, as of the last push that touched it:
   * `monitor`, `enforced`, or `failed` with the reason. Beside the status, which
   * keeps meaning "in the approved matrix".
   */
  ise: v.optional(
    v.object({
      state: v.picklist(['monitor', 'enforced', 'failed']),
      version: Count,
      stage: v.picklist(['monitor', 'enforce', 'deny-default']),
      atMs: Ms,
      reason: v.optional(Text(2000)),
    }),
  ),
  /** When the evidence figures were last read from the inventory; absent: as created. */
  evidenceAtMs: v.optional(Ms),
  history: v.array(
    v.object({ status: Status, atMs: Ms, by: Text(200), channel: Channel, note: v.optional(Text(2000)) }),
  ),
});
export type ProposalRecord = v.InferOutput<typeof ProposalRecord>;

/** One flow of a tenant's inventory (`scopilot_inventory`, `<t>.<flowId>`). */
export const InventoryRecord = v.object({
  flowId: Text(64),
  sgt: Tag,
  dgt: Tag,
  protocol: Text(8),
  srcPort: v.union([Count, v.literal('any')]),
  dstPort: v.union([Count, v.literal('any')]),
  hits: Count,
  events: Count,
  firstSeenMs: Ms,
  lastSeenMs: Ms,
  /** Distinct UTC days (epoch day numbers), the last 366 kept. */
  days: v.array(Count),
  srcSamples: v.array(Text(64)),
  dstSamples: v.array(Text(64)),
  permitHits: Count,
  denyHits: Count,
  /**
   * Matrix generation (MatrixPointer `generation`: the version number until a
   * rollback) this flow was last reported unknown against; 0: before any
   * version; null: never.
   */
  unknownAt: v.nullable(Count),
  /** Grows with every change: a write derived from an older state never replaces a newer one. */
  rev: v.optional(Count, 0),
});
export type InventoryRecord = v.InferOutput<typeof InventoryRecord>;

export const ClassificationRecord = v.object({
  flowId: Text(64),
  category: v.picklist(['business_relevant', 'default', 'business_irrelevant', 'harmful']),
  rationale: Text(2000),
  source: v.picklist(['guardrail', 'cache', 'llm', 'heuristic', 'manual']),
  risk: v.picklist(['low', 'medium', 'high', 'critical']),
  model: v.optional(Text(100)),
  atMs: Ms,
});
export type ClassificationRecord = v.InferOutput<typeof ClassificationRecord>;

export const ReadinessSnapshot = v.object({
  atMs: Ms,
  /** The matrix version measured (0: none yet). */
  version: Count,
  ratio: v.number(),
  totalHits: Count,
  coveredHits: Count,
  deniedHits: Count,
  uncoveredHits: Count,
  flows: v.object({ total: Count, covered: Count, denied: Count, uncovered: Count }),
  criticalBlockers: Count,
  /** The busiest uncovered flows. */
  blockers: v.array(
    v.object({ flowId: Text(64), hits: Count, service: v.nullable(Text(64)), critical: v.boolean() }),
  ),
});
export type ReadinessSnapshot = v.InferOutput<typeof ReadinessSnapshot>;

/**
 * Where a file tail stands (`cursor.tail.<t>.<path>` in `scopilot_state`):
 * the committed position, and the range being published, written before the
 * publish, so a restart republishes exactly that range (deduplicated).
 */
export const TailCursor = v.object({
  ino: v.number(),
  offset: Count,
  pending: v.nullable(v.object({ ino: v.number(), start: Count, end: Count })),
  updatedAtMs: Ms,
});
export type TailCursor = v.InferOutput<typeof TailCursor>;

/**
 * When the product began watching a tenant (`watch.<t>` in `scopilot_state`):
 * the earliest first-seen of its traffic, the start of the window rarity is
 * measured in. It only ever moves earlier (logs read from further back).
 */
export const WatchRecord = v.object({ sinceMs: Ms });
export type WatchRecord = v.InferOutput<typeof WatchRecord>;

/**
 * A running count of something a tenant holds (`count.<t>.<what>` in `scopilot_state`), kept with
 * compare-and-set so every replica adds to the same figure (kv-schema/tenant-counter.ts).
 */
export const TenantCountRecord = v.object({ count: Count, updatedAtMs: Ms });
export type TenantCountRecord = v.InferOutput<typeof TenantCountRecord>;

/**
 * How far a replay of dead letters got (`cursor.redrive.<actor>.<t>` in `scopilot_state`): the
 * last dead letter's sequence sent again, so a second replay sends only newer ones.
 */
export const RedriveCursor = v.object({ seq: Count, updatedAtMs: Ms });
export type RedriveCursor = v.InferOutput<typeof RedriveCursor>;

/** The proposal currently collecting a tag pair's flows. */
export const OpenProposalIndex = v.object({ proposalId: Text(64) });
export type OpenProposalIndex = v.InferOutput<typeof OpenProposalIndex>;

/**
 * One provider's verdict about one address (`scopilot_threat`, `<provider>.<ip>`).
 * The expiry is inside the value because per-key TTLs need nats-server 2.11;
 * readers ignore an expired record, the bucket's max age removes it later.
 */
export const ThreatVerdictRecord = v.object({
  provider: Text(64),
  ip: Text(64),
  outcome: v.picklist(['malicious', 'clean', 'no_answer']),
  score: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
  categories: v.array(Text(32)),
  reason: v.optional(Text(32)),
  detail: v.optional(Text(500)),
  checkedAtMs: Ms,
  expiresAtMs: Ms,
});
export type ThreatVerdictRecord = v.InferOutput<typeof ThreatVerdictRecord>;

/**
 * A dashboard session (`scopilot_sessions`, keyed by the sha256 of its id):
 * who signed in and until when. `key` names the API key it was opened with
 * (a prefix of that key's hash), so a session ends when its key is removed;
 * a session opened with an OIDC JWT ends at the token's expiry at the latest.
 */
export const SessionRecord = v.object({
  tenant: Text(63),
  role: v.picklist(['viewer', 'operator', 'admin']),
  subject: Text(200),
  key: v.optional(v.pipe(v.string(), v.regex(/^[0-9a-f]{16}$/))),
  createdAtMs: Ms,
  expiresAtMs: Ms,
});
export type SessionRecord = v.InferOutput<typeof SessionRecord>;

/**
 * One window of a tenant's history (`scopilot_history_minute` / `_hour`, by
 * the window's start): the traffic seen in it by coverage and by tag pair
 * (the busiest), and the gauges at its last update.
 */
export const HistoryPoint = v.object({
  startMs: Ms,
  resolution: v.picklist(['minute', 'hour']),
  updatedAtMs: Ms,
  hits: Count,
  permittedHits: Count,
  deniedHits: Count,
  uncoveredHits: Count,
  /** permitted / (hits − denied) in the window; 1 with no traffic to permit. */
  coverage: v.number(),
  /** The scheduler's readiness ratio of the live version, when it had measured it. */
  readiness: v.nullable(v.number()),
  openProposals: Count,
  version: Count,
  pairs: v.pipe(
    v.array(
      v.object({
        sgt: Count,
        dgt: Count,
        hits: Count,
        status: v.picklist(['permitted', 'denied', 'uncovered']),
      }),
    ),
    v.maxLength(200),
  ),
});
export type HistoryPoint = v.InferOutput<typeof HistoryPoint>;
