/**
 * The port: what the product needs from ISE's ERS API for the TrustSec
 * matrix. `IseErsClient` implements it over HTTPS; callers take an
 * `IseErsApi` so they can be given another implementation (a recording
 * wrapper, a dry-run that refuses writes) without knowing which.
 */
import type { CellInput, EgressMatrixCell, Sgacl, SgaclInput, Sgt, SgtInput } from './schemas.ts';

/** What ISE holds for the matrix at one moment, with every object's id and generationId. */
export interface IseSnapshot {
  sgts: Sgt[];
  sgacls: Sgacl[];
  /** Every egress cell, the ANY-ANY default cell included. */
  cells: EgressMatrixCell[];
  /** The ANY-ANY cell (the matrix default), or null when ISE showed none. */
  defaultCell: EgressMatrixCell | null;
  /** When the reading started (ISO 8601); objects read later may be newer. */
  readAt: string;
}

/** Calls made so far, counted per attempt (a retried read counts each time). */
export interface IseCallCounts {
  GET: number;
  POST: number;
  PUT: number;
  DELETE: number;
  reads: number;
  /** POST + PUT + DELETE attempted, whatever ISE answered: 0 means ISE was not asked to change anything. */
  writes: number;
}

export interface IseErsApi {
  listSgts(): Promise<Sgt[]>;
  getSgt(id: string): Promise<Sgt>;
  /** Creates and answers the new id. */
  createSgt(input: SgtInput): Promise<string>;

  listSgacls(): Promise<Sgacl[]>;
  getSgacl(id: string): Promise<Sgacl>;
  createSgacl(input: SgaclInput): Promise<string>;
  updateSgacl(id: string, input: SgaclInput): Promise<void>;
  deleteSgacl(id: string): Promise<void>;

  listCells(): Promise<EgressMatrixCell[]>;
  getCell(id: string): Promise<EgressMatrixCell>;
  /** The cell from the SGT with value `srcValue` to the one with `dstValue`, or null when there is none. */
  getCellBySrcDst(srcValue: number, dstValue: number): Promise<EgressMatrixCell | null>;
  createCell(input: CellInput): Promise<string>;
  updateCell(id: string, input: CellInput): Promise<void>;
  deleteCell(id: string): Promise<void>;

  /** Everything the matrix is made of, read in one go. */
  snapshot(): Promise<IseSnapshot>;

  /** Calls made by this client so far. */
  calls(): IseCallCounts;
}

/** One HTTP answer of ERS, its body read as text (the transport and the session both read it). */
export interface Answer {
  status: number;
  headers: Headers;
  text: string;
}
