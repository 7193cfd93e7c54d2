import { describe, expect, it } from 'vitest';
import { asText, base64Length, classifyBody, dataUrl, decodeBase64, formatBytes, headerRows, hexDump, looksLikeJson, prettyJson, waterfall } from './body';

const enc = (s: string) => new TextEncoder().encode(s);

describe('body helpers', () => {
  it('detects JSON by type and by content', () => {
    expect(looksLikeJson('{"a":1}')).toBe(true);
    expect(looksLikeJson(' [1,2] ')).toBe(true);
    expect(looksLikeJson('{"a":')).toBe(false);
    expect(looksLikeJson('42')).toBe(false);
    expect(classifyBody('application/json', enc('{"a":1}'))).toBe('json');
    expect(classifyBody('application/problem+json', enc('{"a":1}'))).toBe('json');
    expect(classifyBody('text/plain', enc('{"a":[1]}'))).toBe('json');
    // Truncated JSON no longer parses: shown as text.
    expect(classifyBody('application/json', enc('{"a":[1,2'))).toBe('text');
  });

  it('classifies XML, HTML, images, text, binary and empty bodies', () => {
    expect(classifyBody('application/xml', enc('<a/>'))).toBe('xml');
    expect(classifyBody(null, enc('<?xml version="1.0"?><a/>'))).toBe('xml');
    expect(classifyBody('text/html', enc('<p>hi</p>'))).toBe('html');
    expect(classifyBody(null, enc('<!DOCTYPE html><html></html>'))).toBe('html');
    expect(classifyBody('image/png', new Uint8Array([0x89, 0x50]))).toBe('image');
    expect(classifyBody('text/plain', enc('hello'))).toBe('text');
    expect(classifyBody('application/octet-stream', new Uint8Array([0, 1, 2]))).toBe('binary');
    expect(classifyBody(null, new Uint8Array([0xff, 0xfe, 0x41]))).toBe('binary');
    expect(classifyBody('text/plain', null)).toBe('none');
    expect(classifyBody('text/plain', new Uint8Array())).toBe('none');
  });

  it('decodes base64 and UTF-8', () => {
    expect(asText(decodeBase64(btoa('héllo'.normalize()) && 'aMOpbGxv'))).toBe('héllo');
    for (const s of ['', 'a', 'ab', 'abc', 'abcd']) expect(base64Length(btoa(s))).toBe(s.length);
    expect(asText(new Uint8Array([0x61, 0]))).toBeNull();
    expect(prettyJson('{"a":[1]}')).toBe('{\n  "a": [\n    1\n  ]\n}');
    expect(prettyJson('not json')).toBe('not json');
    expect(dataUrl('image/png', 'AAA=')).toBe('data:image/png;base64,AAA=');
  });

  it('formats a hex dump: offset, two groups of eight, ASCII column', () => {
    const bytes = new Uint8Array([...enc('Hello, world!\n'), 0, 1, 0xff, 0x41]);
    const lines = hexDump(bytes).split('\n');
    expect(lines).toHaveLength(2);
    expect(lines[0]).toBe('00000000  48 65 6c 6c 6f 2c 20 77  6f 72 6c 64 21 0a 00 01  |Hello, world!...|');
    expect(lines[1].startsWith('00000010  ff 41 ')).toBe(true);
    expect(lines[1].endsWith('|.A|')).toBe(true);
    expect(lines[1].length).toBe(lines[0].length - 14);
  });

  it('limits the hex dump', () => {
    const lines = hexDump(new Uint8Array(100_000)).split('\n');
    expect(lines).toHaveLength(4096);
    expect(lines.at(-1)!.startsWith('0000fff0')).toBe(true);
    expect(hexDump(new Uint8Array(40), 20).split('\n')).toHaveLength(2);
  });

  it('header pairs, sizes and the timing waterfall', () => {
    expect(headerRows(['a', '1', 'B', '2', 'dangling'])).toEqual([
      ['a', '1'],
      ['B', '2'],
    ]);
    expect(formatBytes(512)).toBe('512 B');
    expect(formatBytes(2048)).toBe('2.0 KB');
    expect(formatBytes(3 * 1024 * 1024)).toBe('3.0 MB');
    const bars = waterfall({ queue: 10, connect: 20, ttfb: 50, total: 100 });
    expect(bars.map((b) => [b.name, b.ms, b.start, b.width])).toEqual([
      ['queue', 10, 0, 10],
      ['connect', 20, 10, 20],
      ['ttfb', 50, 30, 50],
      ['transfer', 20, 80, 20],
    ]);
    expect(waterfall({ queue: 0, connect: 0, ttfb: 0, total: 0 }).every((b) => b.width === 0)).toBe(true);
  });
});
