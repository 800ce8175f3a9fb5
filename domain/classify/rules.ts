/**
 * The heuristic rules, in order: infrastructure first (whoever sends it),
 * then the zone rules (zones.ts), then the rules of ordinary traffic between
 * classes below, then a fallback that asks for review. Every rule is data on
 * a class pair and a service kind, with a confidence and a reason that holds
 * on any network; heuristics.ts builds the context and calibrates.
 */
import { Category, Risk } from '../types.ts';
import { isClass, isPeople, type TagProfile } from './classes.ts';
import { ServiceKind as K, type Service } from './knowledge.ts';
import { matchZone, type ZoneRule } from './zones.ts';

export interface Decision {
  category: Category;
  risk: Risk;
  rationale: string;
  /** 0–1: how sure the rule and the tag classes it rests on make this verdict. */
  confidence: number;
  /** The rule that decided (a zone rule's id, `infrastructure`, `fallback`, a prior). */
  rule: string;
  /** A zone floor: the guardrail applies it too, and no prior or model lowers it. */
  floor?: boolean;
}

/** What the rules see of a flow (a reply is already turned into its request). */
export interface Ctx {
  src: TagProfile;
  dst: TagProfile;
  service: Service | null;
  /** The infrastructure service the flow carries (knowledge.ts `infrastructureService`), whatever its tags. */
  infrastructure: Service | null;
  /** `SSH (tcp/22)` or `tcp/47000 (registered: foo)`. */
  what: string;
  srcLabel: string;
  dstLabel: string;
}

const C = Category;
const PEOPLE = ['users', 'contractors', 'guests', 'byod'];
const SERVERS = [
  'server',
  'production',
  'clinical.ehr',
  'clinical.imaging',
  'clinical.interface_engine',
  'pci',
];
const BUSINESS = [K.Web, K.File, K.Directory, K.Mail, K.Voice, K.Print];
const r = (rule: ZoneRule): ZoneRule => rule;

/** Ordinary traffic between classes, after the zone rules. */
export const TRAFFIC_RULES: readonly ZoneRule[] = [
  r({
    id: 'management-admin',
    src: { is: ['management'] },
    dst: {},
    kinds: [K.RemoteAdmin, K.Monitoring, K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'administration belongs to management/jump hosts',
  }),
  r({
    id: 'security-scanning',
    src: { is: ['security'], not: ['security.logs'] },
    dst: { outside: false },
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.85,
    why: 'vulnerability scanners probe internal systems by design',
  }),
  r({
    id: 'log-shipping',
    src: {},
    dst: { is: ['security.logs'] },
    kinds: [K.Monitoring],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'everything ships its logs to the collectors',
  }),
  r({
    id: 'people-to-jump',
    src: { is: PEOPLE },
    dst: { is: ['management'] },
    kinds: [K.RemoteAdmin],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.8,
    why: 'jump hosts are where people authenticate before administering anything',
  }),
  r({
    id: 'to-shared-services',
    src: { outside: false },
    dst: { is: ['shared'] },
    kinds: [K.Directory, K.File, K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'directory, patching and NAC services exist to serve every internal group',
  }),
  r({
    id: 'people-to-database',
    src: { is: PEOPLE },
    dst: { has: ['server.database'] },
    kinds: [K.Database],
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: "people use applications; direct database access bypasses the application's controls",
  }),
  r({
    id: 'contractors-files',
    src: { is: ['contractors'] },
    dst: { is: ['server.file'] },
    kinds: [K.File],
    verdict: C.Default,
    risk: Risk.Medium,
    confidence: 0.8,
    why: 'contractors may need project shares; keep them narrow',
  }),
  r({
    id: 'people-to-business',
    src: { is: PEOPLE },
    dst: { is: SERVERS, not: ['server.database', 'server.backup'] },
    kinds: BUSINESS,
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.85,
    why: 'people using business services',
  }),
  r({
    id: 'people-to-ot-data',
    src: { is: PEOPLE },
    dst: { is: ['ot'] },
    kinds: [K.Web],
    verdict: C.Default,
    risk: Risk.High,
    confidence: 0.7,
    why: 'read-only production dashboards from level 3; better mirrored in the DMZ',
  }),
  r({
    id: 'people-to-dev',
    src: { is: PEOPLE },
    dst: { is: ['dev'] },
    kinds: [K.RemoteAdmin, K.Web],
    verdict: C.Default,
    risk: Risk.Medium,
    confidence: 0.75,
    why: 'staff who develop reach their test systems',
  }),
  r({
    id: 'people-browsing',
    src: { is: PEOPLE },
    dst: { outside: true },
    kinds: [K.Web, K.Diagnostic],
    verdict: C.Default,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'web access to the internet',
  }),
  r({
    id: 'people-outside',
    src: { is: PEOPLE },
    dst: { outside: true },
    kinds: [K.RemoteAdmin, K.Mail, K.Voice, K.Video],
    verdict: C.Default,
    risk: Risk.Medium,
    confidence: 0.7,
    why: 'people reaching outside services on a known protocol',
  }),
  r({
    id: 'people-lateral',
    src: { is: PEOPLE },
    dst: { is: PEOPLE },
    kinds: [K.Diagnostic],
    verdict: C.Default,
    risk: Risk.Low,
    confidence: 0.85,
    why: 'ping between desktops is troubleshooting',
  }),
  r({
    id: 'people-as-servers',
    src: { is: PEOPLE },
    dst: { is: PEOPLE },
    verdict: C.BusinessIrrelevant,
    risk: Risk.Medium,
    confidence: 0.8,
    why: "people's devices do not serve each other",
  }),
  r({
    id: 'web-skips-app',
    src: { is: ['server.web'] },
    dst: { has: ['server.database'] },
    kinds: [K.Database],
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.8,
    why: 'the web tier reaches data through the application tier, never directly',
  }),
  r({
    id: 'relay-delivers',
    src: { is: ['server.mail_relay'] },
    dst: { outside: true },
    kinds: [K.Mail],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'the mail relay delivers outbound mail',
  }),
  r({
    id: 'data-to-internet',
    src: { has: ['server.database', 'server.file', 'server.backup'] },
    dst: { outside: true },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: 'data stores have no reason to reach the internet; updates come from internal patching',
  }),
  r({
    id: 'servers-outside-web',
    src: { is: ['server', 'production', 'dev'] },
    dst: { outside: true },
    kinds: [K.Web],
    verdict: C.Default,
    risk: Risk.Medium,
    confidence: 0.75,
    why: 'servers and build systems calling outside APIs and package mirrors',
  }),
  r({
    id: 'prod-to-dev',
    src: { is: ['server', 'production', 'pci'] },
    dst: { is: ['dev'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.Medium,
    confidence: 0.8,
    why: 'production must not depend on test systems',
  }),
  r({
    id: 'dev-internal',
    src: { is: ['dev'] },
    dst: { is: ['dev'] },
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.8,
    why: 'dev/test systems working with each other',
  }),
  r({
    id: 'backup',
    src: { is: ['server.backup'] },
    dst: { outside: false },
    kinds: [K.Backup, K.File, K.Database, K.RemoteAdmin],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'the backup server pulls data from what it protects',
  }),
  r({
    id: 'server-to-server',
    src: { is: [...SERVERS, 'dev'] },
    dst: { is: [...SERVERS, 'shared'] },
    kinds: [K.Web, K.Database, K.Directory, K.File, K.Mail, K.Monitoring, K.Backup],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.8,
    why: 'server-to-server application traffic',
  }),
  r({
    id: 'devices-to-shared',
    src: { outside: false },
    dst: { is: ['shared'] },
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.75,
    why: 'shared services serve every internal group',
  }),
];

/** Infrastructure first, whoever sends it: denying it breaks the network, and readiness flags the same flows. */
const NAD_ONLY = ['RADIUS', 'RADIUS CoA', 'TACACS+', 'SXP', 'ISE TrustSec REST'];

export function infrastructureRule(c: Ctx): Decision | null {
  const infra = c.infrastructure;
  if (infra === null) return null;
  const what = infra === c.service ? c.what : infra.name;
  const endpoint =
    isPeople(c.src) || isClass(c.src, 'quarantine', 'iot', 'building', 'clinical.device', 'ot.plc');
  if (endpoint && NAD_ONLY.includes(infra.name)) {
    return {
      category: C.Default,
      risk: Risk.High,
      confidence: 0.7,
      rule: 'infrastructure-out-of-place',
      rationale:
        `${what} is spoken by network devices and ISE, not usually by ${c.srcLabel}: kept permitted, ` +
        'since denying infrastructure breaks the network; check why this group sends it',
    };
  }
  return {
    category: C.BusinessRelevant,
    risk: Risk.Critical,
    confidence: 0.95,
    rule: 'infrastructure',
    rationale: `infrastructure: ${what} — ${infra.rationale}; denying it breaks the network`,
  };
}

/** How much the tag classes behind a rule can be trusted: a rule on guessed classes is only as sure as the guess. */
const classTrust = (c: Ctx): number => 0.6 + 0.4 * Math.min(c.src.confidence, c.dst.confidence);

const fromRule = (z: ZoneRule, c: Ctx): Decision => ({
  category: z.verdict,
  risk: z.risk,
  confidence: Math.round(z.confidence * classTrust(c) * 100) / 100,
  rule: z.id,
  ...(z.floor === true ? { floor: true } : {}),
  rationale: `${z.floor === true ? 'zone rule' : 'rule'} ${z.id} (${c.src.cls} → ${c.dst.cls}): ${z.why} — ${c.srcLabel} → ${c.dstLabel} on ${c.what}`,
});

/** The first zone or traffic rule for the flow, or null. */
export function classPairRule(c: Ctx): Decision | null {
  const z = matchZone(c.src, c.dst, c.service) ?? matchZone(c.src, c.dst, c.service, TRAFFIC_RULES);
  return z === null ? null : fromRule(z, c);
}

/** When no rule applies: a guess that needs a person. */
export const fallback = (c: Ctx): Decision => ({
  category: C.Default,
  risk: Risk.Medium,
  confidence: c.service === null ? 0.3 : 0.5,
  rule: 'fallback',
  rationale:
    c.service === null
      ? `${c.srcLabel} (${c.src.cls}) → ${c.dstLabel} (${c.dst.cls}): no rule covers ${c.what}`
      : `${c.srcLabel} (${c.src.cls}) → ${c.dstLabel} (${c.dst.cls}): ${c.what} — ${c.service.rationale}; no rule covers this pair`,
});
