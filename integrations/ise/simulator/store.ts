/**
 * The simulated ISE's TrustSec data and the rules ISE enforces on it. The
 * HTTP routes and a test playing the administrator in the GUI go through
 * the same methods, so an edit made "by hand" obeys the same rules and
 * changes generationIds like any other write: built-in SGTs and SGACLs are
 * read-only, names and values are unique, a (source, destination) pair has
 * one cell, the ANY-ANY default cell cannot be deleted, and nothing in use
 * can be deleted. A refusal is a RuleError carrying ISE's status and title.
 */
import {
  ANY_SGT_ID,
  type CellRecord,
  type CellSpec,
  checkAcl,
  checkName,
  DEFAULT_CELL_ID,
  RuleError,
  type SgaclRecord,
  type SgaclSpec,
  type SgtRecord,
  type SgtSpec,
  seedSgacls,
  seedSgts,
} from './records.ts';

export class IseState {
  readonly #sgts = new Map<string, SgtRecord>();
  readonly #sgacls = new Map<string, SgaclRecord>();
  readonly #cells = new Map<string, CellRecord>();
  #generation = 0;

  constructor(tags: readonly SgtSpec[]) {
    for (const s of seedSgts(tags, () => this.#nextGeneration())) this.#sgts.set(s.id, s);
    for (const a of seedSgacls(() => this.#nextGeneration())) this.#sgacls.set(a.id, a);
    this.#cells.set(DEFAULT_CELL_ID, {
      id: DEFAULT_CELL_ID,
      name: 'ANY-ANY',
      description: 'Default egress rule',
      sourceSgtId: ANY_SGT_ID,
      destinationSgtId: ANY_SGT_ID,
      matrixCellStatus: 'ENABLED',
      defaultRule: 'PERMIT_IP',
      sgacls: [],
      generationId: this.#nextGeneration(),
    });
  }

  /** Writes carried out so far, by anyone. */
  get writes(): number {
    return this.#generation;
  }

  sgts = (): SgtRecord[] => [...this.#sgts.values()].map(copy);
  sgacls = (): SgaclRecord[] => [...this.#sgacls.values()].map(copy);
  cells = (): CellRecord[] => [...this.#cells.values()].map(copy);
  sgt = (id: string): SgtRecord | undefined => opt(this.#sgts.get(id));
  sgacl = (id: string): SgaclRecord | undefined => opt(this.#sgacls.get(id));
  cell = (id: string): CellRecord | undefined => opt(this.#cells.get(id));
  sgtByValue = (value: number): SgtRecord | undefined => opt(find(this.#sgts, (s) => s.value === value));
  sgtByName = (name: string): SgtRecord | undefined => opt(find(this.#sgts, (s) => same(s.name, name)));
  sgaclByName = (name: string): SgaclRecord | undefined => opt(find(this.#sgacls, (a) => same(a.name, name)));
  cellFor = (srcId: string, dstId: string): CellRecord | undefined =>
    opt(find(this.#cells, (c) => c.sourceSgtId === srcId && c.destinationSgtId === dstId));
  defaultCell = (): CellRecord => copy(this.#cells.get(DEFAULT_CELL_ID)!);

  createSgt(spec: SgtSpec): SgtRecord {
    const value = spec.value === -1 ? this.#freeValue() : spec.value;
    this.#checkSgt(spec.name, value);
    const s: SgtRecord = {
      id: crypto.randomUUID(),
      name: spec.name,
      description: spec.description ?? '',
      value,
      generationId: this.#nextGeneration(),
      isReadOnly: false,
      propogateToApic: spec.propogateToApic ?? false,
    };
    this.#sgts.set(s.id, s);
    return copy(s);
  }

  updateSgt(id: string, patch: Partial<SgtSpec>): SgtRecord {
    const old = this.#writable(this.#sgts, id, 'SGT');
    const next = { ...old, ...defined(patch) };
    this.#checkSgt(next.name, next.value, id);
    return this.#save(this.#sgts, next);
  }

  deleteSgt(id: string): void {
    this.#writable(this.#sgts, id, 'SGT');
    if (find(this.#cells, (c) => c.sourceSgtId === id || c.destinationSgtId === id)) {
      throw new RuleError(400, 'Security Group is in use by egress matrix cells and cannot be deleted');
    }
    this.#sgts.delete(id);
    this.#nextGeneration();
  }

  createSgacl(spec: SgaclSpec): SgaclRecord {
    this.#checkSgacl(spec.name, spec.aclcontent);
    const a: SgaclRecord = {
      id: crypto.randomUUID(),
      name: spec.name,
      description: spec.description ?? '',
      ipVersion: spec.ipVersion ?? 'IPV4',
      aclcontent: spec.aclcontent,
      readOnly: false,
      generationId: this.#nextGeneration(),
    };
    this.#sgacls.set(a.id, a);
    return copy(a);
  }

  updateSgacl(id: string, patch: Partial<SgaclSpec>): SgaclRecord {
    const old = this.#writable(this.#sgacls, id, 'SGACL');
    const next = { ...old, ...defined(patch) };
    this.#checkSgacl(next.name, next.aclcontent, id);
    return this.#save(this.#sgacls, next);
  }

  deleteSgacl(id: string): void {
    this.#writable(this.#sgacls, id, 'SGACL');
    if (find(this.#cells, (c) => c.sgacls.includes(id))) {
      throw new RuleError(400, 'SGACL is in use by egress matrix cells and cannot be deleted');
    }
    this.#sgacls.delete(id);
    this.#nextGeneration();
  }

  createCell(spec: CellSpec): CellRecord {
    this.#checkCell(spec);
    const src = this.#sgts.get(spec.sourceSgtId)!;
    const dst = this.#sgts.get(spec.destinationSgtId)!;
    const c: CellRecord = {
      id: crypto.randomUUID(),
      name: spec.name ?? `${src.name}-${dst.name}`,
      description: spec.description ?? '',
      sourceSgtId: spec.sourceSgtId,
      destinationSgtId: spec.destinationSgtId,
      matrixCellStatus: spec.matrixCellStatus,
      defaultRule: spec.defaultRule,
      sgacls: [...spec.sgacls],
      generationId: this.#nextGeneration(),
    };
    this.#cells.set(c.id, c);
    return copy(c);
  }

  updateCell(id: string, patch: Partial<CellSpec>): CellRecord {
    const old = this.#cells.get(id);
    if (!old) throw new RuleError(404, `Resource egressmatrixcell with id '${id}' not found`);
    const next = { ...old, ...defined(patch), sgacls: [...(patch.sgacls ?? old.sgacls)] };
    const moved = next.sourceSgtId !== old.sourceSgtId || next.destinationSgtId !== old.destinationSgtId;
    if (id === DEFAULT_CELL_ID && moved) {
      throw new RuleError(
        400,
        'The source and destination of the default egress rule (ANY-ANY) cannot be changed',
      );
    }
    this.#checkCell(next, id);
    return this.#save(this.#cells, next);
  }

  deleteCell(id: string): void {
    if (!this.#cells.has(id)) throw new RuleError(404, `Resource egressmatrixcell with id '${id}' not found`);
    if (id === DEFAULT_CELL_ID)
      throw new RuleError(400, 'The default egress rule (ANY-ANY) cannot be deleted');
    this.#cells.delete(id);
    this.#nextGeneration();
  }

  #checkSgt(name: string, value: number, self?: string): void {
    checkName(name, 'Security Group');
    if (!Number.isInteger(value) || value < 0 || value > 65519) {
      throw new RuleError(
        400,
        `Security Group value ${value} is out of range (0-65519, or -1 for automatic)`,
      );
    }
    const other = this.sgtByName(name);
    if (other && other.id !== self) throw new RuleError(400, `Security Group name '${name}' already exists`);
    const taken = this.sgtByValue(value);
    if (taken && taken.id !== self) throw new RuleError(400, `Security Group value ${value} already exists`);
  }

  #checkSgacl(name: string, aclcontent: string, self?: string): void {
    checkName(name, 'SGACL');
    checkAcl(aclcontent);
    const other = this.sgaclByName(name);
    if (other && other.id !== self) throw new RuleError(400, `SGACL name '${name}' already exists`);
  }

  #checkCell(c: CellSpec, self?: string): void {
    for (const [what, id] of [
      ['Source', c.sourceSgtId],
      ['Destination', c.destinationSgtId],
    ] as const) {
      if (!this.#sgts.has(id))
        throw new RuleError(400, `${what} Security Group with id '${id}' does not exist`);
    }
    for (const id of c.sgacls) {
      if (!this.#sgacls.has(id)) throw new RuleError(400, `SGACL with id '${id}' does not exist`);
    }
    if (new Set(c.sgacls).size !== c.sgacls.length)
      throw new RuleError(400, 'An SGACL is listed twice in the cell');
    if (c.sgacls.length === 0 && c.defaultRule === 'NONE') {
      throw new RuleError(400, 'A cell needs at least one SGACL or a default rule other than NONE');
    }
    const existing = this.cellFor(c.sourceSgtId, c.destinationSgtId);
    if (existing && existing.id !== self) throw new RuleError(400, 'Cell Already Exists');
  }

  #writable<R extends { id: string; name: string }>(map: Map<string, R>, id: string, what: string): R {
    const r = map.get(id);
    if (!r) throw new RuleError(404, `Resource ${what} with id '${id}' not found`);
    const ro = 'readOnly' in r ? r.readOnly : 'isReadOnly' in r ? r.isReadOnly : false;
    if (ro) throw new RuleError(400, `${what} '${r.name}' is read-only and cannot be changed or deleted`);
    return r;
  }

  #save<R extends { id: string; generationId: string }>(map: Map<string, R>, next: R): R {
    next.generationId = this.#nextGeneration();
    map.set(next.id, next);
    return copy(next);
  }

  #freeValue(): number {
    for (let v = 16; v <= 65519; v++) if (!this.sgtByValue(v)) return v;
    throw new RuleError(400, 'No free Security Group value is left');
  }

  #nextGeneration(): string {
    return String(++this.#generation);
  }
}

const same = (a: string, b: string): boolean => a.toLowerCase() === b.toLowerCase();
const copy = <T>(r: T): T => structuredClone(r);
const opt = <T>(r: T | undefined): T | undefined => (r === undefined ? undefined : copy(r));
const find = <T>(map: Map<string, T>, test: (r: T) => boolean): T | undefined => {
  for (const r of map.values()) if (test(r)) return r;
  return undefined;
};
/** A patch without its undefined fields, so `{description: undefined}` does not blank one. */
const defined = <T extends object>(patch: T): Partial<T> =>
  Object.fromEntries(Object.entries(patch).filter(([, v]) => v !== undefined)) as Partial<T>;
