/**
 * What the pure ISE logic reads: ISE's objects as the ERS client returns them
 * (only the fields used here, so any snapshot with more fits), and the sync
 * state the product keeps of what it last imported or pushed. The plan, drift
 * and report shapes are the sync port's own (integrations/ise/sync/types.ts,
 * plain data).
 */

export type IseCellStatus = 'ENABLED' | 'DISABLED' | 'MONITOR';
export type IseDefaultRule = 'NONE' | 'DENY_IP' | 'PERMIT_IP';

/** ISE's ANY group: the ANY-ANY cell is the matrix default. */
export const ANY_TAG = 65535;

export interface IseSgtLike {
  id: string;
  name: string;
  value: number;
  /** Free text; `class=<id>` in it sets the tag's class (domain/classify/classes.ts). */
  description?: string;
}

export interface IseSgaclLike {
  id: string;
  name: string;
  aclcontent: string;
  readOnly: boolean;
  generationId?: string | undefined;
  description?: string | undefined;
}

export interface IseCellLike {
  id: string;
  sourceSgtId: string;
  destinationSgtId: string;
  matrixCellStatus: IseCellStatus;
  defaultRule: IseDefaultRule;
  sgacls: string[];
  generationId?: string | undefined;
  name?: string | undefined;
  description?: string | undefined;
}

export interface IseSnapshotLike {
  sgts: readonly IseSgtLike[];
  sgacls: readonly IseSgaclLike[];
  cells: readonly IseCellLike[];
  defaultCell: IseCellLike | null;
  readAt: string;
}

/** One cell as the product last imported or pushed it (kv-schema IseCellRecord). */
export interface SyncCell {
  sgt: number;
  dgt: number;
  iseId?: string | undefined;
  generationId?: string | undefined;
  /** Policy fingerprint: status, default rule and SGACL contents in order. */
  fingerprint?: string | undefined;
  status: IseCellStatus;
  defaultRule: IseDefaultRule;
  sgacls: string[];
  createdByUs: boolean;
  pending?: { atMs: number; fingerprint: string } | undefined;
  monitorSinceMs?: number | undefined;
  version: number;
}

/** One SGACL the product imported or created (kv-schema IseSgaclRecord). */
export interface SyncSgacl {
  iseId: string;
  name: string;
  fingerprint: string;
  createdByUs: boolean;
}

export interface SyncState {
  /** By pair key (`<sgt>-<dgt>`); the default cell is `65535-65535`. */
  cells: ReadonlyMap<string, SyncCell>;
  /** By ISE id. */
  sgacls: ReadonlyMap<string, SyncSgacl>;
}

export const EMPTY_SYNC_STATE: SyncState = { cells: new Map(), sgacls: new Map() };

export const pairKey = (sgt: number, dgt: number): string => `${sgt}-${dgt}`;
export const DEFAULT_PAIR = pairKey(ANY_TAG, ANY_TAG);
