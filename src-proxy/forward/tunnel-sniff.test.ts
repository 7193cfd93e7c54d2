import { describe, expect, it } from 'vitest';
import { classify } from './tunnel-sniff.js';

describe('classify (first bytes inside a tunnel)', () => {
  it('takes a TLS handshake record for TLS', () => {
    expect(classify(Buffer.from([0x16, 0x03, 0x01]))).toBe('tls');
  });

  it('takes an upper-case method followed by a space for HTTP', () => {
    expect(classify(Buffer.from('GET / HTTP/1.1\r\n'))).toBe('http');
    expect(classify(Buffer.from('PROPFIND /x'))).toBe('http');
  });

  it('waits while a method name may still be arriving', () => {
    expect(classify(Buffer.from('GE'))).toBeUndefined();
  });

  it('passes other protocols through', () => {
    expect(classify(Buffer.from('SSH-2.0-OpenSSH_9.2\r\n'))).toBe('other');
    expect(classify(Buffer.from(' GET'))).toBe('other');
    expect(classify(Buffer.from([0x00, 0x01]))).toBe('other');
    expect(classify(Buffer.from('A'.repeat(21)))).toBe('other');
  });
});
