import { describe, expect, it } from 'vitest';
import { applyFieldOps, compileBodyTransform, isKind, transformBody, TransformError } from './transform-body.js';

const t = (o: Parameters<typeof compileBodyTransform>[0]) => compileBodyTransform(o)!;

describe('transformBody', () => {
  it('JSON → XML → JSON round-trips through a named root', () => {
    const xml = transformBody(t({ convert: 'json-to-xml', xmlRoot: 'order' }), Buffer.from('{"id":3,"items":[{"sku":"a"},{"sku":"b"}],"note":"x & y"}'));
    expect(xml.contentType).toMatch(/^application\/xml/);
    expect(xml.body.toString()).toBe('<?xml version="1.0" encoding="UTF-8"?><order><id>3</id><items><sku>a</sku></items><items><sku>b</sku></items><note>x &amp; y</note></order>');
    const json = transformBody(t({ convert: 'xml-to-json' }), xml.body);
    expect(JSON.parse(json.body.toString())).toEqual({ id: 3, items: [{ sku: 'a' }, { sku: 'b' }], note: 'x & y' });
  });

  it('keeps XML attributes as @keys', () => {
    const out = transformBody(t({ convert: 'xml-to-json' }), Buffer.from('<user id="7"><name>Ada</name></user>'));
    expect(JSON.parse(out.body.toString())).toEqual({ '@id': '7', name: 'Ada' });
  });

  it('refuses bodies that do not parse, with the reason', () => {
    expect(() => transformBody(t({ convert: 'xml-to-json' }), Buffer.from('<a><b></a>'))).toThrow(TransformError);
    expect(() => transformBody(t({ pick: ['a'] }), Buffer.from('{"a":'))).toThrow(/not valid JSON/);
  });
});

describe('applyFieldOps', () => {
  it('pick, then rename, then remove, on dotted paths and on each element of an array', () => {
    const ops = t({ pick: ['id', 'user.name', 'user.email', 'missing'], rename: { 'user.name': 'name' }, remove: ['user.email'] });
    expect(applyFieldOps(ops, { id: 1, secret: 2, user: { name: 'Ada', email: 'a@x', age: 3 } })).toEqual({ id: 1, name: 'Ada', user: {} });
    expect(applyFieldOps(ops, [{ id: 1 }, { id: 2, secret: 1 }])).toEqual([{ id: 1 }, { id: 2 }]);
    expect(applyFieldOps(ops, 'scalar')).toBe('scalar');
  });
});

describe('isKind', () => {
  it('knows JSON and XML media types, parameters ignored', () => {
    expect(isKind('application/json; charset=utf-8', 'json')).toBe(true);
    expect(isKind('application/problem+json', 'json')).toBe(true);
    expect(isKind('text/xml', 'xml')).toBe(true);
    expect(isKind('application/atom+xml', 'xml')).toBe(true);
    expect(isKind('text/plain', 'json')).toBe(false);
    expect(isKind(undefined, 'xml')).toBe(false);
  });
});
