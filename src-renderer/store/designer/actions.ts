import type { SliceCreator } from '../types';
import { initialDesignerState, type DesignerSelection, type DesignerState } from './state';

export interface DesignerActions {
  selectInDesigner(selection: DesignerSelection | null): void;
}

export type DesignerSlice = DesignerState & DesignerActions;

export const createDesignerSlice: SliceCreator<DesignerSlice> = (set) => ({
  ...initialDesignerState,
  selectInDesigner: (designerSelection) => set({ designerSelection }),
});
