/**
 * Names of the SGACLs the product creates in ISE: the contract's name, then
 * `_` and the first 8 hex digits of its content's fingerprint, e.g.
 * `EMPLOYEES_to_PCI_SERVERS_3fa9c01b`. The same contract and content always
 * give the same name, so a push that died after creating an SGACL finds it
 * by name the next time instead of making a second one; and new content gets
 * a new name, so an SGACL other cells use is never changed under them.
 * ISE takes letters, digits and underscores (up to 255); IOS-XE shows the
 * name in `show cts role-based permissions`, so it stays short.
 */
import { contentFingerprint } from './acl.ts';

const MAX_BASE = 64;
const SUFFIX = /_([0-9a-f]{8})$/;

const contentTag = (content: string): string => contentFingerprint(content).slice(0, 8);

export function sgaclNameFor(contractName: string, content: string): string {
  const base =
    contractName
      .replace(/[^A-Za-z0-9_]+/g, '_')
      .replace(/_{2,}/g, '_')
      .replace(/^_+|_+$/g, '')
      .slice(0, MAX_BASE)
      .replace(/_+$/, '') || 'SGACL';
  return `${/^[A-Za-z]/.test(base) ? base : `S_${base}`}_${contentTag(content)}`;
}

/** A name this product gives to exactly this content: the SGACL is one it created. */
export function isOwnSgaclName(name: string, content: string): boolean {
  const m = SUFFIX.exec(name);
  return m !== null && m[1] === contentTag(content);
}
