/**
 * A longest-prefix-match table for IPv4 and IPv6 blocks, sized for whole
 * blocklists (100k+ prefixes). CIDR blocks never partly overlap: two blocks
 * are disjoint or one holds the other. So the blocks are kept sorted by first
 * address (shorter prefix first on ties), each one remembering the nearest
 * block that holds it. A lookup binary-searches the last block starting at or
 * before the address, then climbs that chain of holders to the first one that
 * reaches the address: O(log n + nesting depth), and a few flat arrays of
 * memory instead of a node per bit.
 */
import { type Cidr, cidrLast, formatCidr } from './cidr.ts';
import type { IpAddress, IpVersion } from './ip.ts';

export interface PrefixMatch<T> {
  cidr: Cidr;
  tag: T;
}

interface Pending<T> {
  cidr: Cidr;
  tag: T;
  order: number;
}

/** One address family, frozen until the next add. */
class Table<T> {
  starts: bigint[] = [];
  ends: bigint[] = [];
  parents: Int32Array = new Int32Array(0);
  entries: PrefixMatch<T>[] = [];

  constructor(pending: readonly Pending<T>[]) {
    // Shorter prefix first among equal starts, so a holder always precedes what it holds;
    // for the same block twice, the later add wins (it sorts last and replaces the earlier).
    const sorted = [...pending].sort((a, b) =>
      a.cidr.network !== b.cidr.network
        ? a.cidr.network < b.cidr.network
          ? -1
          : 1
        : a.cidr.prefix - b.cidr.prefix || a.order - b.order,
    );
    for (const p of sorted) {
      const last = this.entries.at(-1);
      if (last !== undefined && last.cidr.network === p.cidr.network && last.cidr.prefix === p.cidr.prefix) {
        this.entries[this.entries.length - 1] = { cidr: p.cidr, tag: p.tag };
      } else {
        this.entries.push({ cidr: p.cidr, tag: p.tag });
      }
    }
    this.starts = this.entries.map((e) => e.cidr.network);
    this.ends = this.entries.map((e) => cidrLast(e.cidr));
    this.parents = new Int32Array(this.entries.length);
    const open: number[] = [];
    for (let i = 0; i < this.entries.length; i += 1) {
      const start = this.starts[i]!;
      while (open.length > 0 && this.ends[open.at(-1)!]! < start) open.pop();
      this.parents[i] = open.at(-1) ?? -1;
      open.push(i);
    }
  }

  match(value: bigint): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    let found = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >>> 1;
      if (this.starts[mid]! <= value) {
        found = mid;
        lo = mid + 1;
      } else {
        hi = mid - 1;
      }
    }
    for (let i = found; i !== -1; i = this.parents[i]!) {
      if (this.ends[i]! >= value) return i;
    }
    return -1;
  }
}

export class PrefixSet<T> {
  readonly #pending: Record<IpVersion, Pending<T>[]> = { 4: [], 6: [] };
  readonly #tables: Record<IpVersion, Table<T> | null> = { 4: null, 6: null };
  #order = 0;

  /** Adds a block; adding the same block again replaces its tag. */
  add(cidr: Cidr, tag: T): void {
    this.#pending[cidr.version].push({ cidr, tag, order: this.#order });
    this.#order += 1;
    this.#tables[cidr.version] = null;
  }

  /** Distinct blocks held. */
  get size(): number {
    return this.#table(4).entries.length + this.#table(6).entries.length;
  }

  #table(version: IpVersion): Table<T> {
    let table = this.#tables[version];
    if (table === null) {
      table = new Table(this.#pending[version]);
      this.#tables[version] = table;
    }
    return table;
  }

  /** The most specific block holding `ip`, with its tag, or null. */
  matchEntry(ip: IpAddress): PrefixMatch<T> | null {
    const table = this.#table(ip.version);
    const i = table.match(ip.value);
    return i === -1 ? null : table.entries[i]!;
  }

  /** The tag of the most specific block holding `ip`, or null. */
  match(ip: IpAddress): T | null {
    return this.matchEntry(ip)?.tag ?? null;
  }

  /** Every block as text, in address order: for diagnostics and tests. */
  list(): string[] {
    return [4, 6].flatMap((v) => this.#table(v as IpVersion).entries.map((e) => formatCidr(e.cidr)));
  }
}
