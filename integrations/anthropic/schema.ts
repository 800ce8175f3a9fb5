/**
 * Validation of the `record_classifications` tool input. The tool schema sent
 * to the model is a request, not a guarantee, so the answer is checked again
 * here with valibot: a wrong overall shape is an error (the whole batch falls
 * back), while one entry with an unknown category or risk is refused on its
 * own (that flow falls back) and entries without a usable flow id are dropped.
 */
import * as v from 'valibot';
import type { LlmBatchResult } from '../../domain/classify/types.ts';
import { Category, Risk } from '../../domain/types.ts';

/** The overall shape; entries are checked one by one below. */
export const ToolInput = v.object({
  classifications: v.array(v.looseObject({}), 'classifications must be a list of objects'),
});

export const ToolEntry = v.object({
  flow_id: v.string(),
  category: v.picklist(Object.values(Category), 'unknown category'),
  risk: v.picklist(Object.values(Risk), 'unknown risk'),
  rationale: v.pipe(v.string('rationale must be text'), v.minLength(1, 'rationale must not be empty')),
});

export const ToolErrorCode = { MalformedInput: 'CLAUDE_MALFORMED_TOOL_INPUT' } as const;
export type ToolErrorCode = (typeof ToolErrorCode)[keyof typeof ToolErrorCode];

export class ToolInputError extends Error {
  readonly code: ToolErrorCode = ToolErrorCode.MalformedInput;
  constructor(message: string) {
    super(message);
    this.name = 'ToolInputError';
  }
}

const describeValue = (x: unknown): string =>
  typeof x === 'string' ? JSON.stringify(x.slice(0, 40)) : x === undefined ? 'nothing' : typeof x;

/** Turns the tool input into verdicts for the flows that were asked about. */
export function parseToolInput(input: unknown, asked: ReadonlySet<string>, model: string): LlmBatchResult {
  const top = v.safeParse(ToolInput, input);
  if (!top.success) {
    const issue = top.issues[0];
    const where = issue?.path?.map((p) => String(p.key)).join('.') || 'input';
    throw new ToolInputError(`malformed tool input at ${where}: ${issue?.message ?? 'invalid'}`);
  }
  const result: LlmBatchResult = { model, verdicts: [], rejected: [] };
  for (const raw of top.output.classifications) {
    // Entries for flows that were not asked about are ignored, never trusted.
    if (typeof raw.flow_id !== 'string' || !asked.has(raw.flow_id)) continue;
    const entry = v.safeParse(ToolEntry, raw);
    if (entry.success) {
      const { flow_id, category, risk, rationale } = entry.output;
      result.verdicts.push({ flowId: flow_id, category, risk, rationale });
      continue;
    }
    const issue = entry.issues[0];
    const field = issue?.path?.[0]?.key;
    const got = typeof field === 'string' ? describeValue(raw[field]) : 'invalid entry';
    result.rejected.push({
      flowId: raw.flow_id,
      reason: `${issue?.message ?? 'invalid entry'} (${String(field)}: ${got})`,
    });
  }
  return result;
}
