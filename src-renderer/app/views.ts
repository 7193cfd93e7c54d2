/**
 * The view registry: the navigation, the Ctrl/Cmd+1..9 shortcuts, the URL
 * hash (#/designer) and the help overlay all come from this list.
 *
 * Adding a view = one folder `src-renderer/features/<view>/` whose index.tsx
 * default-exports the view component, plus one entry here. Views load lazily
 * (each is its own chunk), so a heavy view (Monaco, charts) costs nothing
 * until it is opened.
 */
import type { ComponentType } from 'react';

export interface ViewDefinition {
  id: string;
  title: string;
  /** One line, shown in the nav tooltip and on placeholders. */
  description: string;
  /** Icon name in app/icons.tsx (usually the view id). */
  icon: string;
  load: () => Promise<{ default: ComponentType }>;
}

export const VIEWS = [
  {
    id: 'routes',
    title: 'Routes',
    icon: 'routes',
    description: 'Edit the workspace YAML with schema completion, validate it and apply it atomically.',
    load: () => import('../features/routes-editor'),
  },
  {
    id: 'designer',
    title: 'Designer',
    icon: 'designer',
    description: 'The workspace as a picture: listeners → routes → policies → upstreams → targets, editable through forms.',
    load: () => import('../features/designer'),
  },
  {
    id: 'traffic',
    title: 'Traffic',
    icon: 'traffic',
    description: 'Live inspector: every exchange as it happens, with headers, bodies, timings and replay.',
    load: () => import('../features/traffic'),
  },
  {
    id: 'dashboard',
    title: 'Dashboard',
    icon: 'dashboard',
    description: 'Requests per second, latency percentiles, status classes and traffic share per target.',
    load: () => import('../features/dashboard'),
  },
  {
    id: 'history',
    title: 'History',
    icon: 'history',
    description: 'Search the stored exchanges, open any of them, import and export HAR.',
    load: () => import('../features/history'),
  },
  {
    id: 'upstreams',
    title: 'Upstreams',
    icon: 'upstreams',
    description: "Each target's health, in-flight requests and error rate; drain or re-enable by hand.",
    load: () => import('../features/upstreams'),
  },
  {
    id: 'listeners',
    title: 'Listeners',
    icon: 'listeners',
    description: 'Addresses, reverse or forward mode, TLS, and how to point a client at a forward proxy.',
    load: () => import('../features/listeners'),
  },
  {
    id: 'export',
    title: 'Export',
    icon: 'export',
    description: 'Translate the workspace to nginx, HAProxy, Caddy, Envoy, Traefik, Kong or Gateway API.',
    load: () => import('../features/export'),
  },
  {
    id: 'settings',
    title: 'Settings',
    icon: 'settings',
    description: 'Theme, version and data directory, history statistics and the local CA.',
    load: () => import('../features/settings'),
  },
] as const satisfies readonly ViewDefinition[];

export type ViewId = (typeof VIEWS)[number]['id'];

export const DEFAULT_VIEW: ViewId = 'routes';

export function isViewId(value: string): value is ViewId {
  return VIEWS.some((v) => v.id === value);
}

export function viewById(id: ViewId): ViewDefinition {
  return VIEWS.find((v) => v.id === id)!;
}

/** `#/designer` → 'designer'; anything else → null. */
export function viewFromHash(hash: string): ViewId | null {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return isViewId(id) ? id : null;
}
