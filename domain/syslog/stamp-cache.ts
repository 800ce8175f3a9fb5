/**
 * The last few timestamp prefixes read (a stamp up to its seconds) and what
 * they gave. Syslog repeats each second's stamp over every line logged in
 * that second, so most lines find their prefix here and skip reading the
 * month, day, year and clock again; only the fraction and the zone after it
 * are read per line. A handful of entries covers a file that interleaves a few
 * header styles or senders; a miss costs a few word compares, and the entry
 * read least recently gives way.
 *
 * An entry is only kept when every byte its reading looked at lay inside the
 * prefix (and inside the line), so equal prefix bytes always read the same.
 */

const ENTRIES = 4;
/** Longest prefix kept, in bytes (`Mmm dd yyyy hh:mm:ss` is 20, an ISO stamp 19). */
const MAX_PREFIX = 24;
/** Numbers kept per entry. */
export const STAMP_VALUES = 4;

export class StampCache {
  readonly #bytes = new Uint8Array(ENTRIES * MAX_PREFIX);
  readonly #view = new DataView(this.#bytes.buffer);
  readonly #lengths = new Int32Array(ENTRIES);
  /** STAMP_VALUES numbers per entry, as the reader that owns the cache lays them out. */
  readonly values = new Float64Array(ENTRIES * STAMP_VALUES);
  #last = 0;
  #next = 0;

  /**
   * The entry whose prefix the line's bytes at `p` repeat, or -1; the prefix
   * must end inside the line (before `lim`). The offset of its values in
   * `values` is the entry times STAMP_VALUES; its length is `length(entry)`.
   */
  find(v: DataView, p: number, lim: number): number {
    for (let k = 0, e = this.#last; k < ENTRIES; k++, e = (e + 1) & (ENTRIES - 1)) {
      if (this.#same(v, e, p, lim)) {
        this.#last = e;
        return e;
      }
    }
    return -1;
  }

  length(entry: number): number {
    return this.#lengths[entry]!;
  }

  /** Keep bytes[p, p + n) as a prefix; returns the entry, whose values the caller then fills. */
  keep(b: Uint8Array, p: number, n: number): number {
    if (n > MAX_PREFIX || n <= 0) return -1;
    const e = this.#next;
    this.#next = (e + 1) & (ENTRIES - 1);
    const at = e * MAX_PREFIX;
    for (let k = 0; k < n; k++) this.#bytes[at + k] = b[p + k]!;
    this.#lengths[e] = n;
    this.#last = e;
    return e;
  }

  /** Compared from the end, four bytes at a time: the seconds, which change most, come last. */
  #same(v: DataView, e: number, p: number, lim: number): boolean {
    const n = this.#lengths[e]!;
    if (n === 0 || p + n > lim) return false;
    const at = e * MAX_PREFIX;
    const mine = this.#view;
    let k = n - 4;
    for (; k >= 0; k -= 4) if (v.getInt32(p + k, true) !== mine.getInt32(at + k, true)) return false;
    for (k += 3; k >= 0; k--) if (v.getUint8(p + k) !== this.#bytes[at + k]) return false;
    return true;
  }
}
