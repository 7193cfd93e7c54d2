import { afterEach, describe, expect, it } from 'vitest';
import { parseTime } from '../history/query-values.js';
import { localTimestamp } from './local-time.js';

const zone = process.env.TZ;
afterEach(() => {
  // Node re-reads TZ when it is assigned.
  if (zone === undefined) delete process.env.TZ;
  else process.env.TZ = zone;
});

describe('localTimestamp', () => {
  it('prints local time, which after: and before: read back as the same instant', () => {
    const instant = Date.UTC(2026, 10, 24, 17, 39, 13, 45);
    process.env.TZ = 'America/New_York';
    expect(localTimestamp(instant)).toBe('2026-11-24 12:39:13.045');
    process.env.TZ = 'Asia/Kolkata';
    const printed = localTimestamp(instant);
    expect(printed).toBe('2026-11-24 23:09:13.045');
    const text = printed.replace(' ', 'T');
    expect(parseTime({ text, quoted: false, position: 0, length: text.length }, 'after')).toEqual({ absolute: instant });
  });
});
