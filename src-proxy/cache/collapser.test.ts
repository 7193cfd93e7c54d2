import { describe, expect, it } from 'vitest';
import { Collapser } from './collapser.js';

describe('Collapser', () => {
  it('lets one request lead a key; others wait until it releases', async () => {
    const c = new Collapser(10_000);
    const lock = c.tryLead('k')!;
    expect(c.tryLead('k')).toBeNull();
    expect(c.tryLead('other')).not.toBeNull();
    let done = false;
    const waiting = c.wait('k').then(() => (done = true));
    await Promise.resolve();
    expect(done).toBe(false);
    expect(c.waiting).toBe(1);
    lock.release();
    lock.release();
    await waiting;
    expect(c.waiting).toBe(0);
    expect(c.tryLead('k')).not.toBeNull();
  });

  it('stops waiting after the timeout when the leader never releases', async () => {
    const c = new Collapser(20);
    c.tryLead('k');
    await c.wait('k');
    expect(c.waiting).toBe(0);
  });
});
