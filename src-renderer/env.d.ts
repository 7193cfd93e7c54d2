/// <reference types="vite/client" />
import type { SwitchyardBridge } from '../src-main/electron/api';

declare global {
  interface Window {
    /** Present only inside the desktop app (exposed by the preload). */
    switchyard?: SwitchyardBridge;
  }
}

export {};
