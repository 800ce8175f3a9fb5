/**
 * The approval card of a proposal (Adaptive Card 1.3, as WebEx renders it)
 * and its Markdown fallback: the pair, the ACEs with category and risk, why,
 * the evidence, the threat trail of an urgent proposal, a reason box and
 * Approve / Reject buttons. Pure: the same proposal always gives the same card.
 *
 * A card carries a fingerprint of the ACEs it shows. A proposal can grow
 * after its card was posted (storm collapse); a click on an older card must
 * not approve ACEs its reader never saw, so the webhook compares fingerprints.
 */
import * as v from 'valibot';
import type { Ace } from '../../domain/ace.ts';
import { aceText } from '../../domain/ace.ts';
import { aceFingerprint } from '../../domain/proposal.ts';
import { outcomeOf, type SgtDictionary } from '../../domain/types.ts';
import type { ProposalRecord } from '../../kv-schema/records.ts';
import type { CardAttachment } from './schemas.ts';
import { fitLines, idCode, mdText, pairLabel, plural, safeId, when } from './text.ts';

export const CARD_CONTENT_TYPE = 'application/vnd.microsoft.card.adaptive';
const MAX_ACES = 20;
const MAX_EVIDENCE = 5;
const MAX_TRAIL = 10;
const MAX_RATIONALES = 3;

/** What a button sends back (its data merged with the reason box). */
export const CardInputs = v.object({
  action: v.picklist(['approve', 'reject']),
  proposalId: v.pipe(v.string(), v.regex(/^[-_a-zA-Z0-9]{1,64}$/)),
  tenant: v.optional(v.pipe(v.string(), v.maxLength(63))),
  fingerprint: v.pipe(v.string(), v.maxLength(64)),
  reason: v.optional(v.pipe(v.string(), v.maxLength(2000))),
});
export type CardInputs = v.InferOutput<typeof CardInputs>;

/** Short hash of the ACE set (actions and matches, order-free). */
export function cardFingerprint(p: Pick<ProposalRecord, 'aces'>): string {
  return aceFingerprint(p.aces as Ace[]);
}

export const isUrgent = (p: ProposalRecord): boolean =>
  p.urgent === true || p.triggers.some((t) => t.trigger === 'threat');

const RISK_ORDER = ['low', 'medium', 'high', 'critical'];
const highestRisk = (p: ProposalRecord): string =>
  p.aces.reduce(
    (top, a) => (RISK_ORDER.indexOf(a.decision.risk) > RISK_ORDER.indexOf(top) ? a.decision.risk : top),
    'low',
  );

const unique = <T>(xs: readonly T[]): T[] => [...new Set(xs)];

/** Totals over the evidence; a manual proposal may have none, then its creation stands in. */
function traffic(p: ProposalRecord) {
  if (p.evidence.length === 0) {
    const hits = p.aces.reduce((n, a) => n + a.hits, 0);
    return { hits, first: p.createdAtMs, last: p.createdAtMs, days: 0 };
  }
  const hits = p.evidence.reduce((n, e) => n + e.hits, 0);
  const first = Math.min(...p.evidence.map((e) => e.firstSeenMs));
  const last = Math.max(...p.evidence.map((e) => e.lastSeenMs));
  const days = Math.max(...p.evidence.map((e) => e.daysSeen));
  return { hits, first, last, days };
}

const samples = (xs: readonly string[]): string =>
  xs
    .slice(0, 5)
    .map((x) => mdText(x, 64))
    .join(', ');

const evidenceLine = (e: ProposalRecord['evidence'][number]): string =>
  `${mdText(e.flowId, 64)}: ${plural(e.hits, 'hit')}, ${plural(e.daysSeen, 'day')}, ` +
  `${when(e.firstSeenMs)} → ${when(e.lastSeenMs)}` +
  (e.srcSamples.length + e.dstSamples.length > 0
    ? `; from ${samples(e.srcSamples) || '?'} to ${samples(e.dstSamples) || '?'}`
    : '');

function trailLines(p: ProposalRecord): string[] {
  const trail = (p.threat ?? []).slice(-MAX_TRAIL).map((t) => {
    const score = t.score === undefined ? '' : ` (score ${Math.round(t.score)})`;
    const cats = t.categories?.length
      ? `; ${t.categories
          .slice(0, 5)
          .map((c) => mdText(c, 48))
          .join(', ')}`
      : '';
    const reason = t.reason ? ` — ${mdText(t.reason, 200)}` : '';
    const verdict = t.malicious ? 'malicious' : 'not flagged';
    return `${mdText(t.ip, 64)}: ${mdText(t.provider, 32)} says ${verdict}${score}${cats}${reason}`;
  });
  if (trail.length > 0) return trail;
  return p.triggers.filter((t) => t.trigger === 'threat').map((t) => `threat trigger ${mdText(t.ref, 120)}`);
}

function aceLines(p: ProposalRecord): { ace: string; detail: string }[] {
  return p.aces.slice(0, MAX_ACES).map((a) => ({
    ace: aceText(a as Ace),
    detail:
      `${outcomeOf(a.decision)}, ${a.decision.risk} risk, ${plural(a.hits, 'hit')}, by ${a.decision.source}` +
      (a.conflict ? '; permit and deny were both asked: deny wins' : ''),
  }));
}

const block = (text: string, extra: Record<string, unknown> = {}) => ({
  type: 'TextBlock',
  text,
  wrap: true,
  ...extra,
});
const heading = (text: string) => block(text, { weight: 'Bolder', spacing: 'Medium' });

export interface CardOptions {
  /** A later card for a proposal that grew (storm collapse). */
  updated?: boolean;
}

/** The adaptive card of a proposal, with its fingerprint in the buttons' data. */
export function proposalCardContent(
  p: ProposalRecord,
  names: SgtDictionary,
  o: CardOptions = {},
): Record<string, unknown> {
  const t = traffic(p);
  const urgent = isUrgent(p);
  const data = { proposalId: p.id, tenant: p.tenant, fingerprint: cardFingerprint(p) };
  const rationales = unique(p.aces.map((a) => a.decision.rationale).filter((r) => r.trim() !== ''));
  const trail = urgent ? trailLines(p) : [];
  const body: Record<string, unknown>[] = [];
  if (urgent) {
    body.push({
      type: 'Container',
      style: 'attention',
      items: [block('⚠️ URGENT: threat intelligence flagged this traffic', { weight: 'Bolder' })],
    });
  }
  body.push(
    block(`${o.updated ? 'Updated proposal' : 'New proposal'}: ${pairLabel(p.sgt, p.dgt, names)}`, {
      size: 'Medium',
      weight: 'Bolder',
    }),
    {
      type: 'FactSet',
      facts: [
        { title: 'Proposal', value: safeId(p.id) },
        { title: 'Category', value: unique(p.aces.map((a) => outcomeOf(a.decision))).join(', ') },
        { title: 'Risk', value: highestRisk(p) },
        { title: 'Traffic', value: `${plural(t.hits, 'hit')} on ${plural(t.days, 'day')}` },
        { title: 'Seen', value: `${when(t.first)} → ${when(t.last)}` },
        ...(p.rare ? [{ title: 'Rare', value: 'yes: seen on few days, approve with care' }] : []),
        { title: 'Expires', value: when(p.expiresAtMs) },
      ],
    },
    heading(`Proposed SGACL (${plural(p.aces.length, 'ACE')})`),
  );
  for (const line of aceLines(p)) {
    body.push(block(line.ace, { fontType: 'Monospace', spacing: 'Small' }));
    body.push(block(line.detail, { isSubtle: true, size: 'Small', spacing: 'None' }));
  }
  if (p.aces.length > MAX_ACES)
    body.push(block(`… and ${p.aces.length - MAX_ACES} more`, { isSubtle: true }));
  if (rationales.length > 0) {
    body.push(heading('Why'));
    for (const r of rationales.slice(0, MAX_RATIONALES)) body.push(block(mdText(r, 300)));
  }
  body.push(heading(`Evidence (${plural(p.evidence.length, 'flow')})`));
  for (const e of p.evidence.slice(0, MAX_EVIDENCE)) body.push(block(evidenceLine(e), { size: 'Small' }));
  if (trail.length > 0) {
    body.push(heading('Threat trail'));
    for (const line of trail) body.push(block(line, { size: 'Small', color: 'Attention' }));
  }
  body.push({
    type: 'Input.Text',
    id: 'reason',
    label: 'Reason (recorded with your decision)',
    placeholder: 'Why approve or reject',
    isMultiline: true,
    maxLength: 500,
  });
  return {
    type: 'AdaptiveCard',
    $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
    version: '1.3',
    body,
    actions: [
      { type: 'Action.Submit', title: 'Approve', style: 'positive', data: { action: 'approve', ...data } },
      { type: 'Action.Submit', title: 'Reject', style: 'destructive', data: { action: 'reject', ...data } },
    ],
  };
}

/** The Markdown a client without cards shows instead (and what chat `show` answers with). */
export function proposalMarkdown(p: ProposalRecord, names: SgtDictionary, o: CardOptions = {}): string {
  const t = traffic(p);
  const urgent = isUrgent(p);
  const lines = [
    `${urgent ? '⚠️ **URGENT** (threat intel) ' : ''}**${o.updated ? 'Updated proposal' : 'New proposal'}** ` +
      `${idCode(p.id)}: ${pairLabel(p.sgt, p.dgt, names)}`,
    `${plural(t.hits, 'hit')} on ${plural(t.days, 'day')}, ${when(t.first)} → ${when(t.last)}; ` +
      `risk ${highestRisk(p)}${p.rare ? '; rare' : ''}; expires ${when(p.expiresAtMs)}`,
    ...aceLines(p).map((l) => `- \`${l.ace}\` (${l.detail})`),
    ...(urgent ? trailLines(p).map((l) => `- threat: ${l}`) : []),
    `Reply \`approve ${safeId(p.id)}\` or \`reject ${safeId(p.id)} [reason]\`.`,
  ];
  return fitLines(lines);
}

/** Card plus fallback, ready for `postMessage`. */
export function proposalCard(
  p: ProposalRecord,
  names: SgtDictionary,
  o: CardOptions = {},
): { markdown: string; attachments: CardAttachment[] } {
  return {
    markdown: proposalMarkdown(p, names, o),
    attachments: [{ contentType: CARD_CONTENT_TYPE, content: proposalCardContent(p, names, o) }],
  };
}
