/**
 * What an MCP tool is here: a name, a description written for a model
 * choosing tools, a valibot input schema (the project's own, so MCP input is
 * validated like HTTP input; its JSON Schema is derived, never written by
 * hand), and a thin call into the REST API. Results carry the JSON as
 * `structuredContent` and a short markdown rendering as text. Bad arguments
 * and API errors are tool results with `isError`, naming what was wrong, so a
 * model can correct itself; they are never protocol errors.
 */
import type { CallToolResult, Tool as McpTool, ToolAnnotations } from '@modelcontextprotocol/sdk/types.js';
import { toJsonSchema } from '@valibot/to-json-schema';
import * as v from 'valibot';
import { summarize } from '../../streams/messages.ts';
import { type ApiCall, type ApiRequest, type ApiResponse, problemOf } from './api.ts';

/** Tools that are off unless the server is started with them enabled. */
export const Gate = { DictionaryEdit: 'dictionaryEdit', Rollback: 'rollback', IseWrite: 'iseWrite' } as const;
export type Gate = (typeof Gate)[keyof typeof Gate];
export type Gates = Record<Gate, boolean>;

export type InputSchema = v.StrictObjectSchema<
  v.ObjectEntries,
  v.ErrorMessage<v.StrictObjectIssue> | undefined
>;

const argumentMessage = (issue: v.StrictObjectIssue): string =>
  issue.expected === 'never'
    ? `unknown argument (this tool takes no ${issue.received})`
    : issue.received === 'undefined'
      ? 'is required'
      : 'arguments must be an object';

/** A tool's arguments: exactly these, so a misspelt one is named rather than ignored. */
export const args = <E extends v.ObjectEntries>(entries: E) => v.strictObject(entries, argumentMessage);

export interface ToolSpec<S extends InputSchema> {
  name: string;
  title: string;
  description: string;
  input: S;
  annotations: ToolAnnotations;
  gate?: Gate;
  run(args: v.InferOutput<S>, api: ApiCall): Promise<CallToolResult>;
}

export interface Tool {
  name: string;
  gate: Gate | null;
  /** The tools/list entry. */
  listing(): McpTool;
  /** Validates `args`, then runs. */
  call(args: unknown, api: ApiCall): Promise<CallToolResult>;
}

const CONVERT = { target: 'draft-2020-12', errorMode: 'ignore', typeMode: 'input' } as const;

/** Structured content must be an object: lists are wrapped as `{items}`. */
const asRecord = (value: unknown): Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value)
    ? (value as Record<string, unknown>)
    : { items: value };

export function defineTool<S extends InputSchema>(spec: ToolSpec<S>): Tool {
  let listing: McpTool | undefined;
  return {
    name: spec.name,
    gate: spec.gate ?? null,
    listing() {
      if (listing === undefined) {
        const { $schema: _, ...schema } = toJsonSchema(spec.input, CONVERT) as Record<string, unknown>;
        listing = {
          name: spec.name,
          title: spec.title,
          description: spec.description,
          inputSchema: { ...schema, type: 'object' } as McpTool['inputSchema'],
          annotations: { title: spec.title, ...spec.annotations },
        };
      }
      return listing;
    },
    async call(args, api) {
      const parsed = v.safeParse(spec.input, args ?? {});
      if (!parsed.success) {
        return errorResult(`Invalid arguments for ${spec.name}: ${summarize(parsed.issues)}`, {
          error: 'invalid_arguments',
          issues: parsed.issues.map((i) => ({ path: v.getDotPath(i) ?? '', message: i.message })),
        });
      }
      return spec.run(parsed.output, api);
    },
  };
}

export function errorResult(text: string, structured?: Record<string, unknown>): CallToolResult {
  return {
    isError: true,
    content: [{ type: 'text', text }],
    ...(structured === undefined ? {} : { structuredContent: structured }),
  };
}

export function okResult(data: unknown, text: string): CallToolResult {
  return { content: [{ type: 'text', text }], structuredContent: asRecord(data) };
}

/** An API error as a tool error: the problem's title and detail, and each bad field. */
export function apiError(response: ApiResponse): CallToolResult {
  const p = problemOf(response);
  const fields = (p.errors ?? []).map((e) => `${e.path || '(body)'}: ${e.message}`);
  const text = [
    `${p.title} (${p.status})${p.detail ? `: ${p.detail}` : ''}`,
    ...(p.code ? [`code: ${p.code}`] : []),
    ...fields.slice(0, 5),
  ].join('\n');
  return errorResult(text, { error: 'api_error', problem: p });
}

export const isOk = (response: ApiResponse): boolean => response.status >= 200 && response.status <= 299;

/**
 * One API call: a rendered result on 2xx, an error result otherwise. `T` is
 * the shape the route documents (its OpenAPI schema); renderers only read it.
 */
export async function callApi<T>(
  api: ApiCall,
  request: ApiRequest,
  render: (body: T) => string,
): Promise<CallToolResult> {
  const response = await api(request);
  if (!isOk(response)) return apiError(response);
  return okResult(response.body, render(response.body as T));
}
