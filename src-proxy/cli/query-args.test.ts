import { describe, expect, it } from 'vitest';
import { parseQueryArgs } from './query-args.js';

const options = { 'data-dir': { type: 'string' }, json: { type: 'boolean' }, output: { type: 'string', short: 'o' } } as const;
const parse = (...args: string[]) => parseQueryArgs(args, options);

describe('parseQueryArgs', () => {
  it('takes a query that starts with - as the query, not as options', () => {
    expect(parse('-status:200').positionals).toEqual(['-status:200']);
    expect(parse('-path:/x', '-o', 'f.har')).toMatchObject({ positionals: ['-path:/x'], values: { output: 'f.har' } });
    expect(parse('--json', '-host:x status:5xx')).toMatchObject({ positionals: ['-host:x status:5xx'], values: { json: true } });
    expect(parse('-"a phrase"').positionals).toEqual(['-"a phrase"']);
    expect(parse('--', '-timeout').positionals).toEqual(['-timeout']);
    expect(parse('-path:/a', '--', 'b').positionals).toEqual(['-path:/a', 'b']);
  });

  it('leaves real options alone, values with a colon included', () => {
    expect(parse('q', '-oC:\\out.har').values.output).toBe('C:\\out.har');
    expect(parse('q', '--data-dir=/a:b').values['data-dir']).toBe('/a:b');
    expect(parse('q', '--data-dir', '/a:b').values['data-dir']).toBe('/a:b');
    expect(parse('status:200', '--json')).toMatchObject({ positionals: ['status:200'], values: { json: true } });
  });

  it('says where a negated word goes when it reads as options', () => {
    expect(() => parse('-timeout')).toThrow(/Unknown option '-t'.*goes after --/);
    expect(() => parse('q', '--nope')).toThrow(/Unknown option '--nope'/);
  });
});
