/**
 * Every operation under /api/v1, as data: the OpenAPI document is built from
 * this table (openapi.ts), and a test checks it against the routes the app
 * really serves. Schemas are the valibot schemas the routes validate with;
 * `schema` names a component (openapi.ts SCHEMAS).
 */
import type * as v from 'valibot';
import type { Role } from '../auth.ts';
import { ClassificationsQuery } from './classifications.ts';
import { SimulateDenyQuery } from './coverage.ts';
import { FlowStreamQuery, FlowsQuery } from './flows.ts';
import { HistoryQuery } from './history.ts';
import { IsePlanQuery } from './ise-schemas.ts';
import { DiffQuery, ExportQuery } from './matrix.ts';
import { CellDiffQuery, PreviewQuery } from './matrix-cells.ts';
import { ProposalListQuery } from './proposals.ts';
import { RunMatrixQuery, RunQuery } from './runs.ts';
import { RunListQuery } from './runs-staged.ts';

export type QuerySchema = v.ObjectSchema<v.ObjectEntries, v.ErrorMessage<v.ObjectIssue> | undefined>;

export interface Body {
  /** Media type → component name, or `binary` / `text` / `any` for a raw body. */
  content: Record<string, string>;
  required?: boolean;
  description?: string;
}

export interface Operation {
  method: 'get' | 'post' | 'put';
  /** OpenAPI path under /api/v1, `{param}` style. */
  path: string;
  summary: string;
  tag: string;
  /** Null: no authentication. */
  role: Role | null;
  query?: QuerySchema;
  headers?: { name: string; description: string }[];
  body?: Body;
  /** Success status and what it carries: media type → component name (or `text`). */
  ok: { status: number; description: string; content?: Record<string, string> };
  /** Error statuses besides 401/403 (added for authenticated operations). */
  errors: number[];
}

const json = (schema: string) => ({ 'application/json': schema });
/** Sent by the MCP server (edge/rest/channel.ts): a label for the record, never an identity. */
const CHANNEL_HEADERS = [
  { name: 'x-scopilot-channel', description: 'api (default) or mcp: the channel recorded with the change' },
  { name: 'x-scopilot-client', description: "The MCP client's name, recorded after the caller's identity" },
];
const MATRIX_MEDIA = {
  'text/markdown': 'text',
  'text/csv': 'text',
  'application/json': 'any',
  'text/plain': 'text',
};

export const OPERATIONS: readonly Operation[] = [
  {
    method: 'get',
    path: '/openapi.json',
    summary: 'This document',
    tag: 'meta',
    role: null,
    ok: { status: 200, description: 'OpenAPI 3.1', content: json('any') },
    errors: [],
  },
  {
    method: 'post',
    path: '/runs',
    summary: 'Analyse uploaded syslog (text, gzip or multipart with `file` and optional `sgt`) synchronously',
    tag: 'runs',
    role: 'operator',
    query: RunQuery,
    body: {
      required: true,
      description:
        'SGACL hit syslog, streamed. gzip is recognised by Content-Encoding, by application/gzip or by its magic bytes.',
      content: {
        'text/plain': 'binary',
        'application/gzip': 'binary',
        'multipart/form-data': 'RunUploadForm',
      },
    },
    ok: { status: 201, description: 'The run, stored for 30 days', content: json('RunSummary') },
    errors: [400, 413, 415],
  },
  {
    method: 'get',
    path: '/runs/{id}',
    summary: "A run's metadata",
    tag: 'runs',
    role: 'viewer',
    ok: { status: 200, description: 'The run', content: json('RunSummary') },
    errors: [404],
  },
  {
    method: 'get',
    path: '/runs/{id}/matrix',
    summary: "A run's proposed matrix, rendered (Content-Disposition names a file)",
    tag: 'runs',
    role: 'viewer',
    query: RunMatrixQuery,
    ok: { status: 200, description: 'The rendered matrix', content: MATRIX_MEDIA },
    errors: [400, 404, 409],
  },
  {
    method: 'get',
    path: '/runs',
    summary: 'Runs, newest first',
    tag: 'runs',
    role: 'viewer',
    query: RunListQuery,
    ok: { status: 200, description: 'Runs', content: json('RunList') },
    errors: [400],
  },
  {
    method: 'post',
    path: '/runs/staged',
    summary: 'Start a staged run: open, no lines yet (append them, classify, build)',
    tag: 'runs',
    role: 'operator',
    body: { required: false, content: json('StagedRunBody') },
    ok: { status: 201, description: 'The open run', content: json('RunSummary') },
    errors: [400, 413, 415],
  },
  {
    method: 'post',
    path: '/runs/{id}/lines',
    summary: 'Append syslog lines to an open run (aggregated on arrival; lines are not stored)',
    tag: 'runs',
    role: 'operator',
    body: { required: true, content: json('RunLinesBody') },
    ok: { status: 200, description: 'The batch and the run', content: json('RunLinesResult') },
    errors: [400, 404, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/runs/{id}/classify',
    summary: "Classify an open run's flows",
    tag: 'runs',
    role: 'operator',
    ok: { status: 200, description: 'The classified run', content: json('RunSummary') },
    errors: [404, 409, 413],
  },
  {
    method: 'post',
    path: '/runs/{id}/build',
    summary: "Build a classified run's contracts (its matrix can then be rendered)",
    tag: 'runs',
    role: 'operator',
    ok: { status: 200, description: 'The built run', content: json('RunSummary') },
    errors: [404, 409, 413],
  },
  {
    method: 'post',
    path: '/ingest',
    summary: 'Ingest syslog lines live (published as flows.observed deltas)',
    tag: 'ingest',
    role: 'operator',
    headers: [
      { name: 'Idempotency-Key', description: 'The batch origin: the same key stores the same lines once' },
    ],
    body: {
      required: true,
      content: { 'text/plain': 'text', ...json('IngestBody') },
      description: 'text/plain up to 64 MiB, or JSON up to 1 MiB',
    },
    ok: { status: 202, description: 'Accepted and published', content: json('IngestResult') },
    errors: [400, 413, 415],
  },
  {
    method: 'get',
    path: '/sgts',
    summary: "The tenant's SGT dictionary",
    tag: 'sgts',
    role: 'viewer',
    ok: { status: 200, description: 'Named tags', content: json('SgtList') },
    errors: [],
  },
  {
    method: 'put',
    path: '/sgts/{tag}',
    summary: 'Name one tag',
    tag: 'sgts',
    role: 'admin',
    body: { required: true, content: json('SgtPutBody') },
    ok: { status: 200, description: 'The stored entry', content: json('SgtEntry') },
    errors: [400, 413, 415],
  },
  {
    method: 'post',
    path: '/sgts/import',
    summary: 'Import a dictionary (JSON or CSV with id/name columns, or an ISE export)',
    tag: 'sgts',
    role: 'admin',
    body: { required: true, content: { ...json('SgtImportBody'), 'text/csv': 'text' } },
    ok: { status: 200, description: 'How many tags were named', content: json('SgtImportResult') },
    errors: [400, 413],
  },
  {
    method: 'get',
    path: '/sgts/missing',
    summary: "Tags in the tenant's inventory that have no name",
    tag: 'sgts',
    role: 'viewer',
    ok: {
      status: 200,
      description: 'Unnamed tags with their flows and hits',
      content: json('MissingSgtList'),
    },
    errors: [],
  },
  {
    method: 'get',
    path: '/flows',
    summary: "The tenant's flow inventory",
    tag: 'flows',
    role: 'viewer',
    query: FlowsQuery,
    ok: { status: 200, description: 'Flows', content: json('FlowList') },
    errors: [400],
  },
  {
    method: 'get',
    path: '/flows/stream',
    summary: 'Observed flow deltas as Server-Sent Events (event `flow`, id = stream sequence)',
    tag: 'flows',
    role: 'viewer',
    query: FlowStreamQuery,
    ok: { status: 200, description: 'An event stream', content: { 'text/event-stream': 'text' } },
    errors: [400],
  },
  {
    method: 'get',
    path: '/flows/{id}/explain',
    summary: 'How the live matrix treats one flow of the inventory, and its evidence',
    tag: 'flows',
    role: 'viewer',
    ok: { status: 200, description: 'The explanation', content: json('FlowExplanation') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/classifications',
    summary: "Classified flows: a run's (`run`), or the live inventory's as of now",
    tag: 'flows',
    role: 'viewer',
    query: ClassificationsQuery,
    ok: { status: 200, description: 'Classified flows, busiest first', content: json('ClassificationList') },
    errors: [400, 404, 409],
  },
  {
    method: 'get',
    path: '/proposals',
    summary: 'Proposals, newest first',
    tag: 'proposals',
    role: 'viewer',
    query: ProposalListQuery,
    ok: { status: 200, description: 'Proposals', content: json('ProposalList') },
    errors: [400],
  },
  {
    method: 'post',
    path: '/proposals',
    summary: 'Create a manual proposal',
    tag: 'proposals',
    role: 'operator',
    headers: [
      { name: 'Idempotency-Key', description: 'Repeating a request with the same key creates one proposal' },
      ...CHANNEL_HEADERS,
    ],
    body: { required: true, content: json('ManualProposalBody') },
    ok: { status: 201, description: 'The proposal', content: json('ProposalRecord') },
    errors: [400, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/proposals/summary',
    summary: 'The open proposals counted by category (gravest ACE), infrastructure, urgent and rare',
    tag: 'proposals',
    role: 'viewer',
    ok: { status: 200, description: 'The counts', content: json('ProposalSummary') },
    errors: [],
  },
  {
    method: 'get',
    path: '/proposals/{id}',
    summary: 'One proposal with its evidence and history',
    tag: 'proposals',
    role: 'viewer',
    ok: { status: 200, description: 'The proposal', content: json('ProposalView') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/proposals/{id}/preview',
    summary:
      'What approving it would change now: the cells, their ACE lines and the observed flows each decides',
    tag: 'proposals',
    role: 'viewer',
    query: PreviewQuery,
    ok: { status: 200, description: 'The cell diff', content: json('ProposalPreview') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/metrics/history',
    summary:
      'History rollups (minute for 48 h, hour for 90 days): hits by coverage and tag pair, readiness, open proposals',
    tag: 'matrix',
    role: 'viewer',
    query: HistoryQuery,
    ok: { status: 200, description: 'The points, oldest first', content: json('HistoryPoints') },
    errors: [400],
  },
  {
    method: 'post',
    path: '/proposals/decide',
    summary: 'Approve or reject many proposals at once (each audited; the approvals make one version)',
    tag: 'proposals',
    role: 'operator',
    headers: CHANNEL_HEADERS,
    body: { required: true, content: json('DecideManyBody') },
    ok: {
      status: 200,
      description: "Each proposal's outcome and the new version",
      content: json('DecideManyAnswer'),
    },
    errors: [400, 413, 415, 503],
  },
  {
    method: 'post',
    path: '/proposals/{id}/approve',
    summary: 'Approve a proposal (a new matrix version goes live)',
    tag: 'proposals',
    role: 'operator',
    headers: CHANNEL_HEADERS,
    body: { required: false, content: json('ApproveBody') },
    ok: { status: 200, description: 'The command reply', content: json('CommandReply') },
    errors: [400, 404, 409, 413, 415],
  },
  {
    method: 'post',
    path: '/proposals/{id}/reject',
    summary: 'Reject a proposal',
    tag: 'proposals',
    role: 'operator',
    headers: CHANNEL_HEADERS,
    body: { required: true, content: json('RejectBody') },
    ok: { status: 200, description: 'The command reply', content: json('CommandReply') },
    errors: [400, 404, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/matrix',
    summary: 'The live matrix',
    tag: 'matrix',
    role: 'viewer',
    ok: { status: 200, description: 'The live version', content: json('LiveMatrix') },
    errors: [],
  },
  {
    method: 'get',
    path: '/matrix/versions',
    summary: 'Every version and the pointer history',
    tag: 'matrix',
    role: 'viewer',
    ok: { status: 200, description: 'Versions', content: json('MatrixVersionList') },
    errors: [],
  },
  {
    method: 'get',
    path: '/matrix/versions/{n}',
    summary: 'One version',
    tag: 'matrix',
    role: 'viewer',
    ok: { status: 200, description: 'The version', content: json('MatrixVersionRecord') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/matrix/diff',
    summary: 'What changed between two versions (0 is the empty matrix)',
    tag: 'matrix',
    role: 'viewer',
    query: DiffQuery,
    ok: { status: 200, description: 'The diff', content: json('MatrixDiff') },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/matrix/versions/{n}/diff',
    summary:
      'A version against another (default its parent; 0 is the empty matrix) cell by cell, with the observed flows each changed ACE decides',
    tag: 'matrix',
    role: 'viewer',
    query: CellDiffQuery,
    ok: { status: 200, description: 'The cell diff', content: json('MatrixCellDiff') },
    errors: [400, 404],
  },
  {
    method: 'post',
    path: '/matrix/rollback',
    summary: 'Make an earlier version live again',
    tag: 'matrix',
    role: 'admin',
    headers: CHANNEL_HEADERS,
    body: { required: true, content: json('RollbackBody') },
    ok: { status: 200, description: 'The command reply', content: json('CommandReply') },
    errors: [400, 404, 409, 413, 415],
  },
  {
    method: 'get',
    path: '/matrix/readiness',
    summary: 'How much of the observed traffic the live matrix covers',
    tag: 'matrix',
    role: 'viewer',
    ok: { status: 200, description: 'Readiness', content: json('ReadinessSnapshot') },
    errors: [],
  },
  {
    method: 'get',
    path: '/matrix/simulate-deny',
    summary: 'What would break today if the default became deny ip (critical infrastructure first)',
    tag: 'matrix',
    role: 'viewer',
    query: SimulateDenyQuery,
    ok: { status: 200, description: 'The simulation', content: json('DenySimulation') },
    errors: [400],
  },
  {
    method: 'get',
    path: '/matrix/export',
    summary: 'A version rendered for ISE, IOS-XE or people',
    tag: 'matrix',
    role: 'viewer',
    query: ExportQuery,
    ok: { status: 200, description: 'The rendered matrix', content: MATRIX_MEDIA },
    errors: [400, 404],
  },
  {
    method: 'get',
    path: '/threat-intel/{ip}',
    summary: 'What threat intelligence says about one address: each provider, the cache, the decision',
    tag: 'threat',
    role: 'operator',
    ok: { status: 200, description: 'The assessment', content: json('ThreatAssessment') },
    errors: [400, 503],
  },
  {
    method: 'get',
    path: '/ise/status',
    summary: "The tenant's Cisco ISE link: last import, push and drift check, cells soaking in monitor",
    tag: 'ise',
    role: 'viewer',
    ok: {
      status: 200,
      description: 'The status (configured false when the tenant has no ISE)',
      content: json('IseStatus'),
    },
    errors: [502],
  },
  {
    method: 'get',
    path: '/ise/plan',
    summary: 'What pushing a stage of an approved version would write to ISE (planning writes nothing)',
    tag: 'ise',
    role: 'viewer',
    query: IsePlanQuery,
    ok: { status: 200, description: 'Operations, conflicts and warnings', content: json('IsePlan') },
    errors: [400, 404, 409, 502],
  },
  {
    method: 'post',
    path: '/ise/push',
    summary:
      'Push a stage of an approved version to ISE: monitor, enforce (after the soak), deny-default (readiness gate, or force)',
    tag: 'ise',
    role: 'admin',
    headers: CHANNEL_HEADERS,
    body: { required: true, content: json('IsePushBody') },
    ok: {
      status: 200,
      description: 'What was written, skipped (already right) and left alone (conflicts)',
      content: json('IsePushReport'),
    },
    errors: [400, 404, 409, 413, 415, 502],
  },
  {
    method: 'post',
    path: '/ise/import',
    summary: "Import ISE's live matrix as an approved version",
    tag: 'ise',
    role: 'admin',
    headers: CHANNEL_HEADERS,
    ok: { status: 200, description: 'What was imported', content: json('IseImportReport') },
    errors: [409, 502],
  },
  {
    method: 'get',
    path: '/ise/drift',
    summary: 'Where ISE differs from the approved matrix (compared now)',
    tag: 'ise',
    role: 'viewer',
    ok: { status: 200, description: 'The differences', content: json('IseDriftList') },
    errors: [409, 502],
  },
  {
    method: 'get',
    path: '/quotas',
    summary:
      "The tenant's quotas and what it uses of them: counted flows, open proposals, flows held back, refused flows waiting for a redrive",
    tag: 'quotas',
    role: 'viewer',
    ok: { status: 200, description: 'Quotas (0 = no limit) and usage', content: json('Quotas') },
    errors: [],
  },
  {
    method: 'post',
    path: '/quotas/flows/redrive',
    summary:
      'Replay the new flows the flows quota refused (its dead letters past the last redrive), once; audited. Raise the quota first',
    tag: 'quotas',
    role: 'admin',
    headers: CHANNEL_HEADERS,
    ok: { status: 200, description: 'How many were sent again', content: json('QuotaRedrive') },
    errors: [],
  },
];
