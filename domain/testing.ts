/**
 * Builders of flows and classifications for domain tests: a flow from its id
 * and volumes, a classification from a category. Pure data, no test runner.
 */
import { parseFlowId } from './flow.ts';
import type { Category, Classification, Flow } from './types.ts';

export function testFlow(id: string, hits = 1, events = 1): Flow {
  const key = parseFlowId(id);
  if (key === null) throw new Error(`not a flow id: ${id}`);
  return {
    ...key,
    id,
    hits,
    events,
    firstSeenMs: 0,
    lastSeenMs: 0,
    daysSeen: 1,
    srcSamples: [],
    dstSamples: [],
    permitHits: hits,
    denyHits: 0,
    switches: [],
    interfaces: [],
    sgaclNames: [],
  };
}

export const testClassification = (
  flowId: string,
  category: Category,
  rationale: string = category,
): Classification => ({
  flowId,
  category,
  rationale,
  source: 'heuristic',
  risk: 'low',
  atMs: 0,
});
