/**
 * The only place a subject is spelled (DESIGN §4). Every builder validates its
 * tokens, so a tenant id or tag that would break the subject grammar never
 * reaches the wire.
 */
import { InvalidNameError } from '../engine/errors.ts';
import { DEFAULT_NAMESPACE, type Namespace } from './namespace.ts';
import { tenantId } from './tenant.ts';

export const ProposalEvent = {
  Created: 'created',
  Updated: 'updated',
  Decided: 'decided',
  Applied: 'applied',
  Expired: 'expired',
  Failed: 'failed',
  /** Its version left the live matrix (a rollback); `applied` again when a roll forward brings it back. */
  RolledBack: 'rolled-back',
} as const;
export type ProposalEvent = (typeof ProposalEvent)[keyof typeof ProposalEvent];

export const ActorKind = {
  Tail: 'tail',
  Aggregator: 'aggregator',
  Classifier: 'classifier',
  Proposer: 'proposer',
  MatrixKeeper: 'matrix-keeper',
  ThreatWatch: 'threat-watch',
  Notifier: 'notifier',
  Scheduler: 'scheduler',
  History: 'history',
} as const;
export type ActorKind = (typeof ActorKind)[keyof typeof ActorKind];

export const CommandVerb = {
  Decide: 'decide',
  /** Many proposals decided alike: one version for every approval. */
  DecideMany: 'decide-many',
  Rollback: 'rollback',
  Propose: 'propose',
} as const;
export type CommandVerb = (typeof CommandVerb)[keyof typeof CommandVerb];

const WORD = /^[a-z][a-z0-9-]{0,62}$/;

function word(what: string, value: string): string {
  if (!WORD.test(value)) throw new InvalidNameError(what, value, `must match ${WORD.source}`);
  return value;
}

function tag(value: number): string {
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    throw new InvalidNameError('security group tag', String(value), 'must be an integer 0–65535');
  }
  return String(value);
}

/** `*` (every tenant) or a valid tenant id. */
const tenantOrAll = (t: string): string => (t === '*' ? t : tenantId(t));

export interface Subjects {
  flowsObserved(tenant: string, sgt: number, dgt: number): string;
  /** Pattern for every observed flow of one tenant, or of all with `*`. */
  flowsObservedAll(tenant?: string): string;
  flowsUnknown(tenant: string): string;
  flowsClassified(tenant: string): string;
  proposal(tenant: string, event: ProposalEvent): string;
  proposalsAll(tenant?: string): string;
  matrixChanged(tenant: string): string;
  /** Each comparison of a tenant's ISE with its approved version (IseDriftReport). */
  iseDrift(tenant: string): string;
  audit(tenant: string): string;
  dead(tenant: string, actor: string): string;
  deadAll(tenant?: string): string;
  command(tenant: string, verb: CommandVerb): string;
  /** Tenant-wildcard pattern of a per-tenant subject kind: `<root>.*.<rest>`. */
  allTenants(suffix: string): string;
  /** The tenant token of any subject in this namespace, or null. */
  tenantOf(subject: string): string | null;
}

export function subjectsFor(ns: Namespace = DEFAULT_NAMESPACE): Subjects {
  const root = ns.root;
  const at = (t: string, ...rest: string[]): string => [root, t, ...rest].join('.');
  return {
    flowsObserved: (t, sgt, dgt) => at(tenantId(t), 'flows', 'observed', tag(sgt), tag(dgt)),
    flowsObservedAll: (t = '*') => at(tenantOrAll(t), 'flows', 'observed', '>'),
    flowsUnknown: (t) => at(tenantId(t), 'flows', 'unknown'),
    flowsClassified: (t) => at(tenantId(t), 'flows', 'classified'),
    proposal: (t, event) => at(tenantId(t), 'proposals', word('proposal event', event)),
    proposalsAll: (t = '*') => at(tenantOrAll(t), 'proposals', '*'),
    matrixChanged: (t) => at(tenantId(t), 'matrix', 'changed'),
    iseDrift: (t) => at(tenantId(t), 'ise', 'drift'),
    audit: (t) => at(tenantId(t), 'audit'),
    dead: (t, actor) => at(tenantId(t), 'dead', word('actor kind', actor)),
    deadAll: (t = '*') => at(tenantOrAll(t), 'dead', '*'),
    command: (t, verb) => at(tenantId(t), 'cmd', word('command verb', verb)),
    allTenants: (suffix) => at('*', suffix),
    tenantOf: (subject) => {
      const [first, second] = subject.split('.', 2);
      return first === root && second !== undefined && second !== '*' ? second : null;
    },
  };
}

/** Subjects of the production namespace. */
export const subjects: Subjects = subjectsFor();
