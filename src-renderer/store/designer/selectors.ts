import type { AppState } from '../types';
import type { DesignerSelection } from './state';

export const selectDesignerSelection = (s: AppState) => s.designerSelection;

/** The graph node id a selection highlights (null for forms of new things). */
export function selectionNodeId(sel: DesignerSelection | null): string | null {
  if (!sel) return null;
  switch (sel.kind) {
    case 'listener':
      return `listener:${sel.index}`;
    case 'route':
      return `route:${sel.index}`;
    case 'policy':
      return `policy:${sel.name}`;
    case 'upstream':
    case 'new-target':
      return `upstream:${sel.kind === 'upstream' ? sel.name : sel.upstream}`;
    case 'target':
      return `target:${sel.upstream}:${sel.index}`;
    default:
      return null;
  }
}

/** The selection for a clicked graph node id. */
export function selectionForNode(id: string): DesignerSelection | null {
  const [kind, a] = id.split(':');
  switch (kind) {
    case 'listener':
      return { kind, index: Number(a) };
    case 'route':
      return { kind, index: Number(a) };
    case 'policy':
      return { kind, name: id.slice('policy:'.length) };
    case 'upstream':
      return { kind, name: id.slice('upstream:'.length) };
    case 'target': {
      const rest = id.slice('target:'.length);
      const at = rest.lastIndexOf(':');
      return { kind, upstream: rest.slice(0, at), index: Number(rest.slice(at + 1)) };
    }
    default:
      return null;
  }
}
