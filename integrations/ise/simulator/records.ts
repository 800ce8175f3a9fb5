/**
 * What the simulated ISE stores, what a fresh ISE ships with, and the
 * per-field rules (names, ACE text). The ids of the ANY group and the
 * ANY-ANY cell are the fixed ones real ISE uses, so code that relies on
 * them behaves the same against the simulator.
 */

export interface SgtRecord {
  id: string;
  name: string;
  description: string;
  value: number;
  generationId: string;
  isReadOnly: boolean;
  propogateToApic: boolean;
}

export interface SgaclRecord {
  id: string;
  name: string;
  description: string;
  ipVersion: 'IPV4' | 'IPV6' | 'IP_AGNOSTIC';
  aclcontent: string;
  readOnly: boolean;
  generationId: string;
}

export interface CellRecord {
  id: string;
  name: string;
  description: string;
  sourceSgtId: string;
  destinationSgtId: string;
  matrixCellStatus: 'ENABLED' | 'DISABLED' | 'MONITOR';
  defaultRule: 'NONE' | 'DENY_IP' | 'PERMIT_IP';
  sgacls: string[];
  generationId: string;
}

export interface SgtSpec {
  name: string;
  description?: string | undefined;
  /** -1: the next free value. */
  value: number;
  propogateToApic?: boolean | undefined;
}

export interface SgaclSpec {
  name: string;
  description?: string | undefined;
  ipVersion?: SgaclRecord['ipVersion'] | undefined;
  aclcontent: string;
}

export interface CellSpec {
  name?: string | undefined;
  description?: string | undefined;
  sourceSgtId: string;
  destinationSgtId: string;
  matrixCellStatus: CellRecord['matrixCellStatus'];
  defaultRule: CellRecord['defaultRule'];
  sgacls: string[];
}

/** ISE refused a request: answered as an ERSResponse with this status and title. */
export class RuleError extends Error {
  readonly status: number;
  readonly title: string;
  constructor(status: number, title: string) {
    super(title);
    this.name = 'RuleError';
    this.status = status;
    this.title = title;
  }
}

export const ANY_SGT_ID = '92bb1950-8c01-11e6-996c-525400b48521';
export const UNKNOWN_SGT_ID = '92adf9f0-8c01-11e6-996c-525400b48521';
export const DEFAULT_CELL_ID = '92c1a900-8c01-11e6-996c-525400b48521';

/** The groups a fresh ISE ships with, besides Unknown and ANY. */
export const STOCK_SGTS: readonly SgtSpec[] = [
  { name: 'TrustSec_Devices', value: 2 },
  { name: 'Network_Services', value: 3 },
  { name: 'Employees', value: 4 },
  { name: 'Contractors', value: 5 },
  { name: 'Guests', value: 6 },
  { name: 'Production_Users', value: 7 },
  { name: 'Developers', value: 8 },
  { name: 'Auditors', value: 9 },
  { name: 'Point_of_Sale_Systems', value: 10 },
  { name: 'Production_Servers', value: 11 },
  { name: 'Development_Servers', value: 12 },
  { name: 'Test_Servers', value: 13 },
  { name: 'PCI_Servers', value: 14 },
  { name: 'BYOD', value: 15 },
  { name: 'Quarantined_Systems', value: 255 },
];

/** Unknown and ANY (read-only, fixed ids), then `tags` as ordinary groups. */
export function seedSgts(tags: readonly SgtSpec[], generation: () => string): SgtRecord[] {
  const builtIn = (id: string, name: string, value: number, description: string): SgtRecord => ({
    id,
    name,
    description,
    value,
    generationId: generation(),
    isReadOnly: true,
    propogateToApic: false,
  });
  return [
    builtIn(UNKNOWN_SGT_ID, 'Unknown', 0, 'Unknown Security Group'),
    ...tags.map((t) => ({
      id: crypto.randomUUID(),
      name: t.name,
      description: t.description ?? '',
      value: t.value,
      generationId: generation(),
      isReadOnly: false,
      propogateToApic: t.propogateToApic ?? false,
    })),
    builtIn(ANY_SGT_ID, 'ANY', 65535, 'Any Security Group'),
  ];
}

/** The four read-only SGACLs every ISE has. */
export function seedSgacls(generation: () => string): SgaclRecord[] {
  const builtIn = (name: string, aclcontent: string): SgaclRecord => ({
    id: crypto.randomUUID(),
    name,
    description: `${name} (built-in)`,
    ipVersion: 'IP_AGNOSTIC',
    aclcontent,
    readOnly: true,
    generationId: generation(),
  });
  return [
    builtIn('Permit IP', 'permit ip'),
    builtIn('Deny IP', 'deny ip'),
    builtIn('Permit_IP_Log', 'permit ip log'),
    builtIn('Deny_IP_Log', 'deny ip log'),
  ];
}

/** ISE takes letters, digits and underscores in SGT and SGACL names. */
export function checkName(name: string, what: string): void {
  if (!/^[A-Za-z0-9_]{1,255}$/.test(name)) {
    throw new RuleError(
      400,
      `${what} name '${name.slice(0, 64)}' is invalid: use letters, digits and underscores`,
    );
  }
}

/**
 * ACE text as IOS-XE takes it inside an SGACL: one `permit|deny <protocol> …`
 * per line (or a `remark`). No addresses: an SGACL matches groups, not IPs.
 */
export function checkAcl(text: string): void {
  const lines = text.split(/\r?\n/).map((l) => l.trim());
  if (lines.every((l) => l === '')) throw new RuleError(400, 'ACL content is empty');
  lines.forEach((line, i) => {
    if (line === '' || /^remark\s/i.test(line)) return;
    if (!/^(permit|deny)\s+\S+/i.test(line)) {
      throw new RuleError(400, `Invalid ACL content at line ${i + 1}: '${line.slice(0, 80)}'`);
    }
    if (/\b\d{1,3}(\.\d{1,3}){3}\b/.test(line)) {
      throw new RuleError(400, `Invalid ACL content at line ${i + 1}: an SGACL cannot name IP addresses`);
    }
  });
}
