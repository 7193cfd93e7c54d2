/** What the designer's side panel shows. Indices are positions in the draft YAML. */
export type DesignerSelection =
  | { kind: 'listener'; index: number }
  | { kind: 'route'; index: number }
  | { kind: 'new-route' }
  | { kind: 'policy'; name: string }
  | { kind: 'upstream'; name: string }
  | { kind: 'new-upstream' }
  | { kind: 'target'; upstream: string; index: number }
  | { kind: 'new-target'; upstream: string };

export interface DesignerState {
  designerSelection: DesignerSelection | null;
}

export const initialDesignerState: DesignerState = {
  designerSelection: null,
};
