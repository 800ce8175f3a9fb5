/**
 * SGT name semantics. Tag names are free text chosen by each site (ISE ships
 * `Employees`, `Guests`, `PCI_Servers`, `Point_of_Sale_Systems`, `TrustSec_Devices`,
 * `Quarantined_Systems`, …), so roles are guessed from keywords, matched
 * case-insensitively. Long keywords match as substrings of the name with its
 * separators removed (`Point_of_Sale` → `pointofsale`); short, ambiguous ones
 * (`db`, `it`, `ot`, `pos`) must be whole words so `Positioning` is not `pos`.
 */

export const Role = {
  Unknown: 'unknown',
  External: 'external',
  Guest: 'guest',
  Quarantine: 'quarantine',
  Camera: 'camera',
  Iot: 'iot',
  Recorder: 'recorder',
  Printer: 'printer',
  Voice: 'voice',
  Network: 'network',
  Admin: 'admin',
  Sensitive: 'sensitive',
  Server: 'server',
  User: 'user',
  Dev: 'dev',
  Prod: 'prod',
} as const;
export type Role = (typeof Role)[keyof typeof Role];

interface RoleWords {
  /** Substrings of the compacted, lower-cased name. */
  sub: readonly string[];
  /** Whole words of the name (split at separators and camelCase boundaries). */
  words: readonly string[];
}

const WORDS: Record<Role, RoleWords> = {
  unknown: { sub: ['unknown', 'untagged', 'unclassified'], words: [] },
  external: { sub: ['internet', 'external', 'outside', 'untrusted'], words: ['wan'] },
  guest: { sub: ['guest', 'visitor', 'hotspot'], words: [] },
  quarantine: { sub: ['quarantin', 'remediat', 'infected', 'compromised'], words: [] },
  camera: { sub: ['camera', 'cctv', 'surveillance'], words: ['cam', 'cams', 'ipcam'] },
  iot: { sub: ['iot', 'sensor', 'hvac', 'thermostat', 'badge', 'lighting', 'building'], words: ['bms'] },
  recorder: { sub: ['recorder', 'videoserver', 'milestone', 'genetec'], words: ['nvr', 'dvr', 'vms'] },
  printer: { sub: ['printer', 'print', 'copier'], words: ['mfp', 'mfd'] },
  voice: { sub: ['phone', 'voip', 'voice', 'telephon', 'callmanager'], words: ['uc', 'cucm', 'sip'] },
  network: {
    sub: ['networkservice', 'infrastructure', 'trustsec', 'netdevice', 'domaincontroller', 'sharedservice'],
    words: ['ise', 'dns', 'dhcp', 'ntp', 'ad', 'infra', 'network', 'nad', 'nads', 'wlc', 'mgmt'],
  },
  admin: {
    sub: ['admin', 'helpdesk', 'netops', 'secops', 'jumphost', 'bastion'],
    words: ['it', 'noc', 'soc', 'pam', 'jump'],
  },
  sensitive: {
    sub: ['pci', 'pointofsale', 'cardholder', 'payment', 'scada', 'medical', 'patient', 'payroll', 'hipaa'],
    words: ['pos', 'cde', 'ot', 'ics', 'plc', 'emr', 'ehr', 'phi', 'hr', 'finance', 'restricted', 'vault'],
  },
  server: {
    sub: ['server', 'datacenter', 'database', 'storage', 'fileshare', 'mainframe'],
    words: ['srv', 'srvs', 'svr', 'dc', 'db', 'dbs', 'app', 'apps', 'web', 'erp', 'crm', 'nas', 'san'],
  },
  user: {
    sub: ['employee', 'user', 'staff', 'contractor', 'developer', 'auditor', 'byod', 'workstation'],
    words: ['laptop', 'laptops', 'desktop', 'desktops', 'student', 'students', 'corp', 'pc', 'pcs', 'vdi'],
  },
  dev: { sub: ['development', 'test', 'staging', 'sandbox'], words: ['dev', 'lab', 'qa', 'uat', 'stage'] },
  prod: { sub: ['production'], words: ['prod', 'prd'] },
};

const ROLE_LIST = Object.keys(WORDS) as Role[];

const words = (name: string): string[] =>
  name
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);

/** The roles a tag's name suggests. Tag 0 is always Unknown (DESIGN §6). */
export function rolesOf(tag: number, name: string | undefined): ReadonlySet<Role> {
  const roles = new Set<Role>();
  if (tag === 0) roles.add(Role.Unknown);
  if (name === undefined) return roles;
  const normal = name.normalize('NFKC');
  const compact = normal.toLowerCase().replace(/[^a-z0-9]+/g, '');
  const ws = new Set(words(normal));
  for (const role of ROLE_LIST) {
    const w = WORDS[role];
    if (w.sub.some((s) => compact.includes(s)) || w.words.some((x) => ws.has(x))) roles.add(role);
  }
  return roles;
}

/** Unknown or outside the organisation: where the internet usually lands. */
export const isOutside = (roles: ReadonlySet<Role>): boolean =>
  roles.has(Role.Unknown) || roles.has(Role.External);

/** A group of people's devices: workstations, laptops, BYOD. */
export const isUserDevices = (roles: ReadonlySet<Role>): boolean =>
  (roles.has(Role.User) || roles.has(Role.Guest)) && !roles.has(Role.Server);

/** Devices that should talk only to their controller: cameras, sensors, building systems. */
export const isThing = (roles: ReadonlySet<Role>): boolean => roles.has(Role.Camera) || roles.has(Role.Iot);
