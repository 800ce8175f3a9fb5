/**
 * ACE lists as ISE holds them, and the fingerprints the sync compares.
 *
 * A cell's policy, as the product reads it, is the ACEs of its SGACLs in the
 * order the cell lists them, then its catch-all default rule as one more ACE
 * (`DENY_IP` → `deny ip`); `NONE` adds nothing (traffic falls to the matrix
 * default). Writing goes the other way: a trailing plain `deny ip` or
 * `permit ip` becomes the cell's default rule and the rest one SGACL, so a
 * cell read from ISE and written back is the same cell.
 *
 * Cells are compared by their policy text (`aclText`); objects by
 * fingerprints: a short sha256 of normalised content, so whitespace and line
 * endings do not count but every character of an ACE does.
 */
import { createHash } from 'node:crypto';
import { type Ace, AceAction, aceText } from '../ace.ts';
import { builtinSgaclAces, parseSgaclContent, sgaclContent } from '../sgacl-text.ts';
import type { IseDefaultRule } from './types.ts';

/** The ACEs of an SGACL's content; a built-in SGACL's by its name when ISE shows none. */
export function sgaclAces(name: string, content: string): Ace[] {
  const aces = parseSgaclContent(content).aces;
  return aces.length > 0 ? aces : (builtinSgaclAces(name) ?? []);
}

/** Lines of the content the model keeps verbatim. */
export const verbatimCount = (aces: readonly Ace[]): number => aces.filter((a) => a.raw !== undefined).length;

/** The ACE a cell's default rule stands for, or null for NONE. */
export function defaultRuleAce(rule: IseDefaultRule): Ace | null {
  if (rule === 'DENY_IP') return { action: AceAction.Deny, protocol: 'ip' };
  if (rule === 'PERMIT_IP') return { action: AceAction.Permit, protocol: 'ip' };
  return null;
}

/** The policy text of an ACE list: ISE `aclcontent`, one ACE per line. */
export const aclText = (aces: readonly Ace[]): string => sgaclContent(aces);

const isPlainCatchAll = (a: Ace): boolean =>
  a.protocol === 'ip' &&
  a.raw === undefined &&
  a.log !== true &&
  a.srcPort === undefined &&
  a.dstPort === undefined &&
  a.src === undefined &&
  a.dst === undefined &&
  a.icmp === undefined;

/** How a contract's ACEs are written to a cell: SGACL content plus the cell's default rule. */
export function splitForCell(aces: readonly Ace[]): { content: string; defaultRule: IseDefaultRule } {
  const last = aces.at(-1);
  if (last !== undefined && isPlainCatchAll(last)) {
    return {
      content: aclText(aces.slice(0, -1)),
      defaultRule: last.action === AceAction.Deny ? 'DENY_IP' : 'PERMIT_IP',
    };
  }
  return { content: aclText(aces), defaultRule: 'NONE' };
}

/** Content as compared: lines trimmed, inner whitespace single, blank lines and line-ending style ignored. */
export const normalizeContent = (content: string): string =>
  content
    .split(/\r\n|\r|\n/)
    .map((l) => l.trim().replace(/\s+/g, ' '))
    .filter((l) => l !== '')
    .join('\n');

/** A short, stable sha256 of the parts. */
export function fingerprint(...parts: readonly string[]): string {
  const h = createHash('sha256');
  for (const p of parts) h.update(p).update('\u0000');
  return h.digest('hex').slice(0, 24);
}

export const contentFingerprint = (content: string): string => fingerprint('acl', normalizeContent(content));

/** The ACE text of a list, one per line, for people comparing two policies. */
export const describeAces = (aces: readonly Ace[]): string => aces.map(aceText).join('\n');
