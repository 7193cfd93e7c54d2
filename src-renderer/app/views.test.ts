import { describe, expect, it } from 'vitest';
import { isViewId, viewFromHash, VIEWS } from './views';

describe('view registry', () => {
  it('lists the nine views with unique ids, each with a one-line description', () => {
    expect(VIEWS.map((v) => v.id)).toEqual(['routes', 'designer', 'traffic', 'dashboard', 'history', 'upstreams', 'listeners', 'export', 'settings']);
    for (const v of VIEWS) expect(v.description).toMatch(/^[^\n]{10,}$/);
  });

  it('reads the view from the URL hash', () => {
    expect(viewFromHash('#/designer')).toBe('designer');
    expect(viewFromHash('#designer')).toBe('designer');
    expect(viewFromHash('#/nope')).toBeNull();
    expect(viewFromHash('')).toBeNull();
    expect(isViewId('export')).toBe(true);
  });
});
