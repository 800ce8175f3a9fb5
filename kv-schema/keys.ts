/**
 * The only place a KV key is spelled (DESIGN §5). KV keys allow only
 * `[-/_=.a-zA-Z0-9]` and `.` separates tokens, so any token that is not plain
 * (an IP address, free text) is encoded here, never by callers: `=` followed
 * by its base64url form. Plain tokens never contain `=`, so decoding is exact.
 */
import { InvalidNameError } from '../engine/errors.ts';
import { tenantId } from '../streams/tenant.ts';

const PLAIN = /^[-_a-zA-Z0-9]{1,200}$/;
const ENCODED = /^=[-_A-Za-z0-9]*$/;

export function encodeToken(value: string): string {
  if (PLAIN.test(value)) return value;
  if (value.length === 0) throw new InvalidNameError('key token', value, 'must not be empty');
  return `=${Buffer.from(value, 'utf8').toString('base64url')}`;
}

export function decodeToken(token: string): string {
  if (ENCODED.test(token)) return Buffer.from(token.slice(1), 'base64url').toString('utf8');
  return token;
}

const FLOW_ID = /^\d{1,5}-\d{1,5}-[a-z0-9]{1,8}-(?:\d{1,5}|any)-(?:\d{1,5}|any)$/;
const ID = /^[-_a-zA-Z0-9]{1,64}$/;
const WORD = /^[a-z][a-z0-9-]{0,62}$/;
const SHA256_HEX = /^[0-9a-f]{64}$/;
/** A shared limit's name: a word, or a word scoped to one tenant (`lines.acme`). */
const LIMIT_NAME = /^[a-z][a-z0-9-]{0,62}(\.[a-z0-9][a-z0-9-]{0,62})?$/;

function checked(what: string, value: string, rule: RegExp): string {
  if (!rule.test(value)) throw new InvalidNameError(what, value, `must match ${rule.source}`);
  return value;
}

/** `<sgt>-<dgt>-<proto>-<srcPort>-<dstPort>`, checked. */
export const flowIdToken = (flowId: string): string => checked('flow id', flowId, FLOW_ID);

function tagToken(tag: number): string {
  if (!Number.isInteger(tag) || tag < 0 || tag > 65535) {
    throw new InvalidNameError('security group tag', String(tag), 'must be an integer 0–65535');
  }
  return String(tag);
}

export const keys = {
  sgt: (t: string, sgtId: number): string => {
    if (!Number.isInteger(sgtId) || sgtId < 0 || sgtId > 65535) {
      throw new InvalidNameError('security group tag', String(sgtId), 'must be an integer 0–65535');
    }
    return `${tenantId(t)}.${sgtId}`;
  },
  inventory: (t: string, flowId: string): string => `${tenantId(t)}.${flowIdToken(flowId)}`,
  proposal: (t: string, proposalId: string): string =>
    `${tenantId(t)}.${checked('proposal id', proposalId, ID)}`,
  matrixVersion: (t: string, version: number): string => {
    if (!Number.isInteger(version) || version < 1) {
      throw new InvalidNameError('matrix version', String(version), 'must be a positive integer');
    }
    return `${tenantId(t)}.v.${version}`;
  },
  matrixCurrent: (t: string): string => `${tenantId(t)}.current`,
  classification: (t: string, flowId: string): string => `${tenantId(t)}.${flowIdToken(flowId)}`,
  threat: (provider: string, ip: string): string =>
    `${checked('provider', provider, WORD)}.${encodeToken(ip)}`,
  run: (t: string, runId: string): string => `${tenantId(t)}.${checked('run id', runId, ID)}`,
  actorState: (kind: string, t: string, partition?: string): string =>
    `${checked('actor kind', kind, WORD)}.${tenantId(t)}${partition === undefined ? '' : `.${encodeToken(partition)}`}`,
  lease: (name: string): string => `lease.${checked('lease name', name, WORD)}`,
  /** A rate limit shared by every replica (in `scopilot_state`): its token buckets. */
  rateLimit: (name: string): string => `limit.${checked('rate limit name', name, LIMIT_NAME)}`,
  /** Which proposal is open for a tag pair (in `scopilot_state`): the storm-collapse index. */
  openProposal: (t: string, sgt: number, dgt: number): string => `open.${tenantId(t)}.${sgt}-${dgt}`,
  /** Every open-proposal index entry of a tenant: how many proposals are open. */
  openProposalsAll: (t: string): string => `open.${tenantId(t)}.*`,
  /** A classified flow held back while its tenant had its quota of open proposals (in `scopilot_state`). */
  heldFlow: (t: string, flowId: string): string => `held.${tenantId(t)}.${flowIdToken(flowId)}`,
  /** Every held-back flow of a tenant. */
  heldFlowsAll: (t: string): string => `held.${tenantId(t)}.*`,
  /** Rewritten whenever one of a tenant's proposals stops being open: a full tenant's proposer looks again. */
  proposalClosed: (t: string): string => `closed.${tenantId(t)}`,
  /** One history rollup of a tenant (`scopilot_history_minute` / `_hour`), by the window's start. */
  historyPoint: (t: string, startMs: number): string => {
    if (!Number.isSafeInteger(startMs) || startMs < 0) throw new RangeError(`bad history window ${startMs}`);
    return `${tenantId(t)}.${startMs}`;
  },
  /** A running count of something a tenant holds (in `scopilot_state`), e.g. its distinct flows. */
  tenantCount: (t: string, what: string): string =>
    `count.${tenantId(t)}.${checked('count name', what, WORD)}`,
  /** When watching a tenant began (in `scopilot_state`). */
  watch: (t: string): string => `watch.${tenantId(t)}`,
  /** The scheduler's last readiness snapshot of a tenant (in `scopilot_state`). */
  readiness: (t: string): string => `readiness.${tenantId(t)}`,
  cursor: (...parts: string[]): string => `cursor.${parts.map(encodeToken).join('.')}`,
  /** Written now and then by every process (in `scopilot_state`): proof that the store takes writes. */
  storeProbe: (): string => 'probe.store',
  /** A dashboard session (in `scopilot_sessions`), by the sha256 (hex) of its id: the id itself is never stored. */
  session: (digest: string): string => `session.${checked('session digest', digest, SHA256_HEX)}`,
  /** ISE sync state of one cell, by tag values (`scopilot_ise`); the ANY-ANY default is 65535-65535. */
  iseCell: (t: string, sgt: number, dgt: number): string =>
    `${tenantId(t)}.cell.${tagToken(sgt)}-${tagToken(dgt)}`,
  /** Every cell of a tenant's ISE sync state. */
  iseCellsAll: (t: string): string => `${tenantId(t)}.cell.*`,
  /** ISE sync state of one SGACL, by ISE's id. */
  iseSgacl: (t: string, iseId: string): string => `${tenantId(t)}.sgacl.${encodeToken(iseId)}`,
  iseSgaclsAll: (t: string): string => `${tenantId(t)}.sgacl.*`,
  /** The last import, push and drift check of a tenant's ISE. */
  iseSummary: (t: string): string => `${tenantId(t)}.summary`,
  /** Held while a push of the tenant runs: one push at a time. */
  isePushLock: (t: string): string => `${tenantId(t)}.lock`,
  /** Pattern of every key of one tenant in a tenant-first bucket. */
  tenantAll: (t: string): string => `${tenantId(t)}.>`,
} as const;
