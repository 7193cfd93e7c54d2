import { constants, createDeflateRaw, type DeflateRaw } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { MessageInflater } from './websocket-inflate.js';

/** A permessage-deflate sender (context takeover): each message flushed, its 00 00 ff ff tail removed. */
function sender(opts: { noContextTakeover?: boolean } = {}) {
  let d: DeflateRaw = createDeflateRaw();
  return async (text: string | Buffer): Promise<Buffer> => {
    if (opts.noContextTakeover === true) d = createDeflateRaw();
    const out: Buffer[] = [];
    const on = (c: Buffer) => out.push(c);
    d.on('data', on);
    d.write(text);
    await new Promise<void>((resolve) => d.flush(constants.Z_SYNC_FLUSH, () => resolve()));
    d.off('data', on);
    return Buffer.concat(out).subarray(0, -4);
  };
}

const TOKEN = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJhZGEifQ.c2lnbmF0dXJl';

describe('MessageInflater', () => {
  it('decodes messages that refer back into earlier ones (context takeover), as each arrives', async () => {
    const send = sender();
    const inflater = new MessageInflater();
    const first = `{"type":"connection_init","payload":{"Authorization":"Bearer ${TOKEN}"}}`;
    const again = `${first} again`;
    const a = await send(first);
    const b = await send(again);
    // The second message is a few bytes pointing into the first: the token is not in it as such.
    expect(b.length).toBeLessThan(20);
    expect(inflater.inflate(a, true)!.toString()).toBe(first);
    expect(inflater.inflate(b, true)!.toString()).toBe(again);
  });

  it('carries only the last 32 KiB over, which is all a sender may refer back to', async () => {
    const send = sender();
    const inflater = new MessageInflater();
    const bulk = Buffer.from(Array.from({ length: 50_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join(''));
    for (let i = 0; i < 3; i++) expect(inflater.inflate(await send(bulk), true)!.equals(bulk)).toBe(true);
  });

  it('decodes no_context_takeover messages, each on its own', async () => {
    const send = sender({ noContextTakeover: true });
    const inflater = new MessageInflater();
    for (const text of ['one message', 'another one', 'one message']) expect(inflater.inflate(await send(text), true)!.toString()).toBe(text);
  });

  it('decodes a message cut at the capture cap as far as it goes, then stops: later ones would decode to garbage', async () => {
    const send = sender();
    const inflater = new MessageInflater();
    const long = `start ${'0123456789abcdef'.repeat(4000)}`;
    const wire = await send(long);
    const partial = inflater.inflate(wire.subarray(0, wire.length >> 1), false)!;
    expect(partial.length).toBeGreaterThan(0);
    expect(long.startsWith(partial.toString())).toBe(true);
    expect(inflater.inflate(await send('next'), true)).toBeNull();
  });

  it('stops at a corrupt message, and at the budget a peer could otherwise spend', async () => {
    const inflater = new MessageInflater();
    expect(inflater.inflate(Buffer.from([0xff, 0xff, 0xff, 0xff]), true)).toBeNull();
    expect(inflater.inflate(await sender()('fine'), true)).toBeNull();

    const send = sender();
    const bombs = new MessageInflater();
    const mib = Buffer.alloc(1024 * 1024, 0x20);
    let decoded = 0;
    for (let i = 0; i < 20; i++) {
      const out = bombs.inflate(await send(mib), true);
      if (out === null) break;
      decoded += out.length;
    }
    expect(decoded).toBe(16 * 1024 * 1024);
  });
});
