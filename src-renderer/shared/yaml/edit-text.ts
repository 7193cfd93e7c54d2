/**
 * Structural edits of YAML text that keep the user's comments AND layout.
 *
 * The edit itself goes through the `yaml` Document API (parseDocument →
 * setIn / addIn / deleteIn → String(doc)), which keeps comments but
 * re-prints the whole document in its own style. To keep the user's
 * spacing, alignment and flow-collection padding on every line the edit did
 * not touch, the printed before/after pair is merged back onto the original
 * text line by line (see merge-lines.ts). If the merge ever produced a
 * document that differs from the edited one, the plain printed result is
 * used instead: correctness first, formatting second.
 */
import { isMap, isSeq, parseDocument, type Document, type ToStringOptions } from 'yaml';
import { merge3 } from './merge-lines';

export class YamlEditError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'YamlEditError';
  }
}

const PRINT: ToStringOptions = { lineWidth: 0, minContentWidth: 0 };

export function parseForEdit(text: string): Document.Parsed {
  const doc = parseDocument(text, { keepSourceTokens: false });
  if (doc.errors.length > 0) {
    const e = doc.errors[0];
    const where = e.linePos ? ` (line ${e.linePos[0].line})` : '';
    throw new YamlEditError(`The YAML has a syntax error${where}; fix it in the editor first.`);
  }
  if (doc.contents !== null && !isMap(doc.contents)) {
    throw new YamlEditError('The workspace must be a YAML mapping at the top level.');
  }
  return doc;
}

/** Apply `edit` to the document in `text`; returns the new text (unchanged text when nothing changed). */
export function editYaml(text: string, edit: (doc: Document.Parsed) => void): string {
  const doc = parseForEdit(text);
  const before = doc.toString(PRINT);
  edit(doc);
  const after = doc.toString(PRINT);
  if (after === before) return text;

  const trailingNewline = text.endsWith('\n');
  const merged = merge3(splitLines(before), splitLines(text), splitLines(after));
  if (merged) {
    let out = merged.join('\n');
    if (trailingNewline && !out.endsWith('\n')) out += '\n';
    if (sameData(out, doc)) return out;
  }
  return after;
}

function splitLines(text: string): string[] {
  const lines = text.split('\n');
  if (lines.length > 0 && lines[lines.length - 1] === '') lines.pop();
  return lines;
}

function sameData(text: string, doc: Document): boolean {
  const check = parseDocument(text);
  if (check.errors.length > 0) return false;
  return JSON.stringify(check.toJS()) === JSON.stringify(doc.toJS());
}

/** New collection items follow their siblings' style: `- { url: … }` stays flow when the others are. */
export function siblingsAreFlow(doc: Document, path: readonly (string | number)[]): boolean {
  const coll = doc.getIn(path, true);
  if (!isSeq(coll) && !isMap(coll)) return false;
  const items = isSeq(coll) ? coll.items : coll.items.map((p) => p.value);
  return items.length > 0 && items.every((n) => (isMap(n) || isSeq(n)) && n.flow === true);
}
