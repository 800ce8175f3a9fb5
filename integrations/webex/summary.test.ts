/** Lifecycle lines, the "already decided" answer and the pending list. */
import { describe, expect, test } from 'bun:test';
import { alreadyDecided, decisionSummary, pendingList } from './summary.ts';
import { SAMPLE_NAMES, sampleProposal } from './testing.ts';

const AT = Date.parse('2026-06-18T12:30:00.000Z');
const approved = sampleProposal({
  status: 'applied',
  appliedVersion: 4,
  decision: { by: 'ann@example.com', channel: 'webex', atMs: AT, reason: 'needed *now*' },
});

describe('decisionSummary', () => {
  test('who, when and through which channel', () => {
    expect(decisionSummary(approved, SAMPLE_NAMES, 'decided', 'approved')).toBe(
      '✅ **Approved** `p-0123456789abcdef0123`: Employees (10) → Web Servers (20), by ann@example.com via WebEx ' +
        'at 2026-06-18 12:30 UTC; writing the new matrix version\nReason: needed \\*now\\*',
    );
    expect(decisionSummary(approved, SAMPLE_NAMES, 'applied')).toContain(
      'matrix version 4 is live (approved by ann@example.com via WebEx',
    );
    const rejected = sampleProposal({
      status: 'rejected',
      decision: { by: 'key:abcd1234', channel: 'api', atMs: AT },
    });
    expect(decisionSummary(rejected, SAMPLE_NAMES, 'decided', 'rejected')).toStartWith('🚫 **Rejected**');
    expect(decisionSummary(rejected, SAMPLE_NAMES, 'decided', 'rejected')).toContain(
      'by key:abcd1234 via the REST API',
    );
  });

  test('failed and expired', () => {
    const failed = sampleProposal({
      status: 'failed',
      failure: 'pointer <moved>',
      decision: approved.decision,
    });
    expect(decisionSummary(failed, SAMPLE_NAMES, 'failed')).toContain(
      'could not be written: pointer \\<moved\\>',
    );
    expect(decisionSummary(sampleProposal({ status: 'expired' }), SAMPLE_NAMES, 'expired')).toBe(
      '⌛ **Expired** `p-0123456789abcdef0123`: Employees (10) → Web Servers (20): nobody decided by 2026-06-21 10:00 UTC',
    );
  });
});

describe('alreadyDecided', () => {
  test('already approved by X at T', () => {
    expect(alreadyDecided(approved)).toBe(
      '`p-0123456789abcdef0123` is already approved by ann@example.com via WebEx at 2026-06-18 12:30 UTC (now applied).',
    );
    expect(alreadyDecided({ ...approved, status: 'approved' })).not.toContain('now');
    const rejected = sampleProposal({ status: 'rejected', decision: { by: 'bob', channel: 'ui', atMs: AT } });
    expect(alreadyDecided(rejected)).toContain('is already rejected by bob via the dashboard');
    expect(alreadyDecided(sampleProposal({ status: 'expired', updatedAtMs: AT }))).toContain(
      'already expired at 2026-06-18 12:30 UTC',
    );
  });
});

describe('pendingList', () => {
  test('one line per open proposal, urgent ones marked', () => {
    const text = pendingList(
      [sampleProposal(), sampleProposal({ id: 'p-2', urgent: true, sgt: 30 })],
      SAMPLE_NAMES,
    );
    expect(text.split('\n')).toEqual([
      '**2 open proposals**',
      '- `p-0123456789abcdef0123` Employees (10) → Web Servers (20): 1 ACE, 300 hits',
      '- `p-2` SGT30 (30) → Web Servers (20): 1 ACE, 300 hits ⚠️ **urgent**',
      'Say `show <id>` for a proposal’s card.',
    ]);
    expect(pendingList([], SAMPLE_NAMES)).toBe('No open proposals.');
  });
});
