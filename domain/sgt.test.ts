import { describe, expect, test } from 'bun:test';
import { missingTags, parseSgtClasses, parseSgtDictionary, SgtDictionaryError, sgtName } from './sgt.ts';

describe('SGT dictionary', () => {
  test('JSON object and list forms, with 0 = Unknown by default', () => {
    expect([...parseSgtDictionary('{"100": "Employees", "200": "Servers"}')]).toEqual([
      [0, 'Unknown'],
      [100, 'Employees'],
      [200, 'Servers'],
    ]);
    expect(
      parseSgtDictionary('[{"id": 5, "name": "Guests"}, {"id": 0, "name": "Unclassified"}]').get(0),
    ).toBe('Unclassified');
  });

  test('CSV with id/name columns, quotes and CRLF', () => {
    const d = parseSgtDictionary('id,name\r\n10,"Point of Sale, east"\r\n11,"He said ""hi"""\r\n');
    expect(d.get(10)).toBe('Point of Sale, east');
    expect(d.get(11)).toBe('He said "hi"');
  });

  test("ISE's export: Name,Value with dec/hex values and a BOM", () => {
    const d = parseSgtDictionary('\uFEFFName,Value,Description\nEmployees,4/0004,Staff\nGuests,6/0006,\n');
    expect(d.get(4)).toBe('Employees');
    expect(d.get(6)).toBe('Guests');
  });

  test('bad dictionaries say where', () => {
    expect(() => parseSgtDictionary('{"abc": "x"}')).toThrow(SgtDictionaryError);
    expect(() => parseSgtDictionary('{"70000": "x"}')).toThrow('0–65535');
    expect(() => parseSgtDictionary('{"5": ""}')).toThrow('printable');
    expect(() => parseSgtDictionary('foo,bar\n1,2')).toThrow('id column');
    expect(() => parseSgtDictionary('id,name\n1,ok\nx,bad')).toThrow('row 3');
    expect(() => parseSgtDictionary('[1')).toThrow('not JSON');
  });

  test('control characters are stripped from names', () => {
    expect(parseSgtDictionary('{"7": "Ca\\u001b[31mmeras\\u0000"}').get(7)).toBe('Ca[31mmeras');
  });

  test('names and missing tags', () => {
    const d = parseSgtDictionary('{"100": "Employees"}');
    expect(sgtName(d, 100)).toBe('Employees');
    expect(sgtName(d, 0)).toBe('Unknown');
    expect(sgtName(d, 300)).toBe('SGT300');
    expect(missingTags(d, [0, 100, 300, 200, 300])).toEqual([200, 300]);
  });
});

describe('tag classes in a dictionary', () => {
  test('a class column, a class field, or class= in an ISE description', () => {
    expect(parseSgtClasses('id,name,class\n10,Line3,ot.plc\n11,Desks,\n')).toEqual(new Map([[10, 'ot.plc']]));
    expect(
      parseSgtClasses('Name,Value,Description\nLine3,10/000A,Line 3 class=ot.plc\nDesks,11,office\n'),
    ).toEqual(new Map([[10, 'ot.plc']]));
    expect(parseSgtClasses('[{"id":5,"name":"X","class":"pci"},{"id":6,"name":"Y"}]')).toEqual(
      new Map([[5, 'pci']]),
    );
    expect(parseSgtClasses('{"5":"X"}').size).toBe(0);
    expect(parseSgtClasses('id,name\n5,X\n').size).toBe(0);
  });

  test('a class outside the vocabulary is a named error', () => {
    expect(() => parseSgtClasses('id,name,class\n10,Line3,spaceship\n')).toThrow(SgtDictionaryError);
  });
});
