import { randomBytes } from 'node:crypto';
import { constants, createDeflateRaw, deflateRawSync, type DeflateRaw } from 'node:zlib';
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

/** One whole message through the inflater: its payload in pieces, as frames bring it. */
async function through(inflater: MessageInflater, payload: Buffer, pieces = 1): Promise<string | null> {
  const step = Math.ceil(payload.length / pieces) || 1;
  for (let at = 0; at < payload.length; at += step) inflater.write(payload.subarray(at, at + step));
  const m = await inflater.end();
  return m === null ? null : m.data.toString();
}

describe('MessageInflater', () => {
  it('decodes messages that refer back into earlier ones (context takeover), in order, however the payload is split', async () => {
    const send = sender();
    const inflater = new MessageInflater(64 * 1024);
    const first = `{"type":"connection_init","payload":{"Authorization":"Bearer ${TOKEN}"}}`;
    const again = `${first} again`;
    const a = await send(first);
    const b = await send(again);
    // The second message is a few bytes pointing into the first: the token is not in it as such.
    expect(b.length).toBeLessThan(20);
    expect(await through(inflater, a, 3)).toBe(first);
    expect(await through(inflater, b)).toBe(again);
  });

  it('keeps the first `cap` bytes of a long message yet feeds all of it on, so the next one still decodes', async () => {
    const send = sender();
    const inflater = new MessageInflater(1000);
    const bulk = Buffer.from(Array.from({ length: 50_000 }, (_, i) => String.fromCharCode(97 + ((i * 7919) % 26))).join(''));
    inflater.write(await send(bulk));
    const long = (await inflater.end())!;
    expect(long.truncated).toBe(true);
    expect(long.data.equals(bulk.subarray(0, 1000))).toBe(true);
    const tail = bulk.subarray(40_000, 40_100).toString();
    expect(await through(inflater, await send(tail))).toBe(tail);
  });

  it('decodes no_context_takeover messages, each on its own', async () => {
    const send = sender({ noContextTakeover: true });
    const inflater = new MessageInflater(1000);
    for (const text of ['one message', 'another one', 'one message']) expect(await through(inflater, await send(text))).toBe(text);
  });

  it('answers null from a corrupt message on, and for what waits when it is stopped', async () => {
    const inflater = new MessageInflater(1000);
    expect(await through(inflater, Buffer.from([0xff, 0xff, 0xff, 0xff]))).toBeNull();
    expect(await through(inflater, await sender()('fine'))).toBeNull();

    const stopped = new MessageInflater(1000);
    stopped.write(await sender()('pending'));
    const waiting = stopped.end();
    stopped.stop();
    expect(await waiting).toBeNull();
  });

  it('bounds the work and the memory a peer can cause with a little deflate: output to 16 MiB + 64× what it sent, kept bytes to 1 MiB + 16×', async () => {
    const send = sender();
    const bombs = new MessageInflater(64 * 1024);
    const spaces = Buffer.alloc(256 * 1024, 0x20);
    let kept = 0;
    let sent = 0;
    let messages = 0;
    for (let i = 0; i < 100; i++) {
      const wire = await send(spaces);
      sent += wire.length;
      bombs.write(wire);
      const m = await bombs.end();
      if (m === null) break;
      messages++;
      kept += m.data.length;
    }
    // 16 MiB of output is 64 of these; then the direction stops.
    expect(messages).toBeGreaterThanOrEqual(60);
    expect(messages).toBeLessThan(100);
    expect(kept).toBeLessThanOrEqual(1024 * 1024 + 16 * sent);
    // Without the allowance each would keep its 64 KiB.
    expect(kept).toBeLessThan((messages * 64 * 1024) / 2);
  });

  it('stops rather than buffer without end when a peer sends faster than zlib decodes', async () => {
    const inflater = new MessageInflater(1000);
    // Stored blocks: 20 MiB in, 20 MiB out, written at once as a fast socket would hand it over.
    const wire = deflateRawSync(randomBytes(20 * 1024 * 1024), { level: 0, finishFlush: constants.Z_SYNC_FLUSH }).subarray(0, -4);
    for (let at = 0; at < wire.length; at += 64 * 1024) inflater.write(wire.subarray(at, at + 64 * 1024));
    expect(await inflater.end()).toBeNull();
  });
});
