/**
 * History survives a restart of the runtime: stop it, start a new one on the
 * same data dir, and every exchange is still there, searchable, with unique
 * time-ordered ids (new ones after the old ones).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { SearchPage } from '../../src-proxy/history/types.js';
import { tempDir } from '../history/fixtures.js';
import { fromBase64, send, startApp, startRuntimeRig, type AppUpstream, type RuntimeRig, type WireExchange } from './rig.js';

let app: AppUpstream;
let data: ReturnType<typeof tempDir>;
const open: RuntimeRig[] = [];

beforeAll(async () => {
  app = await startApp();
  data = tempDir('switchyard-restart-');
});
afterAll(async () => {
  for (const r of open) await r.close().catch(() => undefined);
  await app?.close();
  data?.cleanup();
});

const yaml = () => `
version: 1
listeners:
  - { name: web, address: "127.0.0.1:0" }
routes:
  - { name: api, match: { host: api.localhost }, upstream: app }
upstreams:
  app: { targets: [{ url: "${app.url}" }] }
`;

async function allIds(r: RuntimeRig, query = ''): Promise<SearchPage['items']> {
  const items: SearchPage['items'] = [];
  let cursor: string | null = null;
  do {
    const page: SearchPage = await r.call<SearchPage>('history.search', { query, limit: 7, cursor });
    items.push(...page.items);
    cursor = page.nextCursor;
  } while (cursor !== null);
  return items;
}

describe('history across a restart', () => {
  it('keeps every exchange, searchable, with unique time-ordered ids', async () => {
    const first = await startRuntimeRig(yaml(), data.dir);
    open.push(first);
    const sentFirst: string[] = [];
    for (let i = 0; i < 25; i++) {
      const body = JSON.stringify({ n: i, word: i % 5 === 0 ? 'restartable' : 'plain' });
      await send(first.port, {
        method: 'POST',
        path: `/echo?n=${i}`,
        headers: ['Host', 'api.localhost', 'X-Request-Id', `run1-${i}`, 'Content-Type', 'application/json', 'Content-Length', String(body.length)],
        body,
      });
      sentFirst.push(`run1-${i}`);
    }
    await first.record('run1-24');
    const firstIds = sentFirst.map((rid) => first.records.find((x) => x.requestId === rid)!.id);
    // Stopping the runtime flushes history and closes the database.
    await first.close();
    open.pop();

    const second = await startRuntimeRig(yaml(), data.dir);
    open.push(second);
    const before = await allIds(second);
    expect(before.map((x) => x.requestId)).toEqual([...sentFirst].reverse());
    expect(before.map((x) => x.id)).toEqual([...firstIds].reverse());
    expect(await second.call('history.count', { query: '' })).toEqual({ count: 25 });

    // Full records come from the database (the new runtime's recent cache is empty).
    const x = await second.call<WireExchange>('history.get', { id: firstIds[7] });
    expect(x).toMatchObject({ requestId: 'run1-7', url: '/echo?n=7', status: 200, route: 'api', upstream: 'app', target: app.url });
    expect(fromBase64(x.requestBody.base64)!.toString()).toBe(JSON.stringify({ n: 7, word: 'plain' }));
    expect(fromBase64(x.responseBody.base64)!.toString()).toBe(JSON.stringify({ n: 7, word: 'plain' }));

    // Free text over what the first run wrote (indexed by now or by the flush).
    await second.runtime.history!.flush({ index: true });
    const found = await second.call<SearchPage>('history.search', { query: 'restartable', withTotal: true });
    expect(found.total).toBe(5);
    expect(found.items.map((i) => i.requestId)).toEqual(['run1-20', 'run1-15', 'run1-10', 'run1-5', 'run1-0']);

    // New traffic after the restart: ids keep increasing, newest first in search.
    for (let i = 0; i < 5; i++) await send(second.port, { path: `/plain?n=${i}`, headers: ['Host', 'api.localhost', 'X-Request-Id', `run2-${i}`] });
    await second.record('run2-4');
    await second.runtime.history!.flush();
    const after = await allIds(second);
    expect(after).toHaveLength(30);
    const ids = after.map((i) => i.id);
    expect(new Set(ids).size).toBe(30);
    // Newest first: ids strictly decreasing, start times never increasing.
    for (let i = 1; i < after.length; i++) {
      expect(ids[i - 1] > ids[i], `${ids[i - 1]} > ${ids[i]}`).toBe(true);
      expect(after[i - 1].startedAt).toBeGreaterThanOrEqual(after[i].startedAt);
    }
    expect(after.slice(0, 5).map((i) => i.requestId)).toEqual(['run2-4', 'run2-3', 'run2-2', 'run2-1', 'run2-0']);
    await second.close();
    open.pop();

    // And once more: a third start sees all 30.
    const third = await startRuntimeRig(yaml(), data.dir);
    open.push(third);
    expect((await allIds(third)).map((i) => i.id)).toEqual(ids);
  });
});
