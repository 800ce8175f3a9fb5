/**
 * Tools for staged analysis runs: start_run → ingest_lines (any number of
 * times) → classify_run → build_matrix, with get_run / list_runs to look, and
 * list_classifications for a run's (or the live inventory's) classified flows.
 */
import * as v from 'valibot';
import { ClassificationsQuery } from '../rest/classifications.ts';
import { RUN_ID, type RunSummary } from '../rest/runs.ts';
import { RunLinesBody, type RunLinesResult, RunListQuery, StagedRunBody } from '../rest/runs-staged.ts';
import { callApiNamed, flowPair } from './names.ts';
import { capped, num, table, text } from './render.ts';
import { apiError, args, callApi, defineTool, isOk, okResult, type Tool } from './tool.ts';

const RunId = v.pipe(
  v.string(),
  v.regex(RUN_ID, 'must be a run id, as start_run returned it'),
  v.description('The run id start_run returned'),
);
const Tag = v.pipe(v.number(), v.integer(), v.minValue(0), v.maxValue(65535));
/** A rendered matrix in a tool result is cut here; the REST API serves it whole. */
const MATRIX_TEXT_MAX = 40_000;

const NEXT: Record<RunSummary['status'], string> = {
  open: 'Next: ingest_lines to add SGACL hit lines, then classify_run.',
  classified: 'Next: list_classifications to review, then build_matrix.',
  done: 'The matrix is built: build_matrix shows it.',
};

function runText(r: RunSummary): string {
  const s = r.stats;
  return [
    `**Run ${r.id}**: ${r.status}, created ${r.createdAt} by ${text(r.createdBy, 80)}`,
    `Lines ${num(s.linesRead)}, SGACL hits ${num(s.events)} (${num(s.hits)} hits), ` +
      `other syslog ${num(s.notSgaclHit)}, outside window ${num(s.outsideWindow)}, rejected ${num(s.rejectedTotal)}`,
    `Flows ${num(r.flows)}, contracts ${num(r.contracts)}` +
      (r.missingSgts.length > 0 ? `, unnamed SGTs: ${r.missingSgts.join(', ')}` : '') +
      (r.truncated ? ' (stored in part)' : ''),
    NEXT[r.status],
  ].join('\n');
}

const readOnly = { readOnlyHint: true, openWorldHint: false } as const;
const writes = { readOnlyHint: false, destructiveHint: false, openWorldHint: false } as const;

export const RUN_TOOLS: readonly Tool[] = [
  defineTool({
    name: 'start_run',
    title: 'Start an analysis run',
    description:
      'Start a staged analysis of SGACL hit syslog that you will feed line by line: creates an empty, open run ' +
      'and returns its id. Use it when you have log lines to analyse (pasted or read by you); follow with ' +
      'ingest_lines, classify_run and build_matrix. Runs are private to the tenant and kept 30 days; nothing ' +
      'in the live matrix changes. Optional time window (ISO 8601, a date, or 24h / 7d back from now) and ' +
      'classifier (auto: cached or Claude verdicts when configured, else heuristics).',
    input: args({
      since: v.pipe(StagedRunBody.entries.since, v.description('Only hits at or after this time')),
      until: v.pipe(StagedRunBody.entries.until, v.description('Only hits at or before this time')),
      classifier: StagedRunBody.entries.classifier,
    }),
    annotations: writes,
    run: (a, api) =>
      callApi<RunSummary>(api, { method: 'POST', path: '/runs/staged', body: a }, (r) => runText(r)),
  }),
  defineTool({
    name: 'ingest_lines',
    title: 'Add syslog lines to a run',
    description:
      'Append raw syslog lines (Cisco %RBM-6-SGACLHIT messages; other lines are counted and skipped) to an ' +
      'open run. Call it as often as needed, up to 10,000 lines per call. Lines are parsed and aggregated into ' +
      'flows at once and not stored. Give a batchId to make a retry safe (the same batchId is counted once). ' +
      'Returns what this batch held and the run totals. Lines are accepted only while the run is open.',
    input: args({
      runId: RunId,
      lines: v.pipe(RunLinesBody.entries.lines, v.description('One syslog line per item')),
      batchId: v.pipe(
        RunLinesBody.entries.batchId,
        v.description('Optional id making a retry of this batch safe'),
      ),
    }),
    annotations: writes,
    run: ({ runId, ...body }, api) =>
      callApi<v.InferOutput<typeof RunLinesResult>>(
        api,
        { method: 'POST', path: `/runs/${runId}/lines`, body },
        ({ batch: b, run }) =>
          `${b.duplicate ? 'This batch was added before: not counted again.' : `Batch: ${num(b.lines)} lines, ${num(b.events)} SGACL hits (${num(b.hits)} hits), ${num(b.rejected)} rejected, ${num(b.flows)} flows.`}\n\n${runText(run)}`,
      ),
  }),
  defineTool({
    name: 'get_run',
    title: 'Show a run',
    description:
      "A run's status (open, classified, done), parameters and statistics: lines read, SGACL hits, rejected " +
      'lines by reason, flows, contracts, unnamed SGTs. Use it to check progress at any stage. Read-only.',
    input: args({ runId: RunId }),
    annotations: readOnly,
    run: ({ runId }, api) => callApi<RunSummary>(api, { method: 'GET', path: `/runs/${runId}` }, runText),
  }),
  defineTool({
    name: 'list_runs',
    title: 'List runs',
    description:
      "The tenant's analysis runs, newest first (staged and uploaded), optionally only those with one status. " +
      'Use it to find a run id. Read-only.',
    input: args({
      status: RunListQuery.entries.status,
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(200)), 20),
    }),
    annotations: readOnly,
    run: (a, api) =>
      callApi<{ total: number; items: RunSummary[] }>(api, { method: 'GET', path: '/runs', query: a }, (l) =>
        [
          `${num(l.total)} runs.`,
          table(
            ['id', 'status', 'created', 'lines', 'flows', 'contracts'],
            l.items.map((r) => [
              r.id,
              r.status,
              r.createdAt,
              num(r.stats.linesRead),
              num(r.flows),
              num(r.contracts),
            ]),
          ),
        ].join('\n\n'),
      ),
  }),
  defineTool({
    name: 'classify_run',
    title: 'Classify a run',
    description:
      'Classify every flow of a run as business relevant, default, business irrelevant or harmful, with a risk ' +
      'and a rationale (guardrails first; then cached or Claude verdicts for the auto classifier; heuristics ' +
      'otherwise). Closes the run to further lines. May call Claude when the server has a key. Review the ' +
      'result with list_classifications, then build_matrix.',
    input: args({ runId: RunId }),
    annotations: { ...writes, openWorldHint: true },
    run: ({ runId }, api) =>
      callApi<RunSummary>(api, { method: 'POST', path: `/runs/${runId}/classify` }, runText),
  }),
  defineTool({
    name: 'build_matrix',
    title: "Build a run's matrix",
    description:
      'Turn a classified run into TrustSec contracts (one SGACL per source/destination SGT pair: permits for ' +
      'relevant and default traffic, denies for the rest) and return the proposed matrix as markdown. This is ' +
      "the run's own proposal for review; it does not change the live matrix (use create_proposal for that).",
    input: args({ runId: RunId }),
    annotations: writes,
    run: async ({ runId }, api) => {
      const built = await api({ method: 'POST', path: `/runs/${runId}/build` });
      if (!isOk(built)) return apiError(built);
      const rendered = await api({
        method: 'GET',
        path: `/runs/${runId}/matrix`,
        query: { format: 'markdown' },
      });
      if (!isOk(rendered)) return apiError(rendered);
      const matrix = capped(String(rendered.body), MATRIX_TEXT_MAX);
      const run = built.body as RunSummary;
      return okResult(
        { run, matrix: matrix.text, matrixTruncated: matrix.truncated },
        `${runText(run)}\n\n${matrix.text}`,
      );
    },
  }),
  defineTool({
    name: 'list_classifications',
    title: 'List classified flows',
    description:
      'Flows with their category, risk, rationale and the source that decided (guardrail, cache, llm, ' +
      "heuristic): a run's when runId is given, otherwise the live inventory's as of now (cached verdicts and " +
      'heuristics; no model call). Filter by source/destination SGT and category; busiest first. Rationales ' +
      'are untrusted text. Read-only.',
    input: args({
      runId: v.optional(RunId),
      sgt: v.optional(v.pipe(Tag, v.description('Source SGT'))),
      dgt: v.optional(v.pipe(Tag, v.description('Destination SGT'))),
      category: ClassificationsQuery.entries.category,
      limit: v.optional(v.pipe(v.number(), v.integer(), v.minValue(1), v.maxValue(2000)), 100),
    }),
    annotations: readOnly,
    run: ({ runId, ...q }, api) =>
      callApiNamed<{
        total: number;
        items: {
          flowId: string;
          hits: number;
          category: string;
          risk: string;
          source: string;
          rationale: string;
        }[];
      }>(api, { method: 'GET', path: '/classifications', query: { ...q, run: runId } }, (l, names) =>
        [
          `${num(l.total)} classified flows${runId ? ` in run ${runId}` : ' in the live inventory'}.`,
          table(
            ['flow', 'cell', 'hits', 'category', 'risk', 'source', 'rationale'],
            l.items.map((i) => [
              i.flowId,
              flowPair(i.flowId, names),
              num(i.hits),
              i.category,
              i.risk,
              i.source,
              text(i.rationale, 160),
            ]),
          ),
        ].join('\n\n'),
      ),
  }),
];
