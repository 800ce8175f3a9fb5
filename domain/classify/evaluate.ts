/**
 * Judgement evaluation: labelled flow sets (test/fixtures/judgement/*.txt)
 * parsed into flows and dictionaries, and a classifier's answers scored
 * against the labels — agreement on the action the matrix enforces (permit
 * or deny; `needs_review` counts as a miss), agreement on the category, the
 * confusion matrix, harmful recall per class pair, and the review rate. Pure:
 * the caller reads the files and runs the classifier.
 */
import { type FlowKey, flowId } from '../flow.ts';
import { Category, type Classification, categoryAction, type Flow, Outcome, outcomeOf } from '../types.ts';
import { isTagClass, profileOf, type TagClass } from './classes.ts';

export class JudgementSetError extends Error {
  readonly code = 'JUDGEMENT_SET_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'JudgementSetError';
  }
}

export interface LabelledFlow {
  flow: Flow;
  label: Category;
  reason: string;
}

export interface JudgementSet {
  name: string;
  names: Map<number, string>;
  classes: Map<number, TagClass>;
  flows: LabelledFlow[];
}

const CATEGORIES = new Set<string>(Object.values(Category));

function flowOf(key: FlowKey): Flow {
  return {
    ...key,
    id: flowId(key),
    hits: 1000,
    events: 50,
    firstSeenMs: 0,
    lastSeenMs: 6 * 86_400_000,
    daysSeen: 7,
    srcSamples: [],
    dstSamples: [],
    permitHits: 1000,
    denyHits: 0,
    switches: [],
    interfaces: [],
    sgaclNames: [],
  };
}

/** One set from its text: `tag N name [class=c]` lines, then `src dst proto/port label reason…` lines. */
export function parseJudgementSet(name: string, text: string): JudgementSet {
  const set: JudgementSet = { name, names: new Map(), classes: new Map(), flows: [] };
  const byName = new Map<string, number>([['Unknown', 0]]);
  text.split('\n').forEach((raw, i) => {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) return;
    const where = `${name}:${i + 1}`;
    const parts = line.split(/\s+/);
    if (parts[0] === 'tag') {
      const tag = Number(parts[1]);
      const tagName = parts[2];
      if (!Number.isInteger(tag) || tagName === undefined)
        throw new JudgementSetError(`${where}: tag N NAME`);
      set.names.set(tag, tagName);
      byName.set(tagName, tag);
      const cls = parts[3]?.startsWith('class=') ? parts[3].slice(6) : undefined;
      if (cls !== undefined) {
        if (!isTagClass(cls)) throw new JudgementSetError(`${where}: unknown class ${cls}`);
        set.classes.set(tag, cls);
      }
      return;
    }
    const [src, dst, pp, label, ...reason] = parts;
    const sgt = byName.get(src ?? '');
    const dgt = byName.get(dst ?? '');
    const m = /^(tcp|udp|icmp)\/(\d+|any)$/.exec(pp ?? '');
    if (sgt === undefined || dgt === undefined)
      throw new JudgementSetError(`${where}: unknown tag ${src} or ${dst}`);
    if (m === null) throw new JudgementSetError(`${where}: expected proto/port, got ${pp}`);
    if (label === undefined || !CATEGORIES.has(label))
      throw new JudgementSetError(`${where}: bad label ${label}`);
    if (reason.length === 0) throw new JudgementSetError(`${where}: every label needs its reason`);
    const dstPort = m[2] === 'any' ? 'any' : Number(m[2]);
    const key: FlowKey = { sgt, dgt, protocol: m[1] as string, srcPort: 'any', dstPort };
    set.flows.push({ flow: flowOf(key), label: label as Category, reason: reason.join(' ') });
  });
  return set;
}

export interface PairScore {
  pair: string;
  harmful: number;
  denied: number;
}

export interface Miss {
  set: string;
  flow: string;
  label: Category;
  got: Outcome;
  reason: string;
  rationale: string;
}

export interface JudgementScore {
  flows: number;
  /** Same action as the label (needs_review is a miss). */
  agreement: number;
  /** Same category as the label. */
  categoryAgreement: number;
  needsReview: number;
  harmful: number;
  harmfulDenied: number;
  /** label → outcome → count. */
  confusion: Record<Category, Record<Outcome, number>>;
  /** Harmful recall by (source class → destination class), worst first. */
  harmfulByPair: PairScore[];
  misses: Miss[];
}

const emptyRow = (): Record<Outcome, number> =>
  Object.fromEntries(Object.values(Outcome).map((o) => [o, 0])) as Record<Outcome, number>;

/** Scores one classification per labelled flow (same order as `sets` flattened). */
export function scoreJudgement(
  sets: readonly JudgementSet[],
  answers: readonly Classification[],
): JudgementScore {
  const confusion = Object.fromEntries(
    Object.values(Category).map((c) => [c, emptyRow()]),
  ) as JudgementScore['confusion'];
  const pairs = new Map<string, PairScore>();
  const misses: Miss[] = [];
  let n = 0;
  let agree = 0;
  let sameCategory = 0;
  let review = 0;
  let harmful = 0;
  let harmfulDenied = 0;
  for (const set of sets) {
    for (const lf of set.flows) {
      const c = answers[n++];
      if (c === undefined) throw new JudgementSetError(`no answer for ${set.name} ${lf.flow.id}`);
      const got = outcomeOf(c);
      confusion[lf.label][got] += 1;
      if (got === Outcome.NeedsReview) review += 1;
      const ok = got !== Outcome.NeedsReview && categoryAction(c.category) === categoryAction(lf.label);
      if (ok) agree += 1;
      else
        misses.push({
          set: set.name,
          flow: describeFlow(set, lf.flow),
          label: lf.label,
          got,
          reason: lf.reason,
          rationale: c.rationale,
        });
      if (got === lf.label) sameCategory += 1;
      if (lf.label === Category.Harmful) {
        harmful += 1;
        const denied = categoryAction(c.category) === 'deny';
        if (denied) harmfulDenied += 1;
        const pair = classPair(set, lf.flow);
        const p = pairs.get(pair) ?? { pair, harmful: 0, denied: 0 };
        p.harmful += 1;
        if (denied) p.denied += 1;
        pairs.set(pair, p);
      }
    }
  }
  const harmfulByPair = [...pairs.values()].sort(
    (a, b) =>
      a.denied / a.harmful - b.denied / b.harmful || b.harmful - a.harmful || a.pair.localeCompare(b.pair),
  );
  return {
    flows: n,
    agreement: n === 0 ? 1 : agree / n,
    categoryAgreement: n === 0 ? 1 : sameCategory / n,
    needsReview: review,
    harmful,
    harmfulDenied,
    confusion,
    harmfulByPair,
    misses,
  };
}

const classPair = (set: JudgementSet, f: Flow): string =>
  `${profileOf(f.sgt, set.names.get(f.sgt), set.classes.get(f.sgt)).cls} → ${profileOf(f.dgt, set.names.get(f.dgt), set.classes.get(f.dgt)).cls}`;

const describeFlow = (set: JudgementSet, f: Flow): string =>
  `${set.names.get(f.sgt) ?? f.sgt} → ${set.names.get(f.dgt) ?? f.dgt} ${f.protocol}/${f.dstPort}`;
