/**
 * One valibot schema per subject (DESIGN §4), wrapped in a common envelope.
 * Producers and consumers both validate with these, so a malformed message is
 * refused where it is made, and dead-lettered (never retried) where it lands.
 */
import * as v from 'valibot';
import { TerminalError } from '../engine/errors.ts';
import { TENANT_ID } from './tenant.ts';

const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
const Port = v.union([v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535)), v.literal('any')]);
const Iso = v.pipe(v.string(), v.isoTimestamp());
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));
/** Strings that come from logs: capped, so no line can balloon a message. */
const LogText = (max: number) => v.pipe(v.string(), v.maxLength(max));

export const Envelope = v.object({
  v: v.literal(1),
  /** Unique message id, also the JetStream msgId (dedupe). */
  id: v.pipe(v.string(), v.minLength(1), v.maxLength(200)),
  tenant: v.pipe(v.string(), v.regex(TENANT_ID)),
  at: Iso,
  /** Who caused it: an actor kind, a user, or a channel-qualified principal. */
  by: v.optional(LogText(200)),
  data: v.unknown(),
});
export type Envelope = v.InferOutput<typeof Envelope>;

export const FlowProtocol = v.union([
  v.picklist(['tcp', 'udp', 'icmp', 'icmpv6']),
  v.pipe(v.string(), v.regex(/^\d{1,3}$/)),
]);

export const FlowObserved = v.object({
  sgt: Tag,
  dgt: Tag,
  protocol: FlowProtocol,
  srcPort: Port,
  dstPort: Port,
  hits: Count,
  events: Count,
  firstSeen: Iso,
  lastSeen: Iso,
  srcSamples: v.pipe(v.array(LogText(64)), v.maxLength(5)),
  dstSamples: v.pipe(v.array(LogText(64)), v.maxLength(5)),
  actions: v.array(v.picklist(['permit', 'deny'])),
  /** Of `hits`, how many the switch permitted and denied. */
  permitHits: Count,
  denyHits: Count,
  switches: v.pipe(v.array(LogText(255)), v.maxLength(16)),
  interfaces: v.pipe(v.array(LogText(128)), v.maxLength(16)),
  source: LogText(255),
  /**
   * When the earliest line behind this delta was received (epoch ms: the tail's interval
   * read, the syslog receipt, the REST request), carried on to `flows.unknown` and
   * `flows.classified` so the line-to-proposal latency can be measured. Absent in older messages.
   */
  receivedAtMs: v.optional(Count),
});
export type FlowObserved = v.InferOutput<typeof FlowObserved>;

export const FlowTrigger = v.picklist(['scan', 'threat', 'manual', 'ingest']);

/**
 * One threat-intel provider's word on a destination, as it travels with a
 * `trigger: threat` flow. The address stays in its own field: it is shown to
 * people and never put into rationale text that could reach a model.
 */
export const ThreatVerdictEntry = v.object({
  /** The destination address the verdict is about. */
  ip: LogText(64),
  provider: LogText(32),
  malicious: v.boolean(),
  /** Normalised 0–100. */
  score: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(100))),
  categories: v.optional(v.pipe(v.array(LogText(48)), v.maxLength(16))),
  /** Free text from the provider: untrusted. */
  reason: v.optional(LogText(300)),
  checkedAtMs: v.optional(Count),
});
export type ThreatVerdictEntry = v.InferOutput<typeof ThreatVerdictEntry>;

export const FlowUnknown = v.object({
  flowId: LogText(64),
  sgt: Tag,
  dgt: Tag,
  protocol: FlowProtocol,
  srcPort: Port,
  dstPort: Port,
  hits: Count,
  trigger: FlowTrigger,
  /** What caused it: a scan id, a threat verdict id, a user request. */
  triggerRef: LogText(200),
  /** The threat-intel trail behind a `trigger: threat` flow. */
  verdicts: v.optional(v.pipe(v.array(ThreatVerdictEntry), v.maxLength(64))),
  /**
   * The matrix generation it was found uncovered at (aggregator, scheduler): a flow
   * a rollback uncovers again is a new report, not a repeat of the first.
   */
  generation: v.optional(Count),
  /** The `receivedAtMs` of the delta that made it known: absent for scans, threats and requests. */
  receivedAtMs: v.optional(Count),
});
export type FlowUnknown = v.InferOutput<typeof FlowUnknown>;

export const Category = v.picklist(['business_relevant', 'default', 'business_irrelevant', 'harmful']);

export const FlowClassified = v.object({
  ...FlowUnknown.entries,
  category: Category,
  rationale: LogText(2000),
  source: v.picklist(['guardrail', 'cache', 'llm', 'heuristic', 'manual']),
  risk: v.picklist(['low', 'medium', 'high', 'critical']),
  /** Too unsure to decide alone: denied until a person decides, shown as `needs_review`. */
  needsReview: v.optional(v.boolean()),
  confidence: v.optional(v.pipe(v.number(), v.minValue(0), v.maxValue(1))),
});
export type FlowClassified = v.InferOutput<typeof FlowClassified>;

export const ProposalEventMessage = v.object({
  proposalId: LogText(64),
  status: LogText(32),
  revision: Count,
  channel: v.optional(LogText(32)),
});
export type ProposalEventMessage = v.InferOutput<typeof ProposalEventMessage>;

export const MatrixChanged = v.object({
  version: Count,
  previous: v.nullable(Count),
  reason: LogText(2000),
  proposals: v.array(LogText(64)),
});
export type MatrixChanged = v.InferOutput<typeof MatrixChanged>;

export const AuditRecord = v.object({
  action: LogText(64),
  object: LogText(200),
  channel: LogText(32),
  detail: v.optional(v.record(v.string(), v.unknown())),
});
export type AuditRecord = v.InferOutput<typeof AuditRecord>;

const DriftKind = v.picklist(['missing', 'extra', 'changed', 'default']);

/**
 * `ise.drift`: one comparison of a tenant's ISE with its approved version, the
 * busiest part of it when long (`truncated`). Sent after every check, an
 * empty one included, so a watcher knows when ISE was last compared.
 */
export const IseDriftReport = v.object({
  /** The approved version compared with. */
  version: Count,
  count: Count,
  drifts: v.pipe(
    v.array(
      v.object({
        kind: DriftKind,
        sgt: v.optional(Tag),
        dgt: v.optional(Tag),
        srcName: v.optional(LogText(128)),
        dstName: v.optional(LogText(128)),
        expected: v.optional(LogText(2000)),
        actual: v.optional(LogText(2000)),
        detail: LogText(500),
      }),
    ),
    v.maxLength(100),
  ),
  truncated: v.boolean(),
  /** When ISE was read. */
  readAt: Iso,
});
export type IseDriftReport = v.InferOutput<typeof IseDriftReport>;

export const DeadLetter = v.object({
  actor: LogText(64),
  error: LogText(4000),
  code: v.optional(LogText(64)),
  stream: LogText(64),
  seq: Count,
  subject: LogText(512),
  deliveries: Count,
  /** The original payload, base64, so it can be inspected and replayed. */
  payload: v.string(),
});
export type DeadLetter = v.InferOutput<typeof DeadLetter>;

const encoder = new TextEncoder();
const decoder = new TextDecoder('utf-8', { fatal: true });

/**
 * An outgoing payload checked against its subject's schema, so a producer's
 * mistake is refused where it is made instead of dead-lettered downstream.
 */
export function checked<S extends v.GenericSchema>(schema: S, data: v.InferInput<S>): v.InferOutput<S> {
  const result = v.safeParse(schema, data);
  if (!result.success)
    throw new TerminalError(`refusing to publish a bad ${schemaName(schema)}: ${summarize(result.issues)}`);
  return result.output;
}

/** The envelope as a value, for effects the actor runner serialises. */
export const envelope = (e: Omit<Envelope, 'v'>): Envelope => ({ v: 1, ...e });

export function encodeMessage(e: Omit<Envelope, 'v'>): Uint8Array {
  return encoder.encode(JSON.stringify(envelope(e)));
}

/** Decode and validate; bad bytes, JSON or shape are a TerminalError (retrying cannot help). */
export function decodeMessage<S extends v.GenericSchema>(
  bytes: Uint8Array,
  schema: S,
): Envelope & { data: v.InferOutput<S> } {
  let raw: unknown;
  try {
    raw = JSON.parse(decoder.decode(bytes));
  } catch (error) {
    throw new TerminalError(`message is not UTF-8 JSON: ${(error as Error).message}`);
  }
  const envelope = v.safeParse(Envelope, raw);
  if (!envelope.success) throw new TerminalError(`bad envelope: ${summarize(envelope.issues)}`);
  const data = v.safeParse(schema, envelope.output.data);
  if (!data.success) throw new TerminalError(`bad ${schemaName(schema)} payload: ${summarize(data.issues)}`);
  return { ...envelope.output, data: data.output };
}

/** `path: message` for each issue, short enough for a log line or a dead letter. */
export function summarize(issues: readonly v.BaseIssue<unknown>[]): string {
  return issues
    .slice(0, 5)
    .map((i) => `${v.getDotPath(i) ?? '(root)'}: ${i.message}`)
    .join('; ');
}

const schemaName = (schema: v.GenericSchema): string => schema.expects;
