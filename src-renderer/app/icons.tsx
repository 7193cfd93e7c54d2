/** Small stroke icons for the navigation (inline SVG: no icon font, nothing to fetch). */
import type { ReactNode } from 'react';

const PATHS: Record<string, ReactNode> = {
  routes: (
    <>
      <path d="M4 6h16M4 12h10M4 18h13" />
    </>
  ),
  designer: (
    <>
      <circle cx="5" cy="6" r="2.2" />
      <circle cx="5" cy="18" r="2.2" />
      <circle cx="19" cy="12" r="2.2" />
      <path d="M7.2 6.8 16.8 11M7.2 17.2l9.6-4.2" />
    </>
  ),
  traffic: (
    <>
      <path d="M4 8h15l-3.5-3.5M20 16H5l3.5 3.5" />
    </>
  ),
  dashboard: (
    <>
      <path d="M5 20v-7M12 20V5M19 20v-10M3 20h18" />
    </>
  ),
  history: (
    <>
      <circle cx="12" cy="12" r="8.5" />
      <path d="M12 7.5V12l3 2" />
    </>
  ),
  upstreams: (
    <>
      <rect x="4" y="4" width="16" height="6.5" rx="1.5" />
      <rect x="4" y="13.5" width="16" height="6.5" rx="1.5" />
      <path d="M8 7.25h.01M8 16.75h.01" />
    </>
  ),
  listeners: (
    <>
      <circle cx="12" cy="12" r="2" />
      <path d="M7.8 7.8a6 6 0 0 0 0 8.4M16.2 7.8a6 6 0 0 1 0 8.4M5 5a10 10 0 0 0 0 14M19 5a10 10 0 0 1 0 14" />
    </>
  ),
  export: (
    <>
      <path d="M12 15V4M7.5 8.5 12 4l4.5 4.5M4.5 14v5.5h15V14" />
    </>
  ),
  settings: (
    <>
      <path d="M4 6h9M17 6h3M4 12h3M11 12h9M4 18h11M19 18h1" />
      <circle cx="15" cy="6" r="2" />
      <circle cx="9" cy="12" r="2" />
      <circle cx="17" cy="18" r="2" />
    </>
  ),
};

export function Icon({ name, size = 18 }: { name: string; size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 24 24" fill="none" stroke="currentColor" strokeWidth="1.8" strokeLinecap="round" strokeLinejoin="round" aria-hidden>
      {PATHS[name] ?? <circle cx="12" cy="12" r="3" />}
    </svg>
  );
}
