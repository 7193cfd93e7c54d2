/** Body bytes to HAR text (UTF-8 text when it is text, base64 otherwise) and back. */
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const BINARY_TYPES = /^(image|audio|video|font)\/|^application\/(octet-stream|zip|gzip|pdf|wasm|protobuf|x-protobuf|grpc)/;

/** C0 controls other than tab, LF and CR mark binary content even when it decodes. */
function hasControl(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) return true;
  }
  return false;
}

export function encodeBody(bytes: Uint8Array, contentType: string | null): { text: string; encoding?: 'base64' } {
  if (contentType === null || !BINARY_TYPES.test(contentType)) {
    try {
      const text = utf8.decode(bytes);
      if (!hasControl(text)) return { text };
    } catch {
      // not UTF-8: base64 below
    }
  }
  return { text: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64'), encoding: 'base64' };
}

export function decodeBody(text: string, encoding: unknown): Uint8Array {
  return typeof encoding === 'string' && encoding.toLowerCase() === 'base64' ? Buffer.from(text, 'base64') : Buffer.from(text, 'utf8');
}
