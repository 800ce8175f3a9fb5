/**
 * The naming vocabulary behind class inference: the words, abbreviations and
 * compounds real networks use for each class, with a weight for how much a
 * word says on its own. Names are split at separators (`-`, `_`, `.`, spaces),
 * camelCase and letter/digit boundaries; short or ambiguous words (`db`,
 * `ot`, `ws`, `pos`) count only as whole words, longer keys (`cardholder`,
 * `engws`) also inside the name with separators removed. A plural `s` is
 * ignored. Weights: 3 a word that decides the zone (dev, PCI, quarantine), 2 a
 * specific word, 1 a hint, 0.5 a context word (a Purdue level, a site prefix).
 */

interface Entry {
  cls: string;
  weight: number;
  /** Whole words (after splitting; singular). */
  words: readonly string[];
  /** Substrings of the compacted lower-case name. */
  subs?: readonly string[];
}

const E = (cls: string, weight: number, words: readonly string[], subs: readonly string[] = []): Entry => ({
  cls,
  weight,
  words,
  subs,
});

export const VOCABULARY: readonly Entry[] = [
  E('unknown', 2, ['unknown', 'untagged', 'unclassified']),
  E('external', 2, ['internet', 'inet', 'external', 'ext', 'outside', 'wan', 'untrusted', 'cloud']),
  E('guests', 3, ['guest', 'visitor', 'hotspot', 'eduroam', 'public'], ['guest', 'visitor']),
  E('byod', 3, ['byod', 'personal', 'own', 'unmanaged', 'bring'], ['byod']),
  E('byod', 1, ['mobile']),
  E(
    'quarantine',
    4,
    ['quarantine', 'quarantined', 'quar', 'isolated', 'isolation', 'infected'],
    ['quarantin'],
  ),
  E('remediation', 4, ['remediation', 'remediate', 'remed'], ['remediat']),
  E('users', 1.5, ['ws', 'wks', 'wkstn', 'pc', 'desktop', 'laptop', 'vdi', 'office', 'faculty', 'student']),
  E(
    'users',
    2,
    ['user', 'employee', 'staff', 'workstation', 'clinician', 'developer'],
    ['employee', 'workstation'],
  ),
  E('users', 0.5, ['corp', 'it']),
  E('contractors', 3, ['contractor', 'consultant', 'temp', 'partner'], ['contractor']),
  E('server', 1, ['srv', 'svr', 'server', 'host', 'vm', 'dc', 'datacenter']),
  E('server.web', 2, ['web', 'www', 'fe', 'frontend', 'portal', 'http']),
  E('server.app', 2, ['app', 'api', 'application', 'erp', 'crm', 'sap', 'middleware', 'exch', 'exchange']),
  E('server.database', 2, ['db', 'database', 'sql', 'mssql', 'oracle', 'postgres', 'mysql'], ['database']),
  E('server.file', 2, ['file', 'filesvr', 'fileserver', 'fs', 'nas', 'share'], ['fileserv', 'filesvr']),
  E('server.mail_relay', 2, ['smtp', 'relay', 'mta', 'mail']),
  E('server.backup', 3, ['backup', 'vault', 'veeam', 'commvault'], ['backup']),
  E(
    'server.call_control',
    4,
    ['cucm', 'callmgr', 'callmanager', 'pbx', 'voicegw'],
    ['callmanager', 'callmgr', 'voicegateway'],
  ),
  E('dev', 3, ['dev', 'development', 'test', 'tst', 'qa', 'uat', 'staging', 'stage', 'sandbox', 'nonprod']),
  // A lab is a test lab in IT and a clinical laboratory in a hospital: `analyzer` outweighs it there.
  E('dev', 2, ['lab']),
  E('dev', 1, ['build', 'research']),
  E('production', 0.5, ['prod', 'prd', 'production', 'live']),
  E('pci', 3, ['pci', 'cde', 'cardholder', 'payment', 'pos', 'pointofsale'], ['cardholder', 'pointofsale']),
  E('ot', 2, ['ot', 'ics', 'mes', 'scada', 'process', 'dcs']),
  E('ot', 0.5, ['l0', 'l1', 'l2', 'l3', 'level1', 'level2', 'level3', 'plant', 'line', 'cell']),
  E('ot.plc', 3, ['plc', 'rtu', 'sis', 'safety', 'vfd', 'drive', 'robot', 'ied', 'controllogix', 's7']),
  E('ot.hmi', 3, ['hmi', 'operator']),
  E('ot.historian', 3, ['historian', 'hist', 'osisoft']),
  E('ot.engineering', 4, ['ews'], ['engws', 'engineeringws', 'engineeringworkstation']),
  E('clinical', 0.5, ['clin', 'clinical', 'ward', 'icu']),
  E('clinical.device', 2.5, [
    'med',
    'medical',
    'infusion',
    'pump',
    'monitor',
    'ventilator',
    'modality',
    'analyzer',
    'analyser',
    'dispense',
    'pyxis',
    'biomed',
  ]),
  E('clinical.interface_engine', 3, ['hl7', 'interface', 'rhapsody', 'cloverleaf', 'mirth', 'ensemble']),
  E('clinical.ehr', 2.5, ['ehr', 'emr', 'epic', 'cerner', 'lis', 'ris', 'his', 'pharmacy']),
  E('clinical.imaging', 3, ['pacs', 'dicom', 'imaging', 'radiology']),
  E('clinical.imaging', 1, ['img']),
  E('building', 1, ['bldg', 'building', 'fac', 'facilities', 'facility']),
  E('building.bms', 3, ['bms', 'hvac', 'bacnet', 'chiller', 'ahu', 'lighting', 'thermostat'], ['hvac']),
  E('building.access_control', 3, ['badge', 'door', 'reader', 'rdr', 'acs', 'turnstile'], ['accesscontrol']),
  E('building.security', 3, ['intrusion', 'alarm', 'physec'], ['physicalsecurity']),
  E('building.camera', 3, ['cctv', 'camera', 'cam', 'ipcam', 'surveillance'], ['camera', 'cctv']),
  E('building.nvr', 3.5, ['nvr', 'dvr', 'vms', 'recorder'], ['recorder']),
  E('building.elevator', 3, ['elevator', 'lift', 'escalator'], ['elevator']),
  E('iot', 2, ['iot', 'sensor', 'meter']),
  E('iot.printer', 3, ['printer', 'print', 'prn', 'mfp', 'mfd', 'copier'], ['printer']),
  E('iot.phone', 3, ['phone', 'handset', 'voip', 'ipphone', 'voice'], ['phone']),
  E('iot.display', 3, ['display', 'signage', 'tv', 'screen', 'projector', 'av'], ['display', 'signage']),
  E(
    'network',
    2,
    ['nad', 'switch', 'router', 'wlc', 'ap', 'firewall', 'trustsec', 'core', 'network'],
    ['trustsec'],
  ),
  E('network', 1.5, ['net', 'infra']),
  E(
    'security',
    2,
    ['scan', 'scanner', 'vuln', 'vulnscan', 'nessus', 'qualys', 'pentest', 'edr'],
    ['vulnscan'],
  ),
  E('security', 0.5, ['sec', 'security']),
  E('security.logs', 3, ['siem', 'log', 'syslog', 'splunk', 'collector', 'soc']),
  E(
    'management',
    4,
    ['jump', 'jumphost', 'bastion', 'pam', 'mgmt', 'management', 'noc', 'oob'],
    ['jumphost'],
  ),
  E('management', 2, ['admin', 'netops']),
  // Network monitoring systems poll and manage devices: they sit with the management hosts.
  E(
    'management',
    3,
    ['nms', 'solarwinds', 'prtg', 'zabbix', 'librenms', 'observium', 'dnac', 'catalyst'],
    ['solarwinds'],
  ),
  E('shared', 2, ['shared', 'svc', 'dns', 'dhcp', 'ntp', 'ipam', 'infoblox']),
  E('shared.directory', 3, ['ad', 'adds', 'directory', 'ldap', 'domain', 'idm'], ['directory']),
  E(
    'shared.patching',
    3,
    ['wsus', 'patch', 'patching', 'sccm', 'mecm', 'update', 'mirror', 'repo'],
    ['patch'],
  ),
  E('shared.nac', 3, ['ise', 'psn', 'nac', 'radius']),
];

/** Lower-case words of a name: separators, camelCase and letter/digit boundaries split it. */
export function nameWords(name: string): string[] {
  return name
    .normalize('NFKC')
    .replace(/([a-z0-9])([A-Z])/g, '$1 $2')
    .replace(/([A-Z]+)([A-Z][a-z])/g, '$1 $2')
    .toLowerCase()
    .split(/[^a-z0-9]+/)
    .filter(Boolean);
}

const singular = (w: string): string =>
  w.length > 3 && w.endsWith('s') && !w.endsWith('ss') ? w.slice(0, -1) : w;

/** Evidence per class: the sum of the weights of the entries the name matches (each entry counts once). */
export function inferScores(name: string): Map<string, number> {
  const words = new Set(nameWords(name).flatMap((w) => [w, singular(w)]));
  const compact = name
    .normalize('NFKC')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '');
  const scores = new Map<string, number>();
  for (const e of VOCABULARY) {
    const hit = e.words.some((w) => words.has(w)) || (e.subs ?? []).some((s) => compact.includes(s));
    if (hit) scores.set(e.cls, (scores.get(e.cls) ?? 0) + e.weight);
  }
  // A specific class inherits its family's evidence (`srv` + `db`), so the family word never outvotes it.
  for (const [cls, score] of scores) {
    const family = cls.split('.')[0] as string;
    if (family !== cls && scores.has(family)) scores.set(cls, score + (scores.get(family) ?? 0));
  }
  return scores;
}
