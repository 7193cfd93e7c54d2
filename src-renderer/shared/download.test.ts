import { describe, expect, it } from 'vitest';
import { blobType } from './download';

describe('blobType', () => {
  it('keeps the text type for a name with an extension', () => {
    expect(blobType('nginx.conf', 'text/plain')).toBe('text/plain;charset=utf-8');
    expect(blobType('history.har', 'application/json')).toBe('application/json;charset=utf-8');
  });

  it('uses a generic type for a name without one, so the browser does not append .txt', () => {
    expect(blobType('Caddyfile', 'text/plain')).toBe('application/octet-stream');
  });
});
