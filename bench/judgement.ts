/**
 * Judgement against the labelled sets (test/fixtures/judgement): agreement,
 * the confusion matrix and harmful recall per class pair on the heuristic
 * path and on the Claude path with loopback fake models (one following the
 * rules' hints, one answering business_relevant to everything, one answering
 * harmful to everything) — the same report as `scopilot eval`. Baseline
 * beside it: the same flows with every tag left unnamed, i.e. what ports and
 * the guardrail alone decide. Exits 1 when a target is missed.
 */
import {
  DEFAULT_SET_DIR,
  EvalPath,
  evaluatePath,
  formatReport,
  loadJudgementSets,
  pct,
} from '../cli/eval.ts';

const sets = loadJudgementSets(DEFAULT_SET_DIR);
const results = [];
for (const path of Object.values(EvalPath)) results.push(await evaluatePath(path, sets));
console.log(formatReport(sets, results, false));

const nameless = sets.map((s) => ({ ...s, names: new Map([[0, 'Unknown']]), classes: new Map() }));
const baseline = await evaluatePath(EvalPath.Heuristic, nameless);
const heuristic = results[0]!.score;
console.log(
  `\nbaseline (tags unnamed, ports and guardrail only): agreement ${pct(baseline.score.agreement)}, ` +
    `needs_review ${pct(baseline.score.needsReview / baseline.score.flows)}, harmful denied ${baseline.score.harmfulDenied}/${baseline.score.harmful}` +
    ` — with classes: agreement ${pct(heuristic.agreement)} (${(heuristic.agreement / Math.max(baseline.score.agreement, 0.001)).toFixed(2)}×)`,
);
process.exit(results.every((r) => r.missed.length === 0) ? 0 : 1);
