import { describe, expect, it } from 'vitest';
import { targetStatus as target } from '../../store/upstreams/test-fixtures';
import { availabilityText, drainCheck, errorRate, formatRate, targetRow, upstreamTables } from './rows';


const A = target();
const B = target({ id: 'pool/http://127.0.0.1:9002', url: 'http://127.0.0.1:9002' });
const BACKUP = target({ id: 'pool/http://127.0.0.1:9009', url: 'http://127.0.0.1:9009', backup: true });

describe('upstream rows', () => {
  it('computes the error rate and formats it', () => {
    expect(errorRate({ requests: 0, failures: 0 })).toBeNull();
    expect(errorRate({ requests: 200, failures: 5 })).toBe(0.025);
    expect(formatRate(null)).toBe('—');
    expect(formatRate(0)).toBe('0%');
    expect(formatRate(0.025)).toBe('2.5%');
    expect(formatRate(0.5)).toBe('50%');
    expect(formatRate(0.0004)).toBe('<0.1%');
  });

  it('explains availability from the three health inputs', () => {
    const now = 1_000_000;
    expect(availabilityText(A, now)).toBe('Available');
    expect(availabilityText(BACKUP, now)).toMatch(/^Available \(backup/);
    expect(availabilityText(target({ available: false, drained: true }), now)).toBe('Unavailable: drained by hand');
    expect(availabilityText(target({ available: false, activeHealthy: false }), now)).toBe('Unavailable: failing its health check');
    expect(availabilityText(target({ available: false, ejected: true, ejectedUntil: now + 12_300 }), now)).toBe(
      'Unavailable: ejected by outlier detection (13s left)',
    );
    expect(availabilityText(target({ available: false, drained: true, activeHealthy: false }), now)).toBe(
      'Unavailable: drained by hand, failing its health check',
    );
  });

  it('builds one row per target, tables sorted by upstream name', () => {
    const tables = upstreamTables(
      {
        zeta: [target({ requests: 10, failures: 1, inflight: 2 })],
        alpha: [A, target({ ...B, available: false, ejected: true, ejectedUntil: 5000 })],
      },
      0,
    );
    expect(tables.map((t) => [t.name, t.available, t.total])).toEqual([
      ['alpha', 1, 2],
      ['zeta', 1, 1],
    ]);
    expect(tables[0].rows[1]).toMatchObject({ health: 'ejected', ejectedUntil: 5000, activeCheck: 'passing', available: false });
    expect(tables[1].rows[0]).toMatchObject({ errorRate: 0.1, inflight: 2, requests: 10, failures: 1 });
    expect(targetRow('x', target({ activeHealthy: false, available: false }), 0).activeCheck).toBe('failing');
  });
});

describe('drain confirmation', () => {
  it('asks before draining the last available target', () => {
    const check = drainCheck([A, target({ ...B, available: false, activeHealthy: false })], A.id, 'pool');
    expect(check.confirm).toBe(true);
    expect(check.message).toMatch(/last available target of "pool"/);
  });

  it('does not ask while another target is available', () => {
    expect(drainCheck([A, B], A.id, 'pool')).toEqual({ confirm: false, message: null });
  });

  it('notes, without asking, that traffic moves to a backup', () => {
    const check = drainCheck([A, BACKUP], A.id, 'pool');
    expect(check.confirm).toBe(false);
    expect(check.message).toMatch(/backup/);
  });

  it('never asks for a target that is already out of rotation or unknown', () => {
    expect(drainCheck([target({ available: false, activeHealthy: false })], A.id, 'pool').confirm).toBe(false);
    expect(drainCheck([target({ drained: true, available: false })], A.id, 'pool').confirm).toBe(false);
    expect(drainCheck([A], 'nope', 'pool').confirm).toBe(false);
  });
});
