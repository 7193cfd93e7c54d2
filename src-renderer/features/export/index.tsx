import { ExportView } from './ExportView';

/** The running workspace translated to nginx, HAProxy, Caddy, Envoy, Traefik, Kong or Gateway API. */
export default function ExportRoute() {
  return <ExportView />;
}
