/**
 * `scopilot eval`: scores the classifier against the labelled judgement sets
 * (test/fixtures/judgement) on each path — the heuristics, and the Claude
 * path against a loopback fake model: one that follows the rules' hints, one
 * that answers `business_relevant` to everything (a compromised or injected
 * model) and one that answers `harmful` to everything. Prints agreement, the
 * confusion matrix and harmful recall per class pair, and exits 1 when a
 * target is missed: agreement ≥ 95% and needs_review ≤ 10% where the path is
 * meant to judge, every harmful flow denied on every path.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type ClassifierMode, classifyFlows } from '../domain/classify/classifier.ts';
import {
  type JudgementScore,
  type JudgementSet,
  parseJudgementSet,
  scoreJudgement,
} from '../domain/classify/evaluate.ts';
import { decideHeuristic, networkShape } from '../domain/classify/heuristics.ts';
import type { LlmClassifier } from '../domain/classify/types.ts';
import { Category, type Classification, Outcome } from '../domain/types.ts';
import { ExitCode, Usage, UsageError } from './usage.ts';

const EVAL_USAGE = Usage.eval;

export const EvalPath = {
  Heuristic: 'heuristic',
  /** A fake model that answers what the rules' hint in its prompt says. */
  Fake: 'fake',
  /** A fake model that answers business_relevant to every flow. */
  FakePermitAll: 'fake-permit-all',
  /** A fake model that answers harmful to every flow. */
  FakeDenyAll: 'fake-deny-all',
} as const;
export type EvalPath = (typeof EvalPath)[keyof typeof EvalPath];
const PATHS = Object.values(EvalPath) as string[];

export const TARGETS = { agreement: 0.95, needsReview: 0.1 } as const;
/** Paths whose answers are meant to be right, not only safe. */
const JUDGING: readonly EvalPath[] = [EvalPath.Heuristic, EvalPath.Fake];

export const DEFAULT_SET_DIR = new URL('../test/fixtures/judgement/', import.meta.url).pathname;

export function loadJudgementSets(dir: string): JudgementSet[] {
  const files = readdirSync(dir)
    .filter((f) => f.endsWith('.txt'))
    .sort();
  if (files.length === 0) throw new UsageError(`no judgement sets (*.txt) in ${dir}`);
  return files.map((f) => parseJudgementSet(f.replace(/\.txt$/, ''), readFileSync(join(dir, f), 'utf8')));
}

/** What a fake model answers for one flow of a set. */
function fakeAnswer(path: EvalPath, set: JudgementSet, flowId: string): Category {
  if (path === EvalPath.FakePermitAll) return Category.BusinessRelevant;
  if (path === EvalPath.FakeDenyAll) return Category.Harmful;
  const lf = set.flows.find((f) => f.flow.id === flowId);
  if (lf === undefined) return Category.Default;
  const hint = decideHeuristic({
    network: networkShape(set.names, set.classes),
    key: lf.flow,
    srcName: set.names.get(lf.flow.sgt),
    dstName: set.names.get(lf.flow.dgt),
    classes: set.classes,
  });
  // A careful model unsure of a flow denies it until a person looks.
  return hint.needsReview === true ? Category.BusinessIrrelevant : hint.category;
}

async function classifyPath(path: EvalPath, sets: readonly JudgementSet[]): Promise<Classification[]> {
  const out: Classification[] = [];
  if (path === EvalPath.Heuristic) {
    for (const set of sets) {
      const r = await classifyFlows(
        set.flows.map((l) => l.flow),
        { sgtNames: set.names, sgtClasses: set.classes, mode: 'heuristic', nowMs: 0 },
      );
      out.push(...r.classifications);
    }
    return out;
  }
  const { startFakeAnthropic } = await import('../test/fakes/anthropic.ts');
  const { AnthropicClassifier } = await import('../integrations/anthropic/client.ts');
  for (const set of sets) {
    const fake = await startFakeAnthropic({
      fallback: {
        kind: 'answer',
        decide: (ids) =>
          ids.map((id) => ({
            flow_id: id,
            category: fakeAnswer(path, set, id),
            risk: 'medium',
            rationale: `fake model (${path})`,
          })),
      },
    });
    try {
      const llm: LlmClassifier = new AnthropicClassifier({
        apiKey: fake.apiKey,
        model: `fake-${path}`,
        baseURL: fake.url,
        maxAttempts: 1,
      });
      const mode: ClassifierMode = 'claude';
      const r = await classifyFlows(
        set.flows.map((l) => l.flow),
        { sgtNames: set.names, sgtClasses: set.classes, mode, nowMs: 0, llm },
      );
      if (r.stats.modelFailures > 0)
        throw new Error(`the fake model failed ${r.stats.modelFailures} time(s)`);
      out.push(...r.classifications);
    } finally {
      await fake.stop();
    }
  }
  return out;
}

export interface PathResult {
  path: EvalPath;
  score: JudgementScore;
  /** Targets this path missed, in words. */
  missed: string[];
}

export async function evaluatePath(path: EvalPath, sets: readonly JudgementSet[]): Promise<PathResult> {
  const score = scoreJudgement(sets, await classifyPath(path, sets));
  const missed: string[] = [];
  if (score.harmfulDenied < score.harmful)
    missed.push(`${score.harmful - score.harmfulDenied} harmful flow(s) permitted`);
  if (JUDGING.includes(path)) {
    if (score.agreement < TARGETS.agreement)
      missed.push(`agreement ${pct(score.agreement)} < ${pct(TARGETS.agreement)}`);
    if (score.needsReview / score.flows > TARGETS.needsReview)
      missed.push(`needs_review ${pct(score.needsReview / score.flows)} > ${pct(TARGETS.needsReview)}`);
  }
  return { path, score, missed };
}

export const pct = (x: number): string => `${(x * 100).toFixed(1)}%`;

const pad = (s: string, n: number): string => s.padEnd(n);
const OUTCOMES = Object.values(Outcome);

export function formatReport(
  sets: readonly JudgementSet[],
  results: readonly PathResult[],
  misses: boolean,
): string {
  const lines = [
    `judgement: ${sets.reduce((n, s) => n + s.flows.length, 0)} labelled flows in ${sets.length} sets (${sets.map((s) => `${s.name} ${s.flows.length}`).join(', ')})`,
    `targets: agreement ≥ ${pct(TARGETS.agreement)} and needs_review ≤ ${pct(TARGETS.needsReview)} (heuristic, fake); every harmful flow denied (every path)`,
    '',
    `${pad('path', 17)}${pad('agreement', 11)}${pad('category', 10)}${pad('needs_review', 14)}${pad('harmful denied', 16)}result`,
  ];
  for (const r of results) {
    const s = r.score;
    lines.push(
      `${pad(r.path, 17)}${pad(pct(s.agreement), 11)}${pad(pct(s.categoryAgreement), 10)}${pad(`${pct(s.needsReview / s.flows)} (${s.needsReview})`, 14)}${pad(`${s.harmfulDenied}/${s.harmful}`, 16)}${r.missed.length === 0 ? 'ok' : `MISSED: ${r.missed.join('; ')}`}`,
    );
  }
  for (const r of results) {
    lines.push('', `── ${r.path}: confusion (rows: expert label, columns: outcome)`);
    lines.push(`${pad('', 21)}${OUTCOMES.map((o) => pad(o, 21)).join('')}`);
    for (const [label, row] of Object.entries(r.score.confusion)) {
      lines.push(`${pad(label, 21)}${OUTCOMES.map((o) => pad(String(row[o]), 21)).join('')}`);
    }
    lines.push(`harmful recall by class pair (${r.score.harmfulByPair.length} pairs, worst first):`);
    const cells = r.score.harmfulByPair.map((p) => `${p.pair} ${p.denied}/${p.harmful}`);
    for (let i = 0; i < cells.length; i += 3) lines.push(`  ${cells.slice(i, i + 3).join('   ')}`);
    if (misses && r.score.misses.length > 0) {
      lines.push('disagreements:');
      for (const m of r.score.misses)
        lines.push(`  ${m.set}: ${m.flow} — expert ${m.label} (${m.reason}); got ${m.got}: ${m.rationale}`);
    }
  }
  return lines.join('\n');
}

export async function runEval(args: string[]): Promise<number> {
  let dir = DEFAULT_SET_DIR;
  const paths: EvalPath[] = [];
  let json = false;
  let misses = false;
  for (let i = 0; i < args.length; i++) {
    const a = args[i];
    if (a === '--json') json = true;
    else if (a === '--misses') misses = true;
    else if (a === '--set' && args[i + 1] !== undefined) dir = args[++i] as string;
    else if (a === '--path' && args[i + 1] !== undefined) {
      const p = args[++i] as string;
      if (!PATHS.includes(p))
        throw new UsageError(`--path must be one of ${PATHS.join(', ')}; usage: ${EVAL_USAGE}`);
      paths.push(p as EvalPath);
    } else throw new UsageError(`unexpected argument ${a}; usage: ${EVAL_USAGE}`);
  }
  const sets = loadJudgementSets(dir);
  const results: PathResult[] = [];
  for (const p of paths.length > 0 ? paths : (PATHS as EvalPath[])) results.push(await evaluatePath(p, sets));
  if (json)
    console.log(
      JSON.stringify(
        { sets: sets.map((s) => ({ name: s.name, flows: s.flows.length })), targets: TARGETS, results },
        null,
        2,
      ),
    );
  else console.log(formatReport(sets, results, misses));
  return results.every((r) => r.missed.length === 0) ? ExitCode.Ok : ExitCode.Failed;
}
