import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { printfFormat, shellQuote } from './shell-quote.js';

/** What bash makes of a quoted word: the bytes of the argument it passes on. */
const bashArg = (word: string): Buffer => execFileSync('bash', ['-c', `printf %s ${word}`]);

describe('shellQuote', () => {
  it('leaves harmless words bare and single-quotes printable text', () => {
    expect(shellQuote('GET')).toBe('GET');
    expect(shellQuote('http://a.b/c?d=1')).toBe("'http://a.b/c?d=1'");
    expect(shellQuote("it's")).toBe("'it'\\''s'");
    expect(shellQuote('héllo ✓')).toBe("'héllo ✓'");
    expect(shellQuote('')).toBe("''");
    expect(shellQuote('a\nb')).toBe("$'a\\nb'");
  });

  it('round-trips any bytes but NUL through bash', () => {
    const samples: Buffer[] = [
      Buffer.from("plain ' \" $HOME `x` \\ !history * ? [a] {b,c} ~ # ; & | < > ( )"),
      Buffer.from('tab\there\r\nnewline and unicode ✓ é 𝄞'),
      Buffer.from([0xff, 0xfe, 0x80, 0x41, 0x0a, 0x27, 0x5c, 0x01, 0x7f, 0xc3]),
      Buffer.from('\x1b[31mred\x1b[0m \u0085 next-line'),
      Buffer.from('\\x41 literal backslash-x and \\n'),
    ];
    let seed = 3;
    for (let i = 0; i < 20; i++) {
      const b = Buffer.alloc(64);
      for (let j = 0; j < b.length; j++) {
        seed = (seed * 1103515245 + 12345) % 2 ** 31;
        b[j] = 1 + (seed % 255);
      }
      samples.push(b);
    }
    for (const sample of samples) expect(bashArg(shellQuote(sample)).equals(sample)).toBe(true);
  });

  it('refuses NUL; printfFormat carries it', () => {
    expect(() => shellQuote(Buffer.from([0x61, 0, 0x62]))).toThrow(/NUL/);
    const bytes = Buffer.from([0, 1, 0x25, 0x27, 0x5c, 0x0a, 0xff, 0x41, 0x00, 0x64]);
    expect(execFileSync('bash', ['-c', `printf ${printfFormat(bytes)}`]).equals(bytes)).toBe(true);
  });
});
