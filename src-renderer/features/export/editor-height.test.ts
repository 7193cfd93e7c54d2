import { describe, expect, it } from 'vitest';
import { snappedEditorHeight } from './editor-height';

const M = { lineHeight: 20, paddingTop: 8, horizontalScrollbarSize: 12 };

describe('snappedEditorHeight', () => {
  it('fits whole lines above the horizontal scrollbar', () => {
    // 789 px: 8 top + 38 lines (760) + 12 bar = 780; 9 px stay empty.
    expect(snappedEditorHeight(789, M)).toBe(780);
    expect(snappedEditorHeight(780, M)).toBe(780);
    expect(snappedEditorHeight(799.5, M)).toBe(780);
    expect(snappedEditorHeight(800, M)).toBe(800);
    for (const h of [200, 333, 641, 1000]) {
      const snapped = snappedEditorHeight(h, M);
      expect(snapped).toBeLessThanOrEqual(h);
      expect((snapped - 8 - 12) % 20).toBe(0);
    }
  });

  it('leaves a pane too small for one line as it is', () => {
    expect(snappedEditorHeight(30, M)).toBe(30);
    expect(snappedEditorHeight(0, M)).toBe(0);
  });
});
