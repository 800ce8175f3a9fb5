/**
 * The Claude adapter of the LlmClassifier port (DESIGN §7): one Messages API
 * call per batch of at most 50 flows, the answer forced through the
 * `record_classifications` tool and validated with valibot, the system prompt
 * marked for prompt caching. Retries are ours, not the SDK's (`maxRetries: 0`),
 * so they are explicit and testable: 429/529/5xx with jittered exponential
 * backoff, honouring retry-after, a bounded number of attempts, and a timeout
 * per attempt. Every failure is thrown; the pipeline falls back to heuristics.
 */
import Anthropic, { APIConnectionError, APIError, APIUserAbortError } from '@anthropic-ai/sdk';
import {
  assertNoIpLiterals,
  buildClassificationPrompt,
  RECORD_TOOL,
  TOOL_NAME,
} from '../../domain/classify/prompt.ts';
import type { LlmBatch, LlmBatchResult, LlmClassifier } from '../../domain/classify/types.ts';
import { backoffMs, isRetryableStatus, retryAfterMs } from './retry.ts';
import { parseToolInput } from './schema.ts';

export const ClaudeErrorCode = {
  Timeout: 'CLAUDE_TIMEOUT',
  /** A status that will not change on retry (400, 401, 403, 404, 501…). */
  Rejected: 'CLAUDE_REJECTED',
  /** Every attempt failed with a retryable status or a connection error. */
  Exhausted: 'CLAUDE_RETRIES_EXHAUSTED',
  /** The server asked us to wait longer than we are willing to. */
  RetryAfterTooLong: 'CLAUDE_RETRY_AFTER_TOO_LONG',
  NoToolUse: 'CLAUDE_NO_TOOL_USE',
} as const;
export type ClaudeErrorCode = (typeof ClaudeErrorCode)[keyof typeof ClaudeErrorCode];

export class ClaudeError extends Error {
  readonly code: ClaudeErrorCode;
  readonly status: number | undefined;
  constructor(code: ClaudeErrorCode, message: string, status?: number, options?: ErrorOptions) {
    super(message, options);
    this.name = 'ClaudeError';
    this.code = code;
    this.status = status;
  }
}

export interface AnthropicClassifierOptions {
  apiKey: string;
  /** From config (`anthropic.model`). */
  model: string;
  /** Unset: the SDK's default (the public API). Tests always pass a loopback fake. */
  baseURL?: string;
  /** Per attempt. */
  timeoutMs?: number;
  maxAttempts?: number;
  baseDelayMs?: number;
  /** Longest wait between attempts; a retry-after beyond it ends the call instead. */
  maxDelayMs?: number;
  maxTokens?: number;
  /** Jitter source, in [0, 1). */
  random?: () => number;
}

export interface ClaudeUsage {
  calls: number;
  attempts: number;
  inputTokens: number;
  outputTokens: number;
  cacheReadTokens: number;
  cacheWriteTokens: number;
}

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms));

export class AnthropicClassifier implements LlmClassifier {
  readonly usage: ClaudeUsage = {
    calls: 0,
    attempts: 0,
    inputTokens: 0,
    outputTokens: 0,
    cacheReadTokens: 0,
    cacheWriteTokens: 0,
  };
  readonly #client: Anthropic;
  readonly #model: string;
  readonly #timeoutMs: number;
  readonly #maxAttempts: number;
  readonly #backoff: { baseDelayMs: number; maxDelayMs: number; random: () => number };
  readonly #maxTokens: number;

  constructor(o: AnthropicClassifierOptions) {
    this.#client = new Anthropic({ apiKey: o.apiKey, baseURL: o.baseURL, maxRetries: 0 });
    this.#model = o.model;
    this.#timeoutMs = o.timeoutMs ?? 60_000;
    this.#maxAttempts = Math.max(1, o.maxAttempts ?? 4);
    this.#backoff = {
      baseDelayMs: o.baseDelayMs ?? 1_000,
      maxDelayMs: o.maxDelayMs ?? 30_000,
      random: o.random ?? Math.random,
    };
    this.#maxTokens = o.maxTokens ?? 8_192;
  }

  /** The request body for a batch, checked for IP literals as a whole (system, tool and data). */
  buildRequest(batch: LlmBatch): { body: Anthropic.MessageCreateParamsNonStreaming; flowIds: string[] } {
    const prompt = buildClassificationPrompt(batch.flows, batch.sgtNames, {
      ...(batch.sgtClasses ? { classes: batch.sgtClasses } : {}),
      ...(batch.priors ? { priors: batch.priors } : {}),
    });
    const body: Anthropic.MessageCreateParamsNonStreaming = {
      model: this.#model,
      max_tokens: this.#maxTokens,
      // The system prompt (with the tool before it) is identical for every batch: cache it.
      system: [{ type: 'text', text: prompt.system, cache_control: { type: 'ephemeral' } }],
      tools: [RECORD_TOOL],
      tool_choice: { type: 'tool', name: TOOL_NAME, disable_parallel_tool_use: true },
      messages: [{ role: 'user', content: prompt.user }],
    };
    assertNoIpLiterals(JSON.stringify(body));
    return { body, flowIds: prompt.flowIds };
  }

  async classify(batch: LlmBatch): Promise<LlmBatchResult> {
    const { body, flowIds } = this.buildRequest(batch);
    this.usage.calls += 1;
    const message = await this.#send(body);
    const u = message.usage;
    this.usage.inputTokens += u.input_tokens ?? 0;
    this.usage.outputTokens += u.output_tokens ?? 0;
    this.usage.cacheReadTokens += u.cache_read_input_tokens ?? 0;
    this.usage.cacheWriteTokens += u.cache_creation_input_tokens ?? 0;
    const call = message.content.find((b) => b.type === 'tool_use' && b.name === TOOL_NAME);
    if (call === undefined || call.type !== 'tool_use') {
      throw new ClaudeError(
        ClaudeErrorCode.NoToolUse,
        `the model did not call ${TOOL_NAME} (stop reason ${message.stop_reason})`,
      );
    }
    return parseToolInput(call.input, new Set(flowIds), message.model || this.#model);
  }

  async #send(body: Anthropic.MessageCreateParamsNonStreaming): Promise<Anthropic.Message> {
    for (let attempt = 1; ; attempt += 1) {
      this.usage.attempts += 1;
      const controller = new AbortController();
      const timer = setTimeout(() => controller.abort(), this.#timeoutMs);
      try {
        return await this.#client.messages.create(body, { signal: controller.signal, maxRetries: 0 });
      } catch (e) {
        if (controller.signal.aborted || e instanceof APIUserAbortError) {
          // A slow model is not retried: another attempt would double the wait before the fallback.
          throw new ClaudeError(
            ClaudeErrorCode.Timeout,
            `no answer within ${this.#timeoutMs} ms`,
            undefined,
            { cause: e },
          );
        }
        const wait = this.#retryWait(e, attempt);
        await sleep(wait);
      } finally {
        clearTimeout(timer);
      }
    }
  }

  /** How long to wait before the next attempt, or throws when there is none. */
  #retryWait(e: unknown, attempt: number): number {
    const status = e instanceof APIError ? e.status : undefined;
    const connection = e instanceof APIConnectionError;
    const what = status === undefined ? `connection error: ${(e as Error).message}` : `HTTP ${status}`;
    if (!connection && (status === undefined || !isRetryableStatus(status))) {
      throw new ClaudeError(ClaudeErrorCode.Rejected, `${what}: ${(e as Error).message}`, status, {
        cause: e,
      });
    }
    if (attempt >= this.#maxAttempts) {
      throw new ClaudeError(ClaudeErrorCode.Exhausted, `${what} after ${attempt} attempts`, status, {
        cause: e,
      });
    }
    const asked = e instanceof APIError ? retryAfterMs(e.headers, Date.now()) : null;
    if (asked !== null && asked > this.#backoff.maxDelayMs) {
      throw new ClaudeError(
        ClaudeErrorCode.RetryAfterTooLong,
        `${what}; server asks to retry after ${asked} ms`,
        status,
        { cause: e },
      );
    }
    return asked ?? backoffMs(attempt, this.#backoff);
  }
}
