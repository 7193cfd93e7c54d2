/**
 * `switchyard replay` edits, written the way curl takes them:
 * `-X METHOD`, `--url PATH`, `-H 'Name: value'` (repeatable; `-H 'Name:'`
 * removes the header, `-H 'Name;'` sends it empty), `-d TEXT` (`-d @FILE`,
 * `-d @-`: a file's bytes, standard input), `--data-file FILE` and `--no-body`. The replayer checks names, values,
 * the method and the URL; this only turns the options into a ReplayEdit.
 */
import { readFileSync } from 'node:fs';
import type { HeaderEdits, ReplayEdit } from '../replay/build-request.js';

export const REPLAY_EDIT_OPTIONS = {
  method: { type: 'string', short: 'X' },
  url: { type: 'string' },
  header: { type: 'string', short: 'H', multiple: true },
  data: { type: 'string', short: 'd' },
  'data-file': { type: 'string' },
  'no-body': { type: 'boolean' },
} as const;

export interface ReplayEditValues {
  method?: string;
  url?: string;
  header?: string[];
  data?: string;
  'data-file'?: string;
  'no-body'?: boolean;
}

export class EditOptionError extends Error {}

export function replayEditFrom(values: ReplayEditValues): ReplayEdit {
  const edit: ReplayEdit = {};
  if (values.method !== undefined) edit.method = values.method;
  if (values.url !== undefined) edit.url = values.url;
  const headers = headerEdits(values.header ?? []);
  if (headers !== null) edit.headers = headers;
  const bodies = [values.data !== undefined, values['data-file'] !== undefined, values['no-body'] === true].filter(Boolean).length;
  if (bodies > 1) throw new EditOptionError('give at most one of --data, --data-file and --no-body');
  // As curl's --data-binary: "@FILE" is the file's bytes, "@-" standard input.
  if (values.data !== undefined) edit.body = values.data.startsWith('@') ? { base64: readBody(values.data.slice(1), `-d ${values.data}`).toString('base64') } : { text: values.data };
  if (values['data-file'] !== undefined) edit.body = { base64: readBody(values['data-file'], `--data-file ${values['data-file']}`).toString('base64') };
  if (values['no-body'] === true) edit.body = null;
  return edit;
}

function headerEdits(options: string[]): HeaderEdits | null {
  if (options.length === 0) return null;
  // By lower-case name, so "-H 'Accept: a' -H 'accept: b'" sends both; the first spelling is kept.
  const set = new Map<string, { name: string; values: string[] }>();
  const remove: string[] = [];
  const setValue = (name: string, value: string) => {
    const entry = set.get(name.toLowerCase()) ?? { name, values: [] };
    entry.values.push(value);
    set.set(name.toLowerCase(), entry);
  };
  for (const option of options) {
    const colon = option.indexOf(':');
    // curl's "Name;" is the way to send a header with an empty value.
    if (colon === -1 && option.endsWith(';') && option.trim().length > 1) {
      setValue(option.slice(0, -1).trim(), '');
      continue;
    }
    const name = colon === -1 ? '' : option.slice(0, colon).trim();
    if (name === '') throw new EditOptionError(`-H ${JSON.stringify(option)}: write a header as "Name: value" ("Name:" removes it, "Name;" sends it empty)`);
    const value = option.slice(colon + 1).trim();
    if (value === '') remove.push(name);
    else setValue(name, value);
  }
  return {
    ...(remove.length > 0 ? { remove } : {}),
    ...(set.size > 0 ? { set: Object.fromEntries([...set.values()].map((e) => [e.name, e.values])) } : {}),
  };
}

function readBody(file: string, option: string): Buffer {
  try {
    return readFileSync(file === '-' ? 0 : file);
  } catch (err) {
    throw new EditOptionError(`${option}: ${(err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message}`);
  }
}
