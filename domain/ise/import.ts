/**
 * ISE's matrix as a matrix version (pure): every egress cell becomes a
 * contract whose ACEs are its SGACLs' in order plus its default rule, and the
 * ANY-ANY cell's default rule becomes the version's default. Lines the model
 * cannot represent are kept verbatim (`raw`). Contracts keep what the current
 * version knows of them: a cell whose policy did not change is the current
 * contract, evidence and name included; a changed one keeps its name (a
 * renamed SGACL is a new one on the switch) and the evidence of each ACE it
 * still has.
 */
import { type Ace, AceAction, aceText, toAce } from '../ace.ts';
import { contractBaseName, sgtDisplayName } from '../contract-names.ts';
import type { Contract, ContractAce } from '../contracts.ts';
import { DefaultRule, type Matrix } from '../matrix.ts';
import type { SgtDictionary } from '../types.ts';
import { aclText, verbatimCount } from './acl.ts';
import { ANY_TAG, pairKey } from './types.ts';
import type { CellView, IseView } from './view.ts';

export interface ImportedMatrix {
  matrix: Matrix;
  /** The tag dictionary as ISE has it (ANY left out). */
  names: Map<number, string>;
  cells: number;
  sgacls: number;
  verbatim: number;
  /** What the version cannot hold exactly, in words. */
  notes: string[];
}

const emptyClassification = (): Contract['classification'] => ({
  business_relevant: { flows: 0, hits: 0 },
  default: { flows: 0, hits: 0 },
  business_irrelevant: { flows: 0, hits: 0 },
  harmful: { flows: 0, hits: 0 },
  unclassified: { flows: 0, hits: 0 },
});

function importedAce(ace: Ace, source: string, known: ContractAce[]): ContractAce {
  const text = aceText(ace);
  const at = known.findIndex((k) => aceText(k) === text);
  if (at >= 0) {
    const [kept] = known.splice(at, 1);
    return { ...(kept as ContractAce), ...toAce(ace) };
  }
  return {
    ...toAce(ace),
    hits: 0,
    events: 0,
    flowIds: [],
    conflict: false,
    decision: {
      flowId: '',
      category: ace.action === AceAction.Permit ? 'business_relevant' : 'business_irrelevant',
      source: 'manual',
      risk: 'low',
      rationale: `imported from ISE (${source})`.slice(0, 2000),
    },
  };
}

function contractOf(
  v: CellView,
  name: string,
  names: SgtDictionary,
  current: Contract | undefined,
): Contract {
  if (current !== undefined && aclText(current.aces) === v.text) return current;
  const known = [...(current?.aces ?? [])];
  const source =
    v.sgacls.length === 0
      ? `cell default rule ${v.cell.defaultRule}`
      : `SGACL ${v.sgacls.map((s) => s.name).join(', ')}`;
  const aces = v.aces.map((a) => importedAce(a, source, known));
  return {
    name,
    sgt: v.sgt,
    dgt: v.dgt,
    sourceName: sgtDisplayName(v.sgt, names),
    destinationName: sgtDisplayName(v.dgt, names),
    aces,
    hits: aces.reduce((n, a) => n + a.hits, 0),
    events: aces.reduce((n, a) => n + a.events, 0),
    classification: current?.classification ?? emptyClassification(),
  };
}

/** The matrix default an ANY-ANY cell stands for: its default rule, else its last catch-all ACE. */
export function defaultRuleOf(view: IseView, fallback: Matrix['defaultRule']): Matrix['defaultRule'] {
  const d = view.defaultCell;
  if (d === null) return fallback;
  if (d.cell.defaultRule === 'DENY_IP') return DefaultRule.DenyIp;
  if (d.cell.defaultRule === 'PERMIT_IP') return DefaultRule.PermitIp;
  const last = d.aces.at(-1);
  return last?.protocol === 'ip' && last.action === AceAction.Deny && last.raw === undefined
    ? DefaultRule.DenyIp
    : DefaultRule.PermitIp;
}

export function matrixFromIse(view: IseView, current: Matrix | null): ImportedMatrix {
  const names = new Map<number, string>();
  for (const [value, sgt] of view.sgtByValue) if (value !== ANY_TAG && value >= 0) names.set(value, sgt.name);
  const currentCells = new Map((current?.cells ?? []).map((c) => [pairKey(c.sgt, c.dgt), c]));
  const views = [...view.cells.values()].sort((a, b) => a.sgt - b.sgt || a.dgt - b.dgt);
  const taken = new Set<string>();
  for (const v of views) {
    const name = currentCells.get(v.pair)?.name;
    if (name !== undefined) taken.add(name);
  }
  const cells: Contract[] = [];
  const used = new Set<string>();
  for (const v of views) {
    const old = currentCells.get(v.pair);
    let name = old?.name;
    if (name === undefined) {
      const base = contractBaseName(v.sgt, v.dgt, names);
      name = base;
      for (let n = 2; taken.has(name); n++) name = `${base}_${n}`;
      taken.add(name);
    }
    cells.push(contractOf(v, name, names, old));
    for (const s of v.sgacls) used.add(s.id);
  }
  const notes: string[] = [];
  const d = view.defaultCell;
  if (d !== null && d.sgacls.length > 0) {
    notes.push(
      `ANY-ANY lists SGACLs (${d.sgacls.map((s) => s.name).join(', ')}); a version holds only its default rule`,
    );
  }
  if (view.unresolved > 0) notes.push(`${view.unresolved} cell(s) name a group ISE did not list: skipped`);
  return {
    matrix: { cells, defaultRule: defaultRuleOf(view, current?.defaultRule ?? DefaultRule.PermitIp) },
    names,
    cells: cells.length,
    sgacls: used.size,
    verbatim: [...view.cells.values()].reduce((n, v) => n + verbatimCount(v.aces), 0),
    notes,
  };
}

/** Same policy: the same cells with the same ACE text in the same order, and the same default. */
export function samePolicy(a: Matrix, b: Matrix): boolean {
  if (a.defaultRule !== b.defaultRule || a.cells.length !== b.cells.length) return false;
  const texts = new Map(a.cells.map((c) => [pairKey(c.sgt, c.dgt), aclText(c.aces)]));
  return b.cells.every((c) => texts.get(pairKey(c.sgt, c.dgt)) === aclText(c.aces));
}
