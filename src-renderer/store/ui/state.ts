import type { ViewId } from '../../app/views';

export interface UiState {
  activeView: ViewId;
  helpOpen: boolean;
}

export const initialUiState: UiState = {
  activeView: 'routes',
  helpOpen: false,
};
