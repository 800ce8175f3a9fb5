/**
 * The SGACL side of a plan: which SGACL a cell's content goes into, and which
 * SGACLs the product created that no cell will list any more (deleted last,
 * after the cells that let go of them). Content goes into a built-in
 * read-only SGACL when one says exactly that, else into the SGACL of its
 * deterministic name (names.ts) — found in the snapshot when an earlier push
 * created it, else created once however many cells want it.
 */
import type { IseCellRef, IseOperation } from '../../integrations/ise/sync/types.ts';
import { contentFingerprint, normalizeContent } from './acl.ts';
import { isOwnSgaclName, sgaclNameFor } from './names.ts';
import type { SyncState } from './types.ts';
import { type IseView, sgaclFingerprint } from './view.ts';

/** The SGACL to list, with its create operation the first time the plan needs it; or the name is taken by other content. */
export type Ensured = { name: string; create?: IseOperation } | { taken: string };

export class SgaclChoices {
  readonly #view: IseView;
  readonly #state: SyncState;
  readonly #builtin = new Map<string, string>();
  readonly #creates = new Map<string, IseOperation>();
  readonly #wanted = new Set<string>();
  readonly #released = new Map<string, Set<string>>();

  constructor(view: IseView, state: SyncState) {
    this.#view = view;
    this.#state = state;
    for (const s of view.sgaclById.values()) {
      if (s.readOnly) this.#builtin.set(normalizeContent(s.aclcontent), s.name);
    }
  }

  /** The SGACL to list for `content`, planning its creation when needed; `taken` when its name holds other content. */
  ensure(contractName: string, content: string, version: number, cell: IseCellRef): Ensured {
    const builtin = this.#builtin.get(normalizeContent(content));
    if (builtin !== undefined) return this.#want(builtin);
    const name = sgaclNameFor(contractName, content);
    const existing = this.#view.sgaclByName.get(name.toLowerCase());
    if (existing !== undefined) {
      return sgaclFingerprint(existing) === contentFingerprint(content)
        ? this.#want(existing.name)
        : { taken: name };
    }
    if (this.#creates.has(name)) return this.#want(name);
    const create: IseOperation = {
      id: `create-sgacl:${name}`,
      kind: 'create-sgacl',
      cell,
      sgaclName: name,
      content,
      reason: `new SGACL for ${contractName} (version ${version})`,
    };
    this.#creates.set(name, create);
    this.#want(name);
    return { name, create };
  }

  /** The cell keeps listing this SGACL (its content is edited in place). */
  keep(name: string): void {
    this.#wanted.add(name.toLowerCase());
  }

  #want(name: string): Ensured {
    this.#wanted.add(name.toLowerCase());
    return { name };
  }

  /** The cell `pair` will no longer list these SGACLs (it is deleted, or lists others). */
  release(pair: string, ids: readonly string[]): void {
    for (const id of ids) {
      const set = this.#released.get(id) ?? new Set<string>();
      set.add(pair);
      this.#released.set(id, set);
    }
  }

  /** Created by the product: recorded so, or named by the product for exactly its content. */
  isOwn(id: string): boolean {
    const s = this.#view.sgaclById.get(id);
    if (s === undefined || s.readOnly) return false;
    return this.#state.sgacls.get(id)?.createdByUs === true || isOwnSgaclName(s.name, s.aclcontent);
  }

  /** Is the SGACL listed by other cells than `pair` (now, not counting cells that let go of it)? */
  sharedBeyond(id: string, pair: string): boolean {
    return (this.#view.usage.get(id) ?? []).some((p) => p !== pair);
  }

  /** Delete operations for the product's SGACLs that no cell lists after the plan. */
  deletions(version: number): IseOperation[] {
    const out: IseOperation[] = [];
    for (const s of [...this.#view.sgaclById.values()].sort((a, b) => (a.name < b.name ? -1 : 1))) {
      if (!this.isOwn(s.id) || this.#wanted.has(s.name.toLowerCase())) continue;
      const released = this.#released.get(s.id) ?? new Set<string>();
      const users = (this.#view.usage.get(s.id) ?? []).filter((p) => !released.has(p));
      if (users.length > 0) continue;
      out.push({
        id: `delete-sgacl:${s.name}`,
        kind: 'delete-sgacl',
        sgaclName: s.name,
        expect: {
          id: s.id,
          ...(s.generationId === undefined ? {} : { generationId: s.generationId }),
          fingerprint: sgaclFingerprint(s),
        },
        reason: `no cell of version ${version} lists it, and the product created it`,
      });
    }
    return out;
  }
}
