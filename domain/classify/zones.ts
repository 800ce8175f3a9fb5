/**
 * Zone rules: what each pair of tag classes may say to each other, as data.
 * The first rule that matches a flow decides; `floor` rules are also applied
 * by the guardrail, before the cache and the model, so no answer can turn
 * them into a permit. Every rule's `why` states the reason it holds on any
 * network that has those zones and speaks those protocols — none depends on
 * how a site names its tags. Selectors name classes or whole families (`ot`
 * is every `ot.*`); `is` tests a tag's own class, `has` also the classes its
 * name suggests besides (an `ehr-db` is a database too).
 */
import { Category, Risk } from '../types.ts';
import { hasClassIn, isClassIn, isOutside, type TagProfile } from './classes.ts';
import { ServiceKind as K } from './knowledge.ts';

export interface Side {
  is?: readonly string[];
  has?: readonly string[];
  /** Excluded when the tag's own class is one of these. */
  not?: readonly string[];
  outside?: boolean;
}

export interface ZoneRule {
  id: string;
  src: Side;
  dst: Side;
  /** Service kinds the rule covers; absent: any, unknown ports included. */
  kinds?: readonly string[];
  /** Named services (knowledge.ts) the rule covers, when a kind is too broad. */
  services?: readonly string[];
  /** Only on networks that have this: `app_tier`, a tag of class server.app (three-tier applications). */
  when?: 'app_tier';
  verdict: Category;
  risk: Risk;
  confidence: number;
  floor?: boolean;
  why: string;
}

const C = Category;
const PEOPLE = ['users', 'contractors', 'guests', 'byod'];
const UNTRUSTED = ['guests', 'byod'];
/** Devices that run a process, care for a patient or serve a building: they talk to their own system. */
const DEVICES = ['ot', 'clinical.device', 'building', 'iot'];
/** Zones whose every member, server or device, stays off the internet. */
const NO_INTERNET = ['ot', 'clinical', 'building', 'iot'];
const PROD = ['server', 'server.web', 'server.app', 'server.database', 'production', 'pci', 'clinical.ehr'];
const ADMIN = [K.RemoteAdmin, K.Monitoring, K.Web, K.Insecure];

const r = (rule: ZoneRule): ZoneRule => rule;

/** Ordered: floors first, then the permits and denials of ordinary traffic. */
export const ZONE_RULES: readonly ZoneRule[] = [
  // Deny floors.
  r({
    id: 'untrusted-to-sensitive',
    src: { is: UNTRUSTED },
    dst: {
      has: ['server.database', 'server.file', 'pci', 'clinical', 'ot', 'management', 'shared.directory'],
      not: ['shared.nac', 'remediation'],
    },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.95,
    floor: true,
    why: 'guests and unmanaged devices must never reach data, regulated, clinical, OT or management zones',
  }),
  r({
    id: 'untrusted-ise',
    src: { is: UNTRUSTED },
    dst: { is: ['shared', 'network', 'remediation'] },
    services: ['ISE portals', 'ISE posture'],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.85,
    why: "guests and personal devices need ISE's guest, BYOD and posture portals to get on the network",
  }),
  r({
    id: 'untrusted-onboarding',
    src: { is: UNTRUSTED },
    dst: { is: ['shared.nac', 'remediation'] },
    kinds: [K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'guests and personal devices need the onboarding and guest portals',
  }),
  r({
    id: 'untrusted-internal',
    src: { is: UNTRUSTED },
    dst: { not: ['unknown', 'external'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'guests and personal devices reach the internet and onboarding only',
  }),
  r({
    id: 'quarantine-remediation',
    src: { is: ['quarantine'] },
    dst: { is: ['remediation', 'shared.nac', 'shared.patching'] },
    kinds: [K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'a quarantined host needs remediation, posture and patching to leave quarantine',
  }),
  r({
    id: 'quarantine-spread',
    src: { is: ['quarantine'] },
    dst: { is: [...PEOPLE, 'server.file', 'server.database'] },
    verdict: C.Harmful,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'a quarantined, possibly infected host must not reach desktops, shares or data',
  }),
  r({
    id: 'quarantine-only-remediation',
    src: { is: ['quarantine'] },
    dst: {},
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'quarantine reaches remediation, posture, patching and DNS only',
  }),
  r({
    id: 'into-quarantine',
    src: { not: ['remediation', 'shared.nac', 'management', 'security'] },
    dst: { is: ['quarantine'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    floor: true,
    why: 'nothing but remediation should reach quarantined hosts',
  }),
  r({
    id: 'dev-to-prod-data',
    src: { is: ['dev'] },
    dst: { has: ['pci', 'server.database', 'clinical.ehr'], not: ['dev'] },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.95,
    floor: true,
    why: 'dev/test/lab code with a path to production or cardholder data can corrupt or leak it',
  }),
  r({
    id: 'dev-to-prod',
    src: { is: ['dev'] },
    dst: { is: PROD },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'dev/test/lab never reaches production; releases go through the pipeline',
  }),
  r({
    id: 'device-vendor-cloud',
    src: { is: NO_INTERNET },
    dst: { is: ['external.vendor_cloud'] },
    kinds: [K.Web, K.Iot],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'an explicit vendor-cloud group names where these devices may call home',
  }),
  r({
    id: 'device-to-internet',
    src: { is: NO_INTERNET },
    dst: { outside: true, not: ['external.vendor_cloud'] },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.95,
    floor: true,
    why: 'OT, clinical, building and IoT devices never reach the internet unless a vendor-cloud group names them',
  }),
  r({
    id: 'pci-processor',
    src: { is: ['pci'] },
    dst: { is: ['external.vendor_cloud'] },
    kinds: [K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: 'the card processor or acquirer, named by an explicit external group, is where payments must go',
  }),
  r({
    id: 'pci-to-internet',
    src: { has: ['pci'], not: ['management', 'security'] },
    dst: { outside: true, not: ['external.vendor_cloud'] },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.9,
    floor: true,
    why: 'cardholder-data systems reach the outside only to a processor named by an explicit external group, never on their own',
  }),
  r({
    id: 'people-to-cde',
    src: { is: ['users', 'contractors'] },
    dst: { has: ['pci'], not: ['management'] },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.9,
    floor: true,
    why: 'the cardholder-data environment is reached by its own systems and administrators, never by general users',
  }),
  r({
    id: 'cde-to-people',
    src: { is: ['pci'] },
    dst: { is: PEOPLE },
    verdict: C.Harmful,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: "cardholder-data systems never open connections to people's devices",
  }),
  r({
    id: 'industrial-from-outside-ot',
    src: { not: ['ot'] },
    dst: { has: ['ot'] },
    kinds: [K.Industrial],
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.95,
    floor: true,
    why: "industrial protocols carry no authentication: only OT's own HMIs, engineering stations, historians and controllers may speak them",
  }),
  r({
    id: 'building-from-outside',
    src: { not: ['building'] },
    dst: { has: ['building'] },
    kinds: [K.Building],
    verdict: C.Harmful,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'building-automation protocols are unauthenticated: only the building systems themselves speak them',
  }),
  r({
    id: 'people-to-control',
    src: { is: PEOPLE },
    dst: { is: ['ot.plc', 'ot.hmi', 'ot.engineering', 'clinical.device'] },
    verdict: C.Harmful,
    risk: Risk.Critical,
    confidence: 0.9,
    floor: true,
    why: "people's devices have no path to controllers, HMIs or medical devices: that path is how a process or a patient is harmed",
  }),
  r({
    id: 'network-mgmt-only',
    src: { not: ['management', 'network', 'shared.nac', 'security'] },
    dst: { is: ['network'] },
    kinds: ADMIN,
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.9,
    floor: true,
    why: 'network devices are managed only from management/jump hosts',
  }),
  // Systems talking to their own members on their own protocols.
  r({
    id: 'voice',
    src: { is: ['iot.phone', 'users', 'server.call_control'] },
    dst: { is: ['iot.phone', 'server.call_control', 'server'] },
    kinds: [K.Voice],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'phones and softphones with call control and each other: signalling, configuration and media',
  }),
  r({
    id: 'printer-scan',
    src: { is: ['iot.printer'] },
    dst: { is: ['server.file', 'server.mail_relay'] },
    kinds: [K.File, K.Mail],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'multifunction printers scan to folders and e-mail',
  }),
  r({
    id: 'people-printing',
    src: { is: PEOPLE },
    dst: { is: ['iot.printer'] },
    kinds: [K.Print],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'people print',
  }),
  r({
    id: 'ot-system',
    src: { is: ['ot'] },
    dst: { is: ['ot'] },
    kinds: [K.Industrial],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'members of one OT system (HMI, engineering, historian, MES, controllers) on industrial protocols',
  }),
  r({
    id: 'clinical-system',
    src: { is: ['clinical'] },
    dst: { is: ['clinical'] },
    kinds: [K.Clinical],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.9,
    why: 'clinical systems exchanging HL7 and DICOM: orders, results, images',
  }),
  r({
    id: 'building-system',
    src: { is: ['building'] },
    dst: { is: ['building'] },
    kinds: [K.Building, K.Video, K.Web],
    verdict: C.BusinessRelevant,
    risk: Risk.Low,
    confidence: 0.9,
    why: 'building systems (BMS and controllers, access control and readers, cameras and recorders) on their own protocols',
  }),
  r({
    id: 'medical-device-system',
    src: { is: ['clinical.device'] },
    dst: { is: ['clinical.device'] },
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.75,
    why: 'medical devices with their own servers and central stations, often on vendor protocols',
  }),
  r({
    id: 'ot-internal',
    src: { is: ['ot'] },
    dst: { is: ['ot'] },
    kinds: [K.Database, K.Web, K.Diagnostic, K.File],
    verdict: C.BusinessRelevant,
    risk: Risk.Medium,
    confidence: 0.8,
    why: 'OT servers (MES, historian) and stations within the OT zone',
  }),
  r({
    id: 'ot-to-it',
    src: { is: ['ot'] },
    dst: { is: ['server', 'production', 'pci'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: 'OT systems do not reach business systems across the IT/OT boundary',
  }),
  r({
    id: 'device-out-of-system',
    src: { is: DEVICES },
    dst: { not: ['shared', 'security.logs', 'server.mail_relay', 'server.call_control', 'management'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: 'devices talk to their own system, shared services and log collectors, nothing else',
  }),
  r({
    id: 'people-to-devices',
    src: { is: PEOPLE },
    dst: { is: DEVICES, not: ['ot'] },
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.85,
    why: "devices are reached by their own system and its administrators, not by people's desktops",
  }),
  r({
    id: 'it-to-ot',
    src: { is: ['server', 'production', 'dev', 'users', 'contractors'] },
    dst: { has: ['ot'], not: ['shared.patching', 'security.logs'] },
    kinds: [K.Directory, K.Database, K.File, K.RemoteAdmin, K.Diagnostic],
    verdict: C.BusinessIrrelevant,
    risk: Risk.High,
    confidence: 0.8,
    why: 'IT systems do not reach into the OT zone; data crosses through the DMZ',
  }),
];

const side = (s: Side, p: TagProfile): boolean =>
  (s.is === undefined || isClassIn(p, s.is)) &&
  (s.has === undefined || hasClassIn(p, s.has)) &&
  (s.not === undefined || !isClassIn(p, s.not)) &&
  (s.outside === undefined || isOutside(p) === s.outside);

/** Whether a zone rule applies to a flow between these profiles carrying a service of `kind` (null: unknown port). */
/** What a rule may need to know about the network as a whole. */
export interface NetworkShape {
  /** Some tag is an application tier (server.app). */
  appTier?: boolean;
}

export function zoneApplies(
  z: ZoneRule,
  src: TagProfile,
  dst: TagProfile,
  kind: string | null,
  service: string | null = null,
  network: NetworkShape = {},
): boolean {
  if (z.when === 'app_tier' && network.appTier !== true) return false;
  if (z.kinds !== undefined && (kind === null || !z.kinds.includes(kind))) return false;
  if (z.services !== undefined && (service === null || !z.services.includes(service))) return false;
  return side(z.src, src) && side(z.dst, dst);
}

/**
 * The first rule of `rules` for the flow, or null. The guardrail applies the
 * answer only when it is a floor: an earlier permit (onboarding, a vendor
 * cloud) is the exception its floor was written around.
 */
export function matchZone(
  src: TagProfile,
  dst: TagProfile,
  service: { kind: string; name: string } | null,
  rules: readonly ZoneRule[] = ZONE_RULES,
  network: NetworkShape = {},
): ZoneRule | null {
  return (
    rules.find((z) => zoneApplies(z, src, dst, service?.kind ?? null, service?.name ?? null, network)) ?? null
  );
}
