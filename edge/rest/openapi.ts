/**
 * The OpenAPI 3.1 document of /api/v1, served without authentication at
 * `GET /api/v1/openapi.json`. Built once from the operation table
 * (openapi-ops.ts) and the valibot schemas the routes validate with, converted
 * by @valibot/to-json-schema, so the document cannot drift from validation.
 */
import { type JsonSchema, toJsonSchema, toJsonSchemaDefs } from '@valibot/to-json-schema';
import { Hono } from 'hono';
import * as v from 'valibot';
import {
  Contract,
  HistoryPoint,
  InventoryRecord,
  MatrixPointer,
  MatrixVersionRecord,
  ProposalRecord,
  ReadinessSnapshot,
  SgtRecord,
} from '../../kv-schema/records.ts';
import { CommandReply, DecideCommand, RollbackCommand } from '../../streams/commands.ts';
import { PROBLEM_CONTENT_TYPE } from '../problem.ts';
import { ClassificationList } from './classifications.ts';
import { DenySimulation, FlowExplanation } from './coverage.ts';
import { IngestBody, IngestResult } from './ingest.ts';
import {
  IseDriftListOut,
  IseImportReportOut,
  IsePlanOut,
  IsePushBody,
  IsePushReportOut,
  IseStatusOut,
} from './ise-schemas.ts';
import { RollbackBody } from './matrix.ts';
import { ProposalPreviewOut, VersionCellDiffOut } from './matrix-cells.ts';
import { OPERATIONS, type Operation } from './openapi-ops.ts';
import { ApproveBody, ManualProposalBody, ProposalView, RejectBody } from './proposals.ts';
import { DecideManyAnswer, DecideManyBody } from './proposals-decide.ts';
import { ProposalSummaryOut } from './proposals-summary.ts';
import { QuotasOut, RedriveOut } from './quotas.ts';
import { RunSummary } from './runs.ts';
import { RunLinesBody, RunLinesResult, RunList, StagedRunBody } from './runs-staged.ts';
import { MissingSgt, SgtEntry, SgtImportBody, SgtPutBody } from './sgts.ts';
import { ThreatAssessmentOut } from './threat.ts';

export const OPENAPI_PATH = '/api/v1/openapi.json';
const BASE = '/api/v1';

/** RFC 9457 problem details, as every error is answered. */
export const ProblemSchema = v.looseObject({
  type: v.string(),
  title: v.string(),
  status: v.pipe(v.number(), v.integer()),
  detail: v.optional(v.string()),
  errors: v.optional(v.array(v.object({ path: v.string(), message: v.string() }))),
});

const Loose = v.looseObject({});
const Count = v.pipe(v.number(), v.integer(), v.minValue(0));

/** Components: request and response bodies by name. */
const SCHEMAS = {
  Problem: ProblemSchema,
  RunSummary,
  RunList,
  StagedRunBody,
  RunLinesBody,
  RunLinesResult,
  ClassificationList,
  FlowExplanation,
  DenySimulation,
  RunUploadForm: v.object({
    file: v.pipe(v.string(), v.description('syslog, plain or gzip; may repeat')),
    sgt: v.optional(v.pipe(v.string(), v.description('an SGT dictionary, JSON or CSV'))),
  }),
  IngestBody,
  IngestResult,
  SgtEntry,
  SgtList: v.array(SgtEntry),
  SgtPutBody,
  SgtImportBody,
  SgtImportResult: v.object({ imported: Count }),
  MissingSgtList: v.array(MissingSgt),
  SgtRecord,
  InventoryRecord,
  FlowList: v.object({
    version: Count,
    total: Count,
    limit: Count,
    items: v.array(v.looseObject({ ...InventoryRecord.entries, coverage: Loose })),
  }),
  ProposalRecord,
  ProposalView,
  ProposalList: v.object({ total: Count, items: v.array(ProposalRecord) }),
  ManualProposalBody,
  ApproveBody,
  RejectBody,
  DecideManyBody,
  DecideManyAnswer,
  HistoryPoints: v.object({
    resolution: v.picklist(['minute', 'hour']),
    from: v.number(),
    to: v.number(),
    points: v.array(HistoryPoint),
  }),
  DecideCommand,
  RollbackBody,
  RollbackCommand,
  ThreatAssessment: ThreatAssessmentOut,
  CommandReply,
  Contract,
  MatrixPointer,
  MatrixVersionRecord,
  LiveMatrix: v.looseObject({
    version: Count,
    pointer: v.nullable(MatrixPointer),
    matrix: MatrixVersionRecord.entries.matrix,
  }),
  MatrixVersionList: v.looseObject({
    live: Count,
    latest: Count,
    versions: v.array(Loose),
    flips: v.array(Loose),
  }),
  MatrixDiff: v.looseObject({ from: Count, to: Count, added: v.array(Contract), removed: v.array(Contract) }),
  MatrixCellDiff: VersionCellDiffOut,
  ProposalPreview: ProposalPreviewOut,
  ProposalSummary: ProposalSummaryOut,
  ReadinessSnapshot,
  IseStatus: IseStatusOut,
  IsePlan: IsePlanOut,
  IsePushBody,
  IsePushReport: IsePushReportOut,
  IseImportReport: IseImportReportOut,
  IseDriftList: IseDriftListOut,
  Quotas: QuotasOut,
  QuotaRedrive: RedriveOut,
} satisfies Record<string, v.GenericSchema>;

type Json = { [key: string]: unknown };

const CONVERT = { target: 'draft-2020-12', errorMode: 'ignore', typeMode: 'input' } as const;

/** `#/$defs/X` (the converter's) → `#/components/schemas/X`, and no per-schema `$schema`. */
function componentRefs(schema: JsonSchema): Json {
  const { $schema: _, ...rest } = JSON.parse(
    JSON.stringify(schema).replaceAll('"#/$defs/', '"#/components/schemas/'),
  ) as Json;
  return rest;
}

const ERROR_TEXT: Record<number, string> = {
  400: 'Bad request',
  401: 'No valid bearer token',
  403: 'The role is not enough',
  404: 'Not found (or another tenant’s)',
  409: 'Conflict',
  413: 'Payload too large',
  415: 'Unsupported media type',
  502: 'ISE failed or refused (the problem names the cause)',
  503: 'Starting: the engine is not ready',
};

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });

function content(media: Record<string, string>): Json {
  const out: Json = {};
  for (const [type, name] of Object.entries(media)) {
    out[type] = {
      schema:
        name === 'binary'
          ? { type: 'string', contentMediaType: 'application/octet-stream' }
          : name === 'text'
            ? { type: 'string' }
            : name === 'any'
              ? {}
              : ref(name),
    };
  }
  return out;
}

function parameters(op: Operation): Json[] {
  const params: Json[] = [];
  for (const m of op.path.matchAll(/\{(\w+)\}/g)) {
    params.push({ name: m[1], in: 'path', required: true, schema: { type: 'string' } });
  }
  if (op.query !== undefined) {
    const schema = componentRefs(toJsonSchema(op.query, CONVERT));
    const props = (schema.properties ?? {}) as Record<string, Json>;
    const required = new Set((schema.required ?? []) as string[]);
    for (const [name, s] of Object.entries(props)) {
      params.push({ name, in: 'query', required: required.has(name), schema: s });
    }
  }
  for (const h of op.headers ?? []) {
    params.push({
      name: h.name,
      in: 'header',
      required: false,
      description: h.description,
      schema: { type: 'string' },
    });
  }
  return params;
}

function operation(op: Operation): Json {
  const errors = op.role === null ? op.errors : [...op.errors, 401, 403, 503];
  const responses: Json = {
    [op.ok.status]: {
      description: op.ok.description,
      ...(op.ok.content === undefined ? {} : { content: content(op.ok.content) }),
    },
  };
  for (const status of [...new Set(errors)].sort())
    responses[status] = { $ref: `#/components/responses/E${status}` };
  const params = parameters(op);
  return {
    operationId: `${op.method}${op.path.replace(/\{(\w+)\}/g, 'By_$1').replace(/[^A-Za-z0-9_]+(.)?/g, (_m, c: string | undefined) => (c ?? '').toUpperCase())}`,
    summary: op.summary,
    tags: [op.tag],
    ...(op.role === null
      ? { security: [] }
      : { 'x-required-role': op.role, description: `Needs the ${op.role} role (or higher).` }),
    ...(params.length > 0 ? { parameters: params } : {}),
    ...(op.body === undefined
      ? {}
      : {
          requestBody: {
            required: op.body.required ?? true,
            ...(op.body.description === undefined ? {} : { description: op.body.description }),
            content: content(op.body.content),
          },
        }),
    responses,
  };
}

/** The whole document. */
export function openapiDocument(): Json {
  const paths: Record<string, Json> = {};
  for (const op of OPERATIONS) {
    const path = `${BASE}${op.path}`;
    paths[path] = { ...(paths[path] ?? {}), [op.method]: operation(op) };
  }
  const defs = toJsonSchemaDefs(SCHEMAS, CONVERT);
  const schemas: Record<string, Json> = {};
  for (const [name, s] of Object.entries(defs)) schemas[name] = componentRefs(s);
  const responses: Record<string, Json> = {};
  for (const [status, text] of Object.entries(ERROR_TEXT)) {
    responses[`E${status}`] = {
      description: text,
      content: { [PROBLEM_CONTENT_TYPE]: { schema: ref('Problem') } },
    };
  }
  return {
    openapi: '3.1.0',
    info: {
      title: 'Segmentation Copilot API',
      version: '1',
      description:
        'Learns flows between Security Group Tags from SGACL hit syslog and proposes contracts people approve. ' +
        'Every request is scoped to the token’s tenant; another tenant’s object answers 404. Errors are application/problem+json.',
    },
    jsonSchemaDialect: 'https://json-schema.org/draft/2020-12/schema',
    security: [{ bearer: [] }],
    tags: [...new Set(OPERATIONS.map((o) => o.tag))].map((name) => ({ name })),
    paths,
    components: {
      securitySchemes: {
        bearer: {
          type: 'http',
          scheme: 'bearer',
          description: 'An API key (SCOPILOT_API__API_KEYS) or an OIDC JWT with tenant and role claims',
        },
      },
      schemas,
      responses,
    },
  };
}

/**
 * `GET /api/v1/openapi.json`, no authentication. Mount it on the root app
 * before the /api/v1 readiness gate and API routes, so neither applies.
 */
export function openapiRoute(): Hono {
  const app = new Hono();
  let doc: string | undefined;
  app.get(OPENAPI_PATH, (c) => {
    doc ??= JSON.stringify(openapiDocument());
    return c.body(doc, 200, { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' });
  });
  return app;
}
