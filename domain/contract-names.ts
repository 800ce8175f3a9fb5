/**
 * Names for SGTs and contracts. A contract is named `<SRC>_to_<DST>` after its
 * cell's SGT names (DESIGN §6), reduced to what both ISE (`^[\w\d_\-.]+$`) and
 * IOS-XE take in an ACL name: letters, digits, `_` and `-`, starting with a
 * letter. SGT names come from operators and switch logs, so they are untrusted
 * text until they have been through here.
 */
import type { SgtDictionary } from './types.ts';

/** Per side; keeps `<SRC>_to_<DST>_<n>` well under the ACL name lengths in use. */
export const MAX_NAME_PART = 28;

/** How a tag is shown to people: its dictionary name, `Unknown` for 0, else `SGT<id>`. */
export function sgtDisplayName(tag: number, names: SgtDictionary): string {
  const name = names.get(tag);
  if (name !== undefined && name.trim() !== '') return name;
  return tag === 0 ? 'Unknown' : `SGT${tag}`;
}

/** One side of a contract name: `Web Servers (DC1)` → `WEB_SERVERS_DC1`. */
export function sgtNamePart(tag: number, names: SgtDictionary): string {
  const cleaned = sgtDisplayName(tag, names)
    // Accented letters keep their base letter rather than becoming `_`.
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .replace(/[^A-Za-z0-9_-]+/g, '_')
    .replace(/_{2,}/g, '_')
    .replace(/^[_-]+|[_-]+$/g, '')
    .toUpperCase()
    .slice(0, MAX_NAME_PART)
    .replace(/[_-]+$/g, '');
  if (cleaned === '') return `SGT${tag}`;
  // A leading digit reads as an ACL number on IOS.
  return /^[A-Z]/.test(cleaned) ? cleaned : `SGT_${cleaned}`.slice(0, MAX_NAME_PART);
}

export const contractBaseName = (sgt: number, dgt: number, names: SgtDictionary): string =>
  `${sgtNamePart(sgt, names)}_to_${sgtNamePart(dgt, names)}`;

const pairKey = (sgt: number, dgt: number): string => `${sgt}>${dgt}`;

/**
 * Unique names for a set of cells. Cells are taken in (sgt, dgt) order, so the
 * same matrix always gets the same names; when two cells reduce to the same
 * name, the first keeps it and the others get `_2`, `_3` … skipping any name
 * another cell already has.
 */
export function contractNames(
  cells: ReadonlyArray<{ sgt: number; dgt: number }>,
  names: SgtDictionary,
): Map<string, string> {
  const sorted = [...cells].sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt);
  const bases = sorted.map((c) => contractBaseName(c.sgt, c.dgt, names));
  const taken = new Set(bases);
  const given = new Set<string>();
  const out = new Map<string, string>();
  sorted.forEach((cell, i) => {
    const base = bases[i] as string;
    let name = base;
    if (given.has(name)) {
      let n = 2;
      while (taken.has(`${base}_${n}`) || given.has(`${base}_${n}`)) n++;
      name = `${base}_${n}`;
    }
    given.add(name);
    out.set(pairKey(cell.sgt, cell.dgt), name);
  });
  return out;
}

export const contractNameKey = pairKey;
