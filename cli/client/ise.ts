/**
 * `scopilot ise import|plan|push|drift|status`: the tenant's Cisco ISE over
 * `/api/v1/ise`. `plan` shows what a push of a stage would write and writes
 * nothing; `push` is the operator's explicit command and asks nothing: it
 * needs `--stage`, and `--force` only matters for `deny-default` below the
 * readiness setting. A push that failed partway prints what it did write and
 * exits 1; pushing again skips what is already right.
 */
import { UsageError } from '../usage.ts';
import { group, integer, JSON_FLAG, parse, required } from './args.ts';
import type { ApiClient } from './http.ts';
import { driftText, importText, planText, pushText, statusText } from './ise-text.ts';
import { sgtNames } from './names.ts';
import { isRecord, out, printJson } from './output.ts';

const STAGES = ['monitor', 'enforce', 'deny-default'] as const;
const MAX_VERSION = 1_000_000_000;
/** A push of thousands of cells takes a while against a real ISE. */
const WRITE_TIMEOUT_MS = 15 * 60_000;

const IMPORT = 'import [--json]';
const PLAN = 'plan --stage monitor|enforce|deny-default [--version N] [--json]';
const PUSH = 'push --stage monitor|enforce|deny-default [--version N] [--force] [--json]';
const DRIFT = 'drift [--json]';
const STATUS = 'status [--json]';

function stageOf(value: string | undefined, usage: string): (typeof STAGES)[number] {
  const stage = required(value, '--stage', `ise ${usage}`);
  if (!(STAGES as readonly string[]).includes(stage))
    throw new UsageError(
      `unknown --stage ${JSON.stringify(stage)}, one of ${STAGES.join(', ')}; usage: scopilot ise ${usage}`,
    );
  return stage as (typeof STAGES)[number];
}

function versionOf(value: string | undefined, usage: string): number | undefined {
  if (value === undefined) return undefined;
  try {
    return integer(value, '--version', 1, MAX_VERSION);
  } catch (error) {
    throw new UsageError(`${(error as Error).message}; usage: scopilot ise ${usage}`);
  }
}

/** Print `body` as JSON or as `render` says, with the dictionary's tag names. */
async function show(
  api: ApiClient,
  body: unknown,
  json: boolean,
  render: (b: unknown, names: Awaited<ReturnType<typeof sgtNames>>) => string,
): Promise<void> {
  await (json ? printJson(body) : out(render(body, await sgtNames(api))));
}

export const iseCommand = group('ise', {
  status: {
    usage: STATUS,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `ise ${STATUS}`);
      const api = client();
      await show(api, await api.get<unknown>('/api/v1/ise/status'), values.json, statusText);
      return 0;
    },
  },
  plan: {
    usage: PLAN,
    async run(args, client) {
      const { values } = parse(
        args,
        { ...JSON_FLAG, stage: { type: 'string' }, version: { type: 'string' } },
        [],
        `ise ${PLAN}`,
      );
      const stage = stageOf(values.stage, PLAN);
      const version = versionOf(values.version, PLAN);
      const api = client();
      const body = await api.get<unknown>('/api/v1/ise/plan', {
        stage,
        ...(version === undefined ? {} : { version: String(version) }),
      });
      await show(api, body, values.json, planText);
      return 0;
    },
  },
  push: {
    usage: PUSH,
    async run(args, client) {
      const { values } = parse(
        args,
        {
          ...JSON_FLAG,
          stage: { type: 'string' },
          version: { type: 'string' },
          force: { type: 'boolean', default: false },
        },
        [],
        `ise ${PUSH}`,
      );
      const stage = stageOf(values.stage, PUSH);
      const version = versionOf(values.version, PUSH);
      const api = client();
      // 502 carries the report of a push that failed partway: shown like a success, then exit 1.
      const response = await api.request('POST', '/api/v1/ise/push', {
        json: {
          stage,
          ...(version === undefined ? {} : { version }),
          ...(values.force ? { force: true } : {}),
        },
        timeoutMs: WRITE_TIMEOUT_MS,
        accept: [502],
      });
      const body: unknown = await response.json().catch(() => null);
      const report = response.ok || (isRecord(body) && Array.isArray(body.failed));
      if (!report) {
        const b = isRecord(body) ? body : {};
        throw new Error(`ISE push failed: ${String(b.title ?? response.status)}: ${String(b.detail ?? '')}`);
      }
      await show(api, body, values.json, pushText);
      if (response.ok) return 0;
      console.error(
        `scopilot: ${String((body as Record<string, unknown>).detail ?? 'ISE push failed partway')}`,
      );
      return 1;
    },
  },
  drift: {
    usage: DRIFT,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `ise ${DRIFT}`);
      const api = client();
      await show(api, await api.get<unknown>('/api/v1/ise/drift'), values.json, driftText);
      return 0;
    },
  },
  import: {
    usage: IMPORT,
    async run(args, client) {
      const { values } = parse(args, JSON_FLAG, [], `ise ${IMPORT}`);
      const api = client();
      const body = await api.json<unknown>('POST', '/api/v1/ise/import', { timeoutMs: WRITE_TIMEOUT_MS });
      await (values.json ? printJson(body) : out(importText(body)));
      return 0;
    },
  },
});
