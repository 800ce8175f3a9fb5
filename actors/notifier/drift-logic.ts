/**
 * The ISE drift notice's pure part: which `ise.drift` report posts what in
 * the tenant's WebEx room. The scheduler compares ISE with the approved
 * matrix every few minutes and a report is published after every check, so
 * posting each would flood the room; the state remembers what the room was
 * last told (a fingerprint of the differences), and only a change is posted:
 *
 *   drift appears, or becomes different  → the notice, up to 10 differences
 *   drift gone (0 after some)             → one line saying ISE matches again
 *   the same drift again, or none again   → nothing
 *
 * Reports older than SUMMARY_MAX_AGE_MS (the EVENTS history read when the
 * notifier is first switched on) update the state without posting.
 */
import * as v from 'valibot';
import { sgtDisplayName } from '../../domain/contract-names.ts';
import { mdText } from '../../domain/render/mod.ts';
import type { SgtDictionary } from '../../domain/types.ts';
import type { IseDriftReport } from '../../streams/mod.ts';
import { SUMMARY_MAX_AGE_MS } from './logic.ts';

export const DriftNoticeState = v.object({
  /** Of the differences the room was last told about; empty when it was told ISE matches. */
  fingerprint: v.pipe(v.string(), v.maxLength(64)),
  count: v.pipe(v.number(), v.integer(), v.minValue(0)),
});
export type DriftNoticeState = v.InferOutput<typeof DriftNoticeState>;

export const INITIAL_DRIFT_NOTICE: DriftNoticeState = { fingerprint: '', count: 0 };

/** Differences listed in one notice; the rest are counted. */
export const MAX_LISTED = 10;

export interface DriftNoticeInput {
  tenant: string;
  report: IseDriftReport;
  names: SgtDictionary;
  roomId: string | null;
  /** How long ago the report was published. */
  ageMs: number;
}

export interface DriftNoticePlan {
  state: DriftNoticeState;
  /** Markdown to post in the tenant's room, or null. */
  post: { roomId: string; markdown: string } | null;
}

/** FNV-1a over the differences, order-independent: the same drift read twice is the same fingerprint. */
export function driftFingerprint(report: IseDriftReport): string {
  if (report.count === 0) return '';
  const lines = report.drifts
    .map((d) => [d.kind, d.sgt ?? '', d.dgt ?? '', d.expected ?? '', d.actual ?? ''].join('|'))
    .sort();
  let hash = 0x811c9dc5;
  for (const ch of `${report.count}\n${lines.join('\n')}`) {
    hash ^= ch.codePointAt(0) ?? 0;
    hash = Math.imul(hash, 0x01000193) >>> 0;
  }
  return hash.toString(16).padStart(8, '0');
}

const tag = (t: number | undefined, fallback: string | undefined, names: SgtDictionary): string =>
  t === undefined
    ? 'ANY'
    : `${mdText(names.has(t) ? sgtDisplayName(t, names) : (fallback ?? sgtDisplayName(t, names)), 64)} (${t})`;

/** The notice text: what differs, tags by name, everything from ISE escaped. */
export function driftNotice(tenant: string, report: IseDriftReport, names: SgtDictionary): string {
  const n = report.count;
  const lines = [
    `⚠️ **ISE drift** for tenant ${mdText(tenant, 63)}: ${n.toLocaleString('en-US')} ` +
      `${n === 1 ? 'difference' : 'differences'} between Cisco ISE and approved matrix version ${report.version}. ` +
      'Nothing is overwritten: check with `scopilot ise drift`, then re-approve or push again.',
  ];
  for (const d of report.drifts.slice(0, MAX_LISTED)) {
    const cell =
      d.kind === 'default'
        ? 'the ANY-ANY default'
        : `${tag(d.sgt, d.srcName, names)} → ${tag(d.dgt, d.dstName, names)}`;
    lines.push(`- ${d.kind}: ${cell}: ${mdText(d.detail, 200)}`);
  }
  const more = n - Math.min(n, MAX_LISTED, report.drifts.length);
  if (more > 0) lines.push(`- … and ${more.toLocaleString('en-US')} more`);
  return lines.join('\n');
}

export function planDriftNotice(state: DriftNoticeState, i: DriftNoticeInput): DriftNoticePlan {
  const fingerprint = driftFingerprint(i.report);
  const next: DriftNoticeState = { fingerprint, count: i.report.count };
  if (fingerprint === state.fingerprint) return { state: next, post: null };
  if (i.roomId === null || i.ageMs > SUMMARY_MAX_AGE_MS) return { state: next, post: null };
  if (i.report.count === 0) {
    return {
      state: next,
      post: {
        roomId: i.roomId,
        markdown: `✅ **ISE matches** approved matrix version ${i.report.version} again for tenant ${mdText(i.tenant, 63)}.`,
      },
    };
  }
  return { state: next, post: { roomId: i.roomId, markdown: driftNotice(i.tenant, i.report, i.names) } };
}
