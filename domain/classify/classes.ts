/**
 * Tag classes: the fixed vocabulary every SGT is judged by, whatever a site
 * calls it. A class comes from an explicit setting first (the dictionary's
 * class column, REST/CLI/UI, or `class=<id>` in an ISE SGT description);
 * otherwise it is inferred from the name (class-words.ts) with a confidence
 * the approver sees and can correct. Rules (zones.ts, rules.ts, guardrails.ts)
 * speak only of classes, never of names.
 */
import { inferScores } from './class-words.ts';

export const TagClass = {
  Unknown: 'unknown',
  External: 'external',
  VendorCloud: 'external.vendor_cloud',
  Users: 'users',
  Contractors: 'contractors',
  Guests: 'guests',
  Byod: 'byod',
  Quarantine: 'quarantine',
  Remediation: 'remediation',
  Server: 'server',
  WebServer: 'server.web',
  AppServer: 'server.app',
  Database: 'server.database',
  FileServer: 'server.file',
  MailRelay: 'server.mail_relay',
  Backup: 'server.backup',
  CallControl: 'server.call_control',
  Dev: 'dev',
  Production: 'production',
  Pci: 'pci',
  Ot: 'ot',
  Plc: 'ot.plc',
  Hmi: 'ot.hmi',
  Historian: 'ot.historian',
  Engineering: 'ot.engineering',
  Clinical: 'clinical',
  MedicalDevice: 'clinical.device',
  InterfaceEngine: 'clinical.interface_engine',
  Ehr: 'clinical.ehr',
  Imaging: 'clinical.imaging',
  Building: 'building',
  Bms: 'building.bms',
  AccessControl: 'building.access_control',
  PhysicalSecurity: 'building.security',
  Camera: 'building.camera',
  Nvr: 'building.nvr',
  Elevator: 'building.elevator',
  Iot: 'iot',
  Printer: 'iot.printer',
  Phone: 'iot.phone',
  Display: 'iot.display',
  Network: 'network',
  Security: 'security',
  LogCollector: 'security.logs',
  Management: 'management',
  Shared: 'shared',
  Directory: 'shared.directory',
  Patching: 'shared.patching',
  Nac: 'shared.nac',
} as const;
export type TagClass = (typeof TagClass)[keyof typeof TagClass];

export const TAG_CLASSES: readonly TagClass[] = Object.values(TagClass);
const KNOWN = new Set<string>(TAG_CLASSES);
export const isTagClass = (s: string): s is TagClass => KNOWN.has(s);

/** Where a tag's class came from. */
export const ClassSource = { Explicit: 'explicit', Inferred: 'inferred', None: 'none' } as const;
export type ClassSource = (typeof ClassSource)[keyof typeof ClassSource];

export interface TagProfile {
  tag: number;
  /** The class the rules judge by. */
  cls: TagClass;
  /** Other classes the name also suggests (e.g. `ehr-db`: a database that is also clinical). */
  also: ReadonlySet<TagClass>;
  /** 1 for an explicit class; 0–0.95 for an inferred one; 0 when nothing is known. */
  confidence: number;
  source: ClassSource;
}

/** `ot.plc` → `ot`: the family a zone rule can name as a whole. */
export const familyOf = (c: TagClass): string => c.split('.')[0] as string;

/** `cls` is `x` or a class of the family `x` (`ot.plc` is under `ot`), without building `${x}.`. */
const under = (cls: string, x: string): boolean =>
  cls === x || (cls.length > x.length && cls.charCodeAt(x.length) === 46 && cls.startsWith(x));

const anyUnder = (cls: string, classes: readonly string[]): boolean => {
  for (const x of classes) if (under(cls, x)) return true;
  return false;
};

/** hasClass on a list (the zone rules' selectors), so a hot caller does not spread it. */
export function hasClassIn(p: TagProfile, classes: readonly string[]): boolean {
  if (anyUnder(p.cls, classes)) return true;
  for (const c of p.also) if (anyUnder(c, classes)) return true;
  return false;
}

/** True when the profile's class, or a class its name also suggests, is one of `classes` (`ot` matches `ot.*`). */
export const hasClass = (p: TagProfile, ...classes: readonly string[]): boolean => hasClassIn(p, classes);

/** isClass on a list (the zone rules' selectors), so a hot caller does not spread it. */
export const isClassIn = (p: TagProfile, classes: readonly string[]): boolean => anyUnder(p.cls, classes);

/** True when the profile's own class is one of `classes` (`ot` matches `ot.*`). */
export const isClass = (p: TagProfile, ...classes: readonly string[]): boolean => anyUnder(p.cls, classes);

/** Explicit classes by tag, as set in the dictionary, over the API or in ISE. */
export type SgtClasses = ReadonlyMap<number, TagClass>;

const PRIORITY: readonly TagClass[] = TAG_CLASSES;

interface Inferred {
  cls: TagClass;
  also: Set<TagClass>;
  confidence: number;
}

/**
 * Names already inferred. Every flow asks for both of its tags' profiles, a
 * few times over (guardrail, rules, prompt), and a dictionary has few names:
 * each is read once. Bounded, for a process that meets many dictionaries.
 */
const inferred = new Map<string, Readonly<Inferred>>();
const INFERRED_MAX = 4096;

/** The class the name suggests, with a confidence from how strong and how unambiguous the evidence is. */
export function inferClass(name: string): Inferred {
  let known = inferred.get(name);
  if (known === undefined) {
    if (inferred.size >= INFERRED_MAX) inferred.clear();
    known = inferFresh(name);
    inferred.set(name, known);
  }
  // A set of its own: callers may change it (profileOf takes the explicit class out).
  return { cls: known.cls, also: new Set(known.also), confidence: known.confidence };
}

function inferFresh(name: string): Inferred {
  const scores = inferScores(name);
  const ranked = [...scores.entries()]
    .filter(([c]) => isTagClass(c))
    .sort((a, b) => b[1] - a[1] || PRIORITY.indexOf(a[0] as TagClass) - PRIORITY.indexOf(b[0] as TagClass));
  const best = ranked[0];
  if (best === undefined) return { cls: TagClass.Unknown, also: new Set(), confidence: 0 };
  const [cls, score] = best as [TagClass, number];
  const runnerUp = ranked.find(([c]) => familyOf(c as TagClass) !== familyOf(cls))?.[1] ?? 0;
  const also = new Set(
    ranked
      .slice(1)
      .filter(([, s]) => s >= 0.5)
      .map(([c]) => c as TagClass),
  );
  // Strong words (weight ≥ 2) with a clear margin over any other family are near-certain; one weak word is a guess.
  const strength = Math.min(1, score / 3);
  const margin = Math.min(1, (score - runnerUp) / 2);
  const confidence = Math.round((0.45 + 0.3 * strength + 0.2 * margin) * 100) / 100;
  return { cls, also, confidence: Math.min(0.95, confidence) };
}

/** The profile of one tag: the explicit class when set, else the name's, else Unknown (tag 0: Unknown, often the internet). */
export function profileOf(tag: number, name: string | undefined, explicit?: TagClass): TagProfile {
  if (explicit !== undefined) {
    const also = name === undefined ? new Set<TagClass>() : inferClass(name).also;
    also.delete(explicit);
    return { tag, cls: explicit, also, confidence: 1, source: ClassSource.Explicit };
  }
  if (name !== undefined) {
    const inferred = inferClass(name);
    if (inferred.confidence > 0) return { tag, ...inferred, source: ClassSource.Inferred };
  }
  // Tag 0 carries what has no binding: the internet, mostly (DESIGN §6).
  if (tag === 0)
    return { tag, cls: TagClass.Unknown, also: new Set(), confidence: 1, source: ClassSource.Inferred };
  return { tag, cls: TagClass.Unknown, also: new Set(), confidence: 0, source: ClassSource.None };
}

/** `class=ot.plc` (or `class: ot.plc`) in free text such as an ISE SGT description; null when absent or not a class. */
export function classFromDescription(text: string | undefined): TagClass | null {
  const m = /(?:^|[\s;,(])class\s*[=:]\s*([a-z_.]+)/i.exec(text ?? '');
  const c = m?.[1]?.toLowerCase().replace(/\.$/, '');
  return c !== undefined && isTagClass(c) ? c : null;
}

/** Destinations outside the organisation: the internet, tag 0, or a named external group. */
export const isOutside = (p: TagProfile): boolean =>
  isClass(p, TagClass.External) ||
  // A tag whose name says nothing is not the internet; tag 0 and tags named `unknown`/`untagged` are.
  (p.cls === TagClass.Unknown && (p.tag === 0 || p.source !== ClassSource.None));

/** Devices that run a physical process or care and talk only to their own system. */
export const isDevice = (p: TagProfile): boolean =>
  isClass(p, TagClass.Ot, TagClass.Building, TagClass.Iot, TagClass.MedicalDevice);

/** Groups of people's devices, managed or not. */
export const isPeople = (p: TagProfile): boolean =>
  isClass(p, TagClass.Users, TagClass.Contractors, TagClass.Guests, TagClass.Byod);

/** Devices the organisation does not manage: guests, visitors, personal devices. */
export const isUntrusted = (p: TagProfile): boolean => isClass(p, TagClass.Guests, TagClass.Byod);
