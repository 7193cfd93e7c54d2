/**
 * Where JSON text first goes wrong, for error messages: Node 20's JSON.parse
 * names the bad token but not always where it is, which in a 100 MB HAR is
 * no help. A syntax-only scan (nothing is built), run only after JSON.parse
 * has failed.
 */
export interface JsonErrorAt {
  offset: number;
  /** 1-based. */
  line: number;
  column: number;
  problem: string;
}

type Expect = 'value' | 'valueOrEnd' | 'key' | 'keyOrEnd' | 'colon' | 'commaOrEnd' | 'done';
const LITERALS = ['true', 'false', 'null'];
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;

export function jsonErrorAt(text: string): JsonErrorAt | null {
  const stack: string[] = [];
  let expect = 'value' as Expect;
  let i = 0;
  const at = (offset: number, problem: string): JsonErrorAt => {
    let line = 1;
    let lineStart = 0;
    for (let j = text.indexOf('\n'); j !== -1 && j < offset; j = text.indexOf('\n', j + 1)) {
      line++;
      lineStart = j + 1;
    }
    return { offset, line, column: offset - lineStart + 1, problem };
  };
  const unexpected = () => at(i, `unexpected ${JSON.stringify(text[i])}`);
  const afterValue = () => {
    expect = stack.length === 0 ? 'done' : 'commaOrEnd';
  };
  /** Skips a string starting at i; returns an error or null. */
  const string = (): JsonErrorAt | null => {
    const start = i;
    for (i++; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 0x22) {
        i++;
        return null;
      }
      if (c < 0x20) return at(i, 'a control character inside a string');
      if (c === 0x5c) {
        const e = text[i + 1];
        if (e === 'u') {
          if (!/^[0-9a-fA-F]{4}$/.test(text.slice(i + 2, i + 6))) return at(i, 'a bad \\u escape');
          i += 5;
        } else if (e !== undefined && '"\\/bfnrt'.includes(e)) i++;
        else return at(i, 'a bad escape');
      }
    }
    return at(start, 'a string that never ends');
  };
  for (;;) {
    while (i < text.length && ' \t\n\r'.includes(text[i])) i++;
    if (i >= text.length) return expect === 'done' ? null : at(i, 'unexpected end of input');
    const c = text[i];
    switch (expect) {
      case 'done':
        return at(i, `unexpected ${JSON.stringify(c)} after the end of the document`);
      case 'colon':
        if (c !== ':') return unexpected();
        i++;
        expect = 'value';
        break;
      case 'commaOrEnd': {
        const close = stack[stack.length - 1] === '{' ? '}' : ']';
        if (c === ',') expect = close === '}' ? 'key' : 'value';
        else if (c === close) {
          stack.pop();
          afterValue();
        } else return unexpected();
        i++;
        break;
      }
      case 'key':
      case 'keyOrEnd': {
        if (c === '}' && expect === 'keyOrEnd') {
          i++;
          stack.pop();
          afterValue();
        } else if (c === '"') {
          const err = string();
          if (err) return err;
          expect = 'colon';
        } else return unexpected();
        break;
      }
      case 'value':
      case 'valueOrEnd': {
        if (c === ']' && expect === 'valueOrEnd') {
          i++;
          stack.pop();
          afterValue();
        } else if (c === '{' || c === '[') {
          stack.push(c);
          i++;
          expect = c === '{' ? 'keyOrEnd' : 'valueOrEnd';
        } else if (c === '"') {
          const err = string();
          if (err) return err;
          afterValue();
        } else {
          NUMBER.lastIndex = i;
          const m = NUMBER.exec(text);
          const literal = LITERALS.find((l) => text.startsWith(l, i));
          if (m !== null) i += m[0].length;
          else if (literal !== undefined) i += literal.length;
          else return unexpected();
          afterValue();
        }
        break;
      }
    }
  }
}
