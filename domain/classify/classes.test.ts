import { describe, expect, test } from 'bun:test';
import { nameWords } from './class-words.ts';
import {
  classFromDescription,
  hasClass,
  inferClass,
  isClass,
  isOutside,
  profileOf,
  TAG_CLASSES,
} from './classes.ts';

describe('tag classes', () => {
  test('names split at separators, camelCase and case runs', () => {
    expect(nameWords('pciCardholderDb')).toEqual(['pci', 'cardholder', 'db']);
    expect(nameWords('L2_ENG-WS.site3')).toEqual(['l2', 'eng', 'ws', 'site3']);
    expect(nameWords('HL7Engine')).toEqual(['hl7', 'engine']);
  });

  test('the same class from every naming style', () => {
    const cases: [string, string][] = [
      ['Employees', 'users'],
      ['CORP-WKSTN', 'users'],
      ['clin.ws', 'users'],
      ['facultyStaff', 'users'],
      ['GUEST_WIFI', 'guests'],
      ['eduroamVisitors', 'guests'],
      ['studentOwnDevices', 'byod'],
      ['DC-SQL', 'server.database'],
      ['prodDatabases', 'server.database'],
      ['L1_PLC_MIXING', 'ot.plc'],
      ['L2_ENG_WS', 'ot.engineering'],
      ['hist-01', 'ot.historian'],
      ['med.infusion', 'clinical.device'],
      ['lab.analyzers', 'clinical.device'],
      ['researchLab', 'dev'],
      ['hl7.engine', 'clinical.interface_engine'],
      ['pacs.store', 'clinical.imaging'],
      ['FAC-BADGE-RDR', 'building.access_control'],
      ['videoRecorder', 'building.nvr'],
      ['NET-JUMP', 'management'],
      ['SEC-SIEM', 'security.logs'],
      ['DC-WSUS', 'shared.patching'],
      ['ISE_PSN', 'shared.nac'],
      ['TrustSec_Devices', 'network'],
      ['Point_of_Sale_Systems', 'pci'],
    ];
    for (const [name, cls] of cases) expect([name, profileOf(5, name).cls]).toEqual([name, cls]);
  });

  test('zone words outrank tiers: a dev database is dev, a PCI database is PCI and still a database', () => {
    expect(profileOf(5, 'devTestDb').cls).toBe('dev');
    const pci = profileOf(5, 'pciCardholderDb');
    expect(pci.cls).toBe('pci');
    expect(hasClass(pci, 'server.database')).toBe(true);
  });

  test('confidence: strong, unambiguous names are near-certain; one weak word is a guess; nothing is 0', () => {
    expect(inferClass('DC-SQL').confidence).toBeGreaterThan(0.8);
    expect(inferClass('srv-42').confidence).toBeLessThan(0.7);
    expect(profileOf(5, 'zz-42')).toMatchObject({ cls: 'unknown', confidence: 0, source: 'none' });
  });

  test('an explicit class wins over the name, with full confidence', () => {
    expect(profileOf(5, 'Printers', 'ot.hmi')).toMatchObject({
      cls: 'ot.hmi',
      confidence: 1,
      source: 'explicit',
    });
  });

  test('a name read again gives the same answer, with a set of its own each time', () => {
    const first = inferClass('ehr-db');
    first.also.add('guests');
    const again = inferClass('ehr-db');
    expect(again.also.has('guests')).toBe(false);
    expect({ ...again, also: [...again.also] }).toEqual({
      ...first,
      also: [...first.also].filter((c) => c !== 'guests'),
    });
    // The explicit class is taken out of the profile's set, never out of what the next caller reads.
    expect(profileOf(5, 'ehr-db', 'server.database').also.has('server.database')).toBe(false);
    expect([...inferClass('ehr-db').also]).toEqual([...first.also].filter((c) => c !== 'guests'));
  });

  test('a family matches its members only at a dot: ot is ot.plc, not otter; server.app is not server.application', () => {
    const p = (cls: string) => profileOf(5, undefined, cls as never);
    expect(isClass(p('ot.plc'), 'ot')).toBe(true);
    expect(isClass(p('ot'), 'ot')).toBe(true);
    expect(isClass(p('ot'), 'ot.plc')).toBe(false);
    expect(isClass(p('server.app'), 'server.ap')).toBe(false);
    expect(isClass(p('server.app'), 'guests', 'server')).toBe(true);
    expect(isClass(p('server'), 'serve')).toBe(false);
    expect(hasClass(profileOf(5, 'ehr-db'), 'server')).toBe(true);
  });

  test('a class in an ISE description: class=ot.plc, class: pci; anything else is ignored', () => {
    expect(classFromDescription('Line 3 controllers class=ot.plc')).toBe('ot.plc');
    expect(classFromDescription('class: PCI')).toBe('pci');
    expect(classFromDescription('subclass=ot.plc')).toBeNull();
    expect(classFromDescription('class=spaceship')).toBeNull();
    expect(classFromDescription(undefined)).toBeNull();
  });

  test('tag 0 and tags named for the outside are outside; a tag whose name says nothing is not', () => {
    expect(isOutside(profileOf(0, 'Unknown'))).toBe(true);
    expect(isOutside(profileOf(9, 'INTERNET'))).toBe(true);
    expect(isOutside(profileOf(9, 'zz-42'))).toBe(false);
  });

  test('the vocabulary is fixed and dotted', () => {
    expect(TAG_CLASSES.length).toBeGreaterThan(40);
    for (const c of TAG_CLASSES) expect(c).toMatch(/^[a-z_]+(\.[a-z_]+)?$/);
  });
});
