/**
 * The product's side of ISE: importing the live matrix, planning and pushing
 * an approved version in stages, and comparing the two (drift). The edge,
 * the CLI, MCP and the scheduler see only this port; `IseSyncService`
 * implements it over an `IseErsApi` and the stores.
 *
 * Stages, each a separate decision (monitor first, so a wrong contract shows
 * up in the logs rather than as an outage):
 * - `monitor`: create the version's new cells as MONITOR; a changed cell keeps
 *   its status (moving an enforced cell to monitor would stop its denies).
 * - `enforce`: promote to ENABLED the cells this product pushed, once they
 *   have spent the soak time in monitor.
 * - `deny-default`: set the ANY-ANY default to DENY_IP, refused below the
 *   readiness setting unless forced (audited).
 */
import type { IsePushMark } from '../../../kv-schema/mod.ts';

export const IseStage = { Monitor: 'monitor', Enforce: 'enforce', DenyDefault: 'deny-default' } as const;
export type IseStage = (typeof IseStage)[keyof typeof IseStage];

export const IseOpKind = {
  CreateSgacl: 'create-sgacl',
  UpdateSgacl: 'update-sgacl',
  DeleteSgacl: 'delete-sgacl',
  CreateCell: 'create-cell',
  UpdateCell: 'update-cell',
  DeleteCell: 'delete-cell',
  /** Only the cell's status (enforce). */
  SetCellStatus: 'set-cell-status',
  /** The ANY-ANY cell's default rule (deny-default). */
  SetDefault: 'set-default',
} as const;
export type IseOpKind = (typeof IseOpKind)[keyof typeof IseOpKind];

/** A cell named by its tags, with their names for people. */
export interface IseCellRef {
  sgt: number;
  dgt: number;
  srcName: string;
  dstName: string;
}

/** One ERS write the plan would make. Planning writes nothing. */
export interface IseOperation {
  /** Deterministic within a plan, e.g. `create-cell:10-20`. */
  id: string;
  kind: IseOpKind;
  cell?: IseCellRef;
  sgaclName?: string;
  /** SGACL content (ISE `aclcontent`), for SGACL creates and updates. */
  content?: string;
  status?: 'ENABLED' | 'DISABLED' | 'MONITOR';
  defaultRule?: 'NONE' | 'DENY_IP' | 'PERMIT_IP';
  /** What ISE held when planned (ids, generationId): push re-reads and refuses to write over a change. */
  expect?: { id?: string; generationId?: string; fingerprint?: string };
  /** Cell writes: the SGACLs the cell lists, by name, in order (an SGACL created by the same plan has no id yet). */
  sgacls?: string[];
  /** Why, in one sentence an engineer reads. */
  reason: string;
  /** For a new or changed deny: what it would drop, from the observed hits. */
  impact?: { flows: number; hits: number };
}

/** A cell whose state in ISE differs from what the product last imported or pushed: never overwritten. */
export interface IseConflict {
  cell: IseCellRef;
  reason: string;
}

export const IseWarningCode = {
  /** More policy for one destination tag than a switch may download (about 6 KB). */
  PolicySize: 'POLICY_SIZE',
  /** Something the product cannot model exactly (kept verbatim). */
  Verbatim: 'VERBATIM',
  Other: 'OTHER',
} as const;
export type IseWarningCode = (typeof IseWarningCode)[keyof typeof IseWarningCode];

export interface IseWarning {
  code: IseWarningCode;
  message: string;
  dgt?: number;
}

export interface IsePlan {
  tenant: string;
  stage: IseStage;
  /** The approved matrix version the plan brings ISE to. */
  version: number;
  operations: IseOperation[];
  conflicts: IseConflict[];
  warnings: IseWarning[];
  /** deny-default only: the IOS-XE static fallback policy to load on switches before the flip. */
  fallback?: string;
  /** deny-default only: readiness now, and the setting it is measured against. */
  readiness?: { ratio: number; required: number };
}

export interface IseOpResult {
  operation: IseOperation;
  /** ISE's id of what was written (or found already there). */
  iseId?: string;
  error?: string;
  /** Why nothing was written (skipped), e.g. adopted as found, or kept because a cell still lists it. */
  note?: string;
}

export interface IsePushReport {
  tenant: string;
  stage: IseStage;
  version: number;
  applied: IseOpResult[];
  /** Already as wanted in ISE: nothing written. */
  skipped: IseOpResult[];
  conflicts: IseConflict[];
  failed: IseOpResult[];
  /** ERS writes this push sent (0 for a version already in ISE). */
  writes?: number;
}

export const IseDriftKind = {
  /** In the approved version, not in ISE. */
  Missing: 'missing',
  /** In ISE, not in the approved version. */
  Extra: 'extra',
  /** In both, with different ACEs, status or default rule. */
  Changed: 'changed',
  /** The ANY-ANY default differs. */
  Default: 'default',
} as const;
export type IseDriftKind = (typeof IseDriftKind)[keyof typeof IseDriftKind];

export interface IseDrift {
  kind: IseDriftKind;
  cell?: IseCellRef;
  /** What the approved version says and what ISE holds, as text an engineer can compare. */
  expected?: string;
  actual?: string;
  detail: string;
}

export interface IseImportReport {
  tenant: string;
  /** The approved matrix version created from ISE (source `ise`), or the current one when nothing changed. */
  version: number;
  sgts: number;
  cells: number;
  sgacls: number;
  /** ACE lines kept verbatim because the model cannot represent them. */
  verbatim: number;
  /** A new version was written (false: ISE matched the current version). */
  created?: boolean;
}

export interface IseStatus {
  tenant: string;
  configured: boolean;
  url?: string;
  lastImport?: { atMs: number; version: number; by: string };
  lastPush?: { atMs: number; version: number; stage: IseStage; by: string; applied: number; failed: number };
  lastDrift?: { atMs: number; count: number };
  /** Cells this product pushed that are in monitor, and when each may be enforced. */
  monitoring: { cell: IseCellRef; sinceMs: number; enforceableAtMs: number }[];
}

export interface IsePushRequest {
  stage: IseStage;
  /** Default: the current approved version. */
  version?: number;
  /** deny-default below the readiness setting; audited. */
  force?: boolean;
  /** Who asks, as audit records name people. */
  by: string;
  channel: string;
}

export interface IseSync {
  import(tenant: string, by: string, channel: string): Promise<IseImportReport>;
  plan(tenant: string, stage: IseStage, version?: number): Promise<IsePlan>;
  push(tenant: string, request: IsePushRequest): Promise<IsePushReport>;
  drift(tenant: string): Promise<IseDrift[]>;
  status(tenant: string): Promise<IseStatus>;
  /** The recent pushes, oldest first (what the readiness trend marks). */
  recentPushes(tenant: string): Promise<IsePushMark[]>;
}
