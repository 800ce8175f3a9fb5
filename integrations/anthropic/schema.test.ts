import { describe, expect, test } from 'bun:test';
import { parseToolInput, ToolInputError } from './schema.ts';

const asked = new Set(['4-11-tcp-any-443', '4-11-tcp-any-22']);

describe('parseToolInput', () => {
  test('accepts well-formed entries for asked flows', () => {
    const r = parseToolInput(
      {
        classifications: [
          { flow_id: '4-11-tcp-any-443', category: 'business_relevant', risk: 'low', rationale: 'web app' },
        ],
      },
      asked,
      'claude-x',
    );
    expect(r).toEqual({
      model: 'claude-x',
      verdicts: [
        { flowId: '4-11-tcp-any-443', category: 'business_relevant', risk: 'low', rationale: 'web app' },
      ],
      rejected: [],
    });
  });

  test('a wrong overall shape is an error', () => {
    for (const bad of [null, 'text', {}, { classifications: 'all fine' }, { classifications: [1, 2] }]) {
      expect(() => parseToolInput(bad, asked, 'm')).toThrow(ToolInputError);
    }
  });

  test('unknown categories and risks refuse that entry only; foreign and id-less entries are dropped', () => {
    const r = parseToolInput(
      {
        classifications: [
          { flow_id: '4-11-tcp-any-443', category: 'totally_fine', risk: 'low', rationale: 'x' },
          { flow_id: '4-11-tcp-any-22', category: 'default', risk: 'meh', rationale: 'x' },
          { flow_id: '9-9-tcp-any-1', category: 'default', risk: 'low', rationale: 'not asked' },
          { category: 'default', risk: 'low', rationale: 'no id' },
        ],
      },
      asked,
      'm',
    );
    expect(r.verdicts).toEqual([]);
    expect(r.rejected).toEqual([
      { flowId: '4-11-tcp-any-443', reason: 'unknown category (category: "totally_fine")' },
      { flowId: '4-11-tcp-any-22', reason: 'unknown risk (risk: "meh")' },
    ]);
  });
});
