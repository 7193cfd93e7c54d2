import { afterAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EditOptionError, replayEditFrom } from './replay-edit-options.js';

const dir = mkdtempSync(join(tmpdir(), 'swy-replay-edit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('replay edit options', () => {
  it('no options: no edit (the request as it was)', () => {
    expect(replayEditFrom({})).toEqual({});
  });

  it('-H sets (repeats and case variants of a name add values), "Name:" removes, "Name;" sends empty', () => {
    const edit = replayEditFrom({ header: ['Authorization: Bearer x:y', 'X-A: 1', 'x-a:2', 'Accept:', 'X-Empty;', '__proto__: p'] });
    expect(edit.headers!.remove).toEqual(['Accept']);
    // As own entries: a header named __proto__ is a valid token, not the object's prototype.
    expect(Object.entries(edit.headers!.set!)).toEqual([
      ['Authorization', ['Bearer x:y']],
      ['X-A', ['1', '2']],
      ['X-Empty', ['']],
      ['__proto__', ['p']],
    ]);
  });

  it('-X, --url and one body: text, a file as bytes, or none', () => {
    const file = join(dir, 'body.bin');
    writeFileSync(file, Buffer.from([0, 255, 10]));
    expect(replayEditFrom({ method: 'PUT', url: '/x?y=1', data: 'héllo' })).toEqual({ method: 'PUT', url: '/x?y=1', body: { text: 'héllo' } });
    expect(replayEditFrom({ 'data-file': file })).toEqual({ body: { base64: Buffer.from([0, 255, 10]).toString('base64') } });
    expect(replayEditFrom({ 'no-body': true })).toEqual({ body: null });
    expect(replayEditFrom({ data: '' })).toEqual({ body: { text: '' } });
    // curl's -d @FILE: the file's bytes, as they are.
    expect(replayEditFrom({ data: `@${file}` })).toEqual({ body: { base64: Buffer.from([0, 255, 10]).toString('base64') } });
  });

  it('refuses a header without a name or colon, two bodies and a missing file', () => {
    expect(() => replayEditFrom({ header: ['NoColon'] })).toThrow(EditOptionError);
    expect(() => replayEditFrom({ header: [': value'] })).toThrow('write a header as "Name: value"');
    expect(() => replayEditFrom({ header: [';'] })).toThrow('write a header as "Name: value"');
    expect(() => replayEditFrom({ data: 'a', 'data-file': 'b' })).toThrow('at most one of --data, --data-file and --no-body');
    expect(() => replayEditFrom({ 'data-file': join(dir, 'nope') })).toThrow(`--data-file ${join(dir, 'nope')}: file not found`);
    expect(() => replayEditFrom({ data: `@${join(dir, 'nope')}` })).toThrow(`-d @${join(dir, 'nope')}: file not found`);
  });
});
