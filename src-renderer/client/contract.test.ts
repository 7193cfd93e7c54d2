import { describe, expect, expectTypeOf, it, vi } from 'vitest';
import { controlClient, type ResultOf } from './contract';

describe('controlClient', () => {
  it('passes method and arguments through, {} when there are none', async () => {
    const call = vi.fn(async () => ({ ok: true }));
    const control = controlClient({ call });
    await control.call('upstreams.status');
    await control.call('config.validate', { text: 'version: 1' });
    expect(call.mock.calls).toEqual([
      ['upstreams.status', {}],
      ['config.validate', { text: 'version: 1' }],
    ]);
  });

  it('is typed from the engine contract', () => {
    const control = controlClient({ call: async () => null });
    expectTypeOf<ResultOf<'config.get'>>().toHaveProperty('generation').toEqualTypeOf<number>();
    expectTypeOf<ResultOf<'config.apply'>>().toHaveProperty('applied').toEqualTypeOf<boolean>();
    // @ts-expect-error config.apply needs its text
    void control.call('config.apply');
    // @ts-expect-error unknown methods do not compile
    void control.call('config.nope');
  });
});
