/** The approval card: content, escaping of untrusted text, the urgent trail, fingerprints, size caps. */
import { describe, expect, test } from 'bun:test';
import * as v from 'valibot';
import {
  CARD_CONTENT_TYPE,
  CardInputs,
  cardFingerprint,
  proposalCard,
  proposalCardContent,
} from './cards.ts';
import { SAMPLE_NAMES, sampleProposal } from './testing.ts';

type Node = Record<string, unknown>;
const texts = (card: Node): string[] => {
  const out: string[] = [];
  const walk = (n: unknown) => {
    if (Array.isArray(n)) n.forEach(walk);
    else if (n !== null && typeof n === 'object') {
      const o = n as Node;
      if (typeof o.text === 'string') out.push(o.text);
      if (typeof o.value === 'string') out.push(o.value);
      Object.values(o).forEach(walk);
    }
  };
  walk(card.body);
  return out;
};

describe('proposal card', () => {
  const p = sampleProposal();

  test('version 1.3 with the pair, ACEs, category, evidence, a reason box and two submit actions', () => {
    const { attachments, markdown } = proposalCard(p, SAMPLE_NAMES);
    expect(attachments).toHaveLength(1);
    expect(attachments[0]?.contentType).toBe(CARD_CONTENT_TYPE);
    const card = attachments[0]?.content as Node;
    expect(card).toMatchObject({ type: 'AdaptiveCard', version: '1.3' });
    const all = texts(card).join('\n');
    expect(all).toContain('New proposal: Employees (10) → Web Servers (20)');
    expect(all).toContain('permit tcp dst eq 443');
    expect(all).toContain('business_relevant');
    expect(all).toContain('HTTPS to the intranet servers');
    expect(all).toContain('10-20-tcp-any-443: 300 hits, 4 days, 2026-06-18 10:00 UTC → 2026-06-18 11:00 UTC');
    expect(all).toContain('from 10.0.0.1 to 10.0.1.1');
    expect(all).not.toContain('URGENT');
    expect((card.body as Node[]).find((b) => b.type === 'Input.Text')).toMatchObject({ id: 'reason' });
    const actions = card.actions as { type: string; data: unknown }[];
    expect(actions.map((a) => a.type)).toEqual(['Action.Submit', 'Action.Submit']);
    const fingerprint = cardFingerprint(p);
    expect(actions.map((a) => a.data)).toEqual([
      { action: 'approve', proposalId: p.id, tenant: 'acme', fingerprint },
      { action: 'reject', proposalId: p.id, tenant: 'acme', fingerprint },
    ]);
    // What a button sends back (data plus the reason box) is what the webhook accepts.
    expect(v.safeParse(CardInputs, { ...(actions[0]?.data as object), reason: 'ok' }).success).toBe(true);
    expect(markdown).toContain(`Reply \`approve ${p.id}\``);
    expect(markdown).toContain('- `permit tcp dst eq 443`');
  });

  test('untrusted names and rationales are escaped and capped', () => {
    const hostile = sampleProposal({
      aces: p.aces.map((a) => ({
        ...a,
        decision: { ...a.decision, rationale: `[click](https://evil) <@all> ${'x'.repeat(500)}` },
      })),
    });
    const names = new Map([
      [10, '<@all> **Boss**'],
      [20, 'a\nb'],
    ]);
    const { attachments, markdown } = proposalCard(hostile, names);
    const all = texts(attachments[0]?.content as Node).join('\n');
    for (const text of [all, markdown]) {
      expect(text).toContain('\\<@all\\> \\*\\*Boss\\*\\* (10)');
      expect(text).not.toContain('<@all>');
      expect(text).toContain('a b (20)');
    }
    expect(all).toContain('\\[click\\](https://evil)');
    const why = all.split('\n').find((l) => l.includes('click')) ?? '';
    expect(why.length).toBeLessThanOrEqual(320);
  });

  test('a threat-triggered proposal is marked urgent and shows the trail', () => {
    const urgent = sampleProposal({
      urgent: true,
      triggers: [{ trigger: 'threat', ref: 'verdict-1' }],
      threat: [
        {
          ip: '203.0.113.9',
          provider: 'abuseipdb',
          malicious: true,
          score: 97,
          categories: ['c2'],
          reason: 'botnet <b>',
        },
      ],
    });
    const { attachments, markdown } = proposalCard(urgent, SAMPLE_NAMES);
    const card = attachments[0]?.content as Node;
    expect((card.body as Node[])[0]).toMatchObject({ type: 'Container', style: 'attention' });
    const all = texts(card).join('\n');
    expect(all).toContain('URGENT');
    expect(all).toContain('203.0.113.9: abuseipdb says malicious (score 97); c2 — botnet \\<b\\>');
    expect(markdown).toStartWith('⚠️ **URGENT**');
  });

  test('a threat trigger without a trail still shows where it came from', () => {
    const urgent = sampleProposal({ triggers: [{ trigger: 'threat', ref: 'verdict-9' }] });
    expect(texts(proposalCardContent(urgent, SAMPLE_NAMES)).join('\n')).toContain('threat trigger verdict-9');
  });

  test('the fingerprint follows the ACE set, not its order or evidence', () => {
    const [ace] = p.aces;
    const ssh = { ...ace!, dstPort: 22 };
    expect(cardFingerprint({ aces: [ace!, ssh] })).toBe(cardFingerprint({ aces: [ssh, ace!] }));
    expect(cardFingerprint({ aces: [ace!, ssh] })).not.toBe(cardFingerprint({ aces: [ace!] }));
    expect(cardFingerprint({ aces: [{ ...ace!, hits: 1 }] })).toBe(cardFingerprint({ aces: [ace!] }));
    expect(cardFingerprint({ aces: [{ ...ace!, action: 'deny' }] })).not.toBe(
      cardFingerprint({ aces: [ace!] }),
    );
  });

  test('a huge proposal stays within WebEx message limits', () => {
    const [ace] = p.aces;
    const [ev] = p.evidence;
    const big = sampleProposal({
      aces: Array.from({ length: 300 }, (_, i) => ({
        ...ace!,
        dstPort: i + 1,
        decision: { ...ace!.decision, rationale: `r${i} ${'y'.repeat(1500)}` },
      })),
      evidence: Array.from({ length: 300 }, (_, i) => ({ ...ev!, flowId: `10-20-tcp-any-${i + 1}` })),
    });
    const { attachments, markdown } = proposalCard(big, SAMPLE_NAMES);
    expect(new TextEncoder().encode(markdown).length).toBeLessThan(7439);
    expect(JSON.stringify(attachments).length).toBeLessThan(28_000);
    expect(texts(attachments[0]?.content as Node).join('\n')).toContain('… and 280 more');
  });

  test('a manual proposal without evidence still renders', () => {
    const manual = sampleProposal({ evidence: [], triggers: [{ trigger: 'manual', ref: 'req-1' }] });
    expect(texts(proposalCardContent(manual, SAMPLE_NAMES)).join('\n')).toContain('300 hits on 0 days');
  });
});
