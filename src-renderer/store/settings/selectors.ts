import type { AppState } from '../types';

export const selectCaInfo = (s: AppState) => s.caInfo;
export const selectCaStatus = (s: AppState) => s.caStatus;
export const selectCaError = (s: AppState) => s.caError;
