import { Socket } from 'node:net';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { expect, it } from 'vitest';
import type { ListenerPlan } from '../config/plan.js';
import type { EngineState } from '../engine-state.js';
import { Exchange } from './exchange.js';

it('query() reads the query string as it is now, after a policy rewrote it', () => {
  const req = { socket: new Socket(), headers: {} } as unknown as IncomingMessage;
  const ex = new Exchange(req, {} as ServerResponse, {} as ListenerPlan, {} as EngineState);
  ex.search = 'key=secret&page=2';
  expect(ex.query('key')).toBe('secret');
  // What api-key and jwt do with `keep: false`.
  ex.search = 'page=2';
  expect(ex.query('key')).toBeUndefined();
  expect(ex.query('page')).toBe('2');
});
