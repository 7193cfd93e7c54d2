import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, expect, it } from 'vitest';
import type { CapturedExchange } from './captured-exchange.js';
import { CaptureHub } from './capture-hub.js';

const record = (id: string) => ({ id }) as CapturedExchange;

describe('CaptureHub', () => {
  it('builds the records of one loop turn together, after it, in order', async () => {
    const hub = new CaptureHub();
    const got: string[] = [];
    hub.add((x) => got.push(x.id));
    const built: string[] = [];
    for (const id of ['a', 'b', 'c']) {
      hub.recordSoon(() => {
        built.push(id);
        return record(id);
      });
    }
    expect(built).toEqual([]);
    await nextTurn();
    expect(built).toEqual(['a', 'b', 'c']);
    expect(got).toEqual(['a', 'b', 'c']);
  });

  it('loses only the record whose build throws', async () => {
    const hub = new CaptureHub();
    const got: string[] = [];
    hub.add((x) => got.push(x.id));
    hub.recordSoon(() => record('a'));
    hub.recordSoon(() => {
      throw new Error('broken exchange');
    });
    hub.recordSoon(() => Promise.resolve(record('c')));
    await hub.settled();
    expect(got).toEqual(['a', 'c']);
  });

  it('settled() builds what is queued at once, so nothing waits for a turn that may not come', async () => {
    const hub = new CaptureHub();
    const got: string[] = [];
    hub.add((x) => got.push(x.id));
    hub.recordSoon(() => record('a'));
    const settled = hub.settled();
    expect(got).toEqual(['a']);
    await settled;
    await nextTurn(); // the scheduled build finds nothing left: no record twice
    expect(got).toEqual(['a']);
  });
});
