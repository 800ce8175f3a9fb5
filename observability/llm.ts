/**
 * Failed Claude calls by error code, counted on the way through: the
 * classifier falls back to heuristics on any failure (and says so in each
 * rationale), so without this count a broken key or an overloaded API would
 * only show as a drift in classification sources.
 */
import { Counter, type Registry } from 'prom-client';
import type { LlmBatch, LlmBatchResult, LlmClassifier } from '../domain/classify/types.ts';

export function registerLlmFailures(registry: Registry): Counter<'code'> {
  return new Counter({
    name: 'scopilot_claude_failures_total',
    help: 'Claude classification calls that failed (the batch fell back to heuristics), by error code.',
    labelNames: ['code'],
    registers: [registry],
  });
}

/** The same classifier, counting each call that throws under its error code. */
export function countingLlm(inner: LlmClassifier, failures: Counter<'code'>): LlmClassifier {
  return {
    async classify(batch: LlmBatch): Promise<LlmBatchResult> {
      try {
        return await inner.classify(batch);
      } catch (error) {
        const code = (error as { code?: unknown }).code;
        failures.inc({ code: typeof code === 'string' ? code : 'UNKNOWN' });
        throw error;
      }
    },
  };
}
