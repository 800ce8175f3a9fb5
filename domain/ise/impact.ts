/**
 * What a plan's new denies would drop, measured on the observed inventory,
 * and which destination tags carry more policy than a switch may download.
 */
import { type Ace, AceAction, aceText } from '../ace.ts';
import type { Contract } from '../contracts.ts';
import { type CoverageFlow, CoverageStatus, coverage } from '../coverage.ts';
import { DefaultRule } from '../matrix.ts';
import { aclText } from './acl.ts';
import { pairKey } from './types.ts';

/** About what a switch downloads per destination tag (reference/ise-and-ios.md). */
export const POLICY_SIZE_LIMIT = 6 * 1024;

export function flowsByPair(flows: readonly CoverageFlow[]): Map<string, CoverageFlow[]> {
  const out = new Map<string, CoverageFlow[]>();
  for (const f of flows) {
    const key = pairKey(f.sgt, f.dgt);
    const list = out.get(key);
    if (list === undefined) out.set(key, [f]);
    else list.push(f);
  }
  return out;
}

const deniedBy = (aces: readonly Ace[], flows: readonly CoverageFlow[]): Set<string> => {
  const cell = { name: 'x', sgt: 0, dgt: 0, aces } as unknown as Contract;
  const one = flows.map((f) => ({ ...f, sgt: 0, dgt: 0 }));
  const out = new Set<string>();
  for (const c of coverage({ cells: [cell], defaultRule: DefaultRule.PermitIp }, one)) {
    if (c.status === CoverageStatus.Denied) out.add(c.flowId);
  }
  return out;
};

/**
 * For a cell going from `before` to `after`: null when `after` brings no deny
 * that `before` lacked; else the observed flows (and their hits) that `after`
 * denies and `before` did not.
 */
export function denyImpact(
  before: readonly Ace[],
  after: readonly Ace[],
  flows: readonly CoverageFlow[],
): { flows: number; hits: number } | null {
  const had = new Set(before.filter((a) => a.action === AceAction.Deny).map(aceText));
  if (!after.some((a) => a.action === AceAction.Deny && !had.has(aceText(a)))) return null;
  const old = deniedBy(before, flows);
  const now = deniedBy(after, flows);
  let count = 0;
  let hits = 0;
  for (const f of flows) {
    if (now.has(f.id) && !old.has(f.id)) {
      count++;
      hits += f.hits;
    }
  }
  return { flows: count, hits };
}

/** Bytes of ACE text per destination tag, for the tags above the limit. */
const encoder = new TextEncoder();

export function oversizedDestinations(cells: readonly Contract[]): Map<number, number> {
  const bytes = new Map<number, number>();
  for (const c of cells) {
    const text = aclText(c.aces);
    bytes.set(c.dgt, (bytes.get(c.dgt) ?? 0) + encoder.encode(text).length + 1);
  }
  return new Map([...bytes].filter(([, n]) => n > POLICY_SIZE_LIMIT));
}
