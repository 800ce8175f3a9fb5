import { describe, expect, test } from 'bun:test';
import { missingTags, parseSgtDictionary, SgtDictionaryError, sgtName } from './sgt.ts';

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
