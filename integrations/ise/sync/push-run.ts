/**
 * The running state of one push: the plan's view of ISE, the SGACLs created
 * so far (a cell waits for the SGACL it lists), each cell as last written,
 * and the results. Every success is written to the sync state here, as soon
 * as it happens.
 */

import type { Contract } from '../../../domain/contracts.ts';
import { contentFingerprint } from '../../../domain/ise/acl.ts';
import { createdByProduct } from '../../../domain/ise/plan-input.ts';
import { ANY_TAG, DEFAULT_PAIR, type IseSgaclLike, pairKey } from '../../../domain/ise/types.ts';
import { cellPolicyFingerprint, type IseView, sgaclFingerprint } from '../../../domain/ise/view.ts';
import type { IseCellRecord } from '../../../kv-schema/mod.ts';
import type { IseErsApi } from '../types.ts';
import type { SyncContext } from './context.ts';
import type { LoadedState } from './state.ts';
import type { IseConflict, IseOperation, IseOpResult, IsePushReport, IseStage } from './types.ts';

interface CellModel {
  id: string;
  matrixCellStatus: IseCellRecord['status'];
  defaultRule: IseCellRecord['defaultRule'];
  sgacls: string[];
  ours: boolean;
}

interface Deferred {
  promise: Promise<string>;
  resolve(id: string): void;
  reject(error: Error): void;
}

function deferred(): Deferred {
  let resolve: (id: string) => void = () => undefined;
  let reject: (e: Error) => void = () => undefined;
  const promise = new Promise<string>((res, rej) => {
    resolve = res;
    reject = rej;
  });
  // A create nobody waits for may fail: that is reported with its operation, not as an unhandled rejection.
  promise.catch(() => undefined);
  return { promise, resolve, reject };
}

export interface PushRunInput {
  ctx: SyncContext;
  client: IseErsApi;
  tenant: string;
  version: number;
  stage: IseStage;
  by: string;
  view: IseView;
  loaded: LoadedState;
  want: ReadonlyMap<string, Contract>;
}

export class PushRun {
  readonly client: IseErsApi;
  readonly view: IseView;
  readonly loaded: LoadedState;
  readonly tenant: string;
  readonly #i: PushRunInput;
  readonly #writesBefore: number;
  readonly #creates = new Map<string, Deferred>();
  readonly #sgacls = new Map<string, IseSgaclLike>();
  readonly #fps = new Map<string, string>();
  readonly #models = new Map<string, CellModel>();
  readonly #unsettled = new Set<string>();
  readonly #gone = new Set<string>();
  readonly #written = new Map<string, IseCellRecord>();
  readonly applied: IseOpResult[] = [];
  readonly skipped: IseOpResult[] = [];
  readonly failed: IseOpResult[] = [];
  readonly conflicts: IseConflict[] = [];

  constructor(i: PushRunInput) {
    this.#i = i;
    this.client = i.client;
    this.view = i.view;
    this.loaded = i.loaded;
    this.tenant = i.tenant;
    this.#writesBefore = i.client.calls().writes;
    for (const s of i.view.sgaclById.values()) this.#fps.set(s.id, sgaclFingerprint(s));
  }

  pair(op: IseOperation): string {
    return op.cell === undefined ? DEFAULT_PAIR : pairKey(op.cell.sgt, op.cell.dgt);
  }

  wanted(op: IseOperation): Contract | undefined {
    return this.#i.want.get(this.pair(op));
  }

  description(op: IseOperation): string {
    const c = op.cell;
    const cell = c === undefined ? '' : `: ${c.srcName} (${c.sgt}) to ${c.dstName} (${c.dgt})`;
    return `Segmentation Copilot, matrix version ${this.#i.version}${cell}`.slice(0, 1024);
  }

  /** Announce the SGACLs this push creates, so cells listing them wait for their ids. */
  expectCreates(ops: readonly IseOperation[]): void {
    for (const op of ops) {
      if (op.kind === 'create-sgacl' && op.sgaclName)
        this.#creates.set(op.sgaclName.toLowerCase(), deferred());
    }
  }

  created(name: string, s: IseSgaclLike): void {
    this.#sgacls.set(s.id, s);
    this.#fps.set(s.id, contentFingerprint(s.aclcontent));
    this.#creates.get(name.toLowerCase())?.resolve(s.id);
  }

  createFailed(name: string, why: string): void {
    this.#creates.get(name.toLowerCase())?.reject(new Error(`SGACL ${name} was not created: ${why}`));
  }

  async idsOf(names: readonly string[]): Promise<string[]> {
    return Promise.all(
      names.map(async (name) => {
        const pending = this.#creates.get(name.toLowerCase());
        if (pending !== undefined) return pending.promise;
        const known = this.view.sgaclByName.get(name.toLowerCase());
        if (known !== undefined) return known.id;
        throw new Error(`SGACL ${name} is neither in ISE nor created by this push`);
      }),
    );
  }

  /** The SGACLs of these ids, reading from ISE any this push has not seen. */
  async sgaclsById(ids: readonly string[]): Promise<Map<string, IseSgaclLike>> {
    const out = new Map<string, IseSgaclLike>();
    for (const id of ids) {
      const s = this.#sgacls.get(id) ?? this.view.sgaclById.get(id) ?? (await this.client.getSgacl(id));
      out.set(id, s);
      this.#fps.set(id, sgaclFingerprint(s));
    }
    return out;
  }

  sgaclContent(id: string, content: string): void {
    this.#fps.set(id, contentFingerprint(content));
  }

  async recordSgacl(id: string, name: string, content: string, createdByUs: boolean): Promise<void> {
    await this.#i.ctx.state.putSgacl(this.tenant, {
      iseId: id,
      name,
      fingerprint: contentFingerprint(content),
      createdByUs,
      atMs: this.#i.ctx.now(),
    });
  }

  async forgetSgacl(id: string): Promise<void> {
    await this.#i.ctx.state.dropSgacl(this.tenant, id);
  }

  #tags(pair: string): [number, number] {
    return pair.split('-').map(Number) as [number, number];
  }

  #base(pair: string): Pick<IseCellRecord, 'sgt' | 'dgt' | 'version' | 'atMs' | 'by'> {
    const [sgt, dgt] = this.#tags(pair);
    return { sgt, dgt, version: this.#i.version, atMs: this.#i.ctx.now(), by: this.#i.by.slice(0, 200) };
  }

  #policy(status: string, defaultRule: string, sgacls: readonly string[]): string {
    return cellPolicyFingerprint(
      status,
      defaultRule,
      sgacls.map((id) => this.#fps.get(id) ?? `missing:${id}`),
    );
  }

  /** Before a create: the cell the product is about to make, so a lost answer is recognised later. */
  async markPending(
    op: IseOperation,
    cell: Pick<IseCellRecord, 'status' | 'defaultRule' | 'sgacls'>,
  ): Promise<void> {
    const base = this.#base(this.pair(op));
    await this.#i.ctx.state.putCell(this.tenant, {
      ...base,
      ...cell,
      createdByUs: false,
      pending: { atMs: base.atMs, fingerprint: this.#policy(cell.status, cell.defaultRule, cell.sgacls) },
    });
  }

  /**
   * Before an update: the record as it stands, with the policy the write is to
   * leave as `pending`, so a write whose answer is lost is recognised as the
   * product's own by the next plan instead of as a change made in ISE.
   */
  async markIntent(
    op: IseOperation,
    next: Partial<Pick<CellModel, 'matrixCellStatus' | 'defaultRule' | 'sgacls'>>,
    sgacl?: { id: string; content: string },
  ): Promise<void> {
    const pair = this.pair(op);
    const m = this.#model(pair);
    if (m === undefined) return;
    const after = { ...m, ...next };
    const fps = after.sgacls.map((id) =>
      sgacl?.id === id ? contentFingerprint(sgacl.content) : (this.#fps.get(id) ?? `missing:${id}`),
    );
    const rec = this.#written.get(pair) ?? this.loaded.cells.get(pair) ?? this.#recordOf(pair, m);
    const marked: IseCellRecord = {
      ...rec,
      pending: {
        atMs: this.#i.ctx.now(),
        fingerprint: cellPolicyFingerprint(after.matrixCellStatus, after.defaultRule, fps),
      },
    };
    await this.#i.ctx.state.putCell(this.tenant, marked);
    this.#written.set(pair, marked);
  }

  async unmarkPending(op: IseOperation): Promise<void> {
    const pair = this.pair(op);
    const before = this.loaded.cells.get(pair);
    const [sgt, dgt] = this.#tags(pair);
    if (before === undefined) await this.#i.ctx.state.dropCell(this.tenant, sgt, dgt);
    else await this.#i.ctx.state.putCell(this.tenant, before);
  }

  setModel(op: IseOperation, cell: Omit<CellModel, 'ours'>, ours: boolean): void {
    this.#models.set(this.pair(op), {
      id: cell.id,
      matrixCellStatus: cell.matrixCellStatus,
      defaultRule: cell.defaultRule,
      sgacls: [...cell.sgacls],
      ours,
    });
  }

  #model(pair: string): CellModel | undefined {
    const known = this.#models.get(pair);
    if (known !== undefined) return known;
    const v = pair === DEFAULT_PAIR ? this.view.defaultCell : this.view.cells.get(pair);
    if (v === null || v === undefined) return undefined;
    return { ...v.cell, ours: createdByProduct(this.loaded.cells.get(pair), v) };
  }

  /** After a write: the cell as it now is in ISE. A content change in MONITOR starts its soak again. */
  async recordCell(op: IseOperation, o: { contentChanged: boolean }): Promise<void> {
    const pair = this.pair(op);
    const m = this.#model(pair);
    if (m === undefined) return;
    this.#models.set(pair, m);
    const rec = this.#recordOf(pair, m);
    const known = this.loaded.cells.get(pair);
    if (rec.createdByUs && m.matrixCellStatus === 'MONITOR') {
      const kept = known?.iseId === m.id ? known.monitorSinceMs : undefined;
      rec.monitorSinceMs = o.contentChanged || kept === undefined ? rec.atMs : kept;
    }
    await this.#i.ctx.state.putCell(this.tenant, rec);
    this.#written.set(pair, rec);
  }

  #recordOf(pair: string, m: CellModel): IseCellRecord {
    const base = this.#base(pair);
    return {
      ...base,
      iseId: m.id,
      fingerprint: this.#policy(m.matrixCellStatus, m.defaultRule, m.sgacls),
      status: m.matrixCellStatus,
      defaultRule: m.defaultRule,
      sgacls: m.sgacls,
      createdByUs: m.ours && base.sgt !== ANY_TAG,
    };
  }

  async forgetCell(op: IseOperation): Promise<void> {
    const [sgt, dgt] = this.#tags(this.pair(op));
    this.#models.delete(this.pair(op));
    this.#gone.add(this.pair(op));
    await this.#i.ctx.state.dropCell(this.tenant, sgt, dgt);
  }

  /** The cell's status in ISE after this push (as written, or as the plan read it), or null when there is none. */
  statusOf(pair: string): IseCellRecord['status'] | null {
    if (this.#gone.has(pair)) return null;
    return this.#model(pair)?.matrixCellStatus ?? null;
  }

  /** Why an SGACL must not be deleted yet (a cell listing it was not updated), or null. */
  heldBack(id: string): string | null {
    const stuck = (this.view.usage.get(id) ?? []).find((p) => this.#unsettled.has(p));
    return stuck === undefined ? null : `kept: cell ${stuck}, which lists it, was not updated`;
  }

  unsettle(pair: string): void {
    this.#unsettled.add(pair);
  }

  report(): IsePushReport {
    return {
      tenant: this.tenant,
      stage: this.#i.stage,
      version: this.#i.version,
      applied: this.applied,
      skipped: this.skipped,
      conflicts: this.conflicts,
      failed: this.failed,
      writes: this.client.calls().writes - this.#writesBefore,
    };
  }
}
