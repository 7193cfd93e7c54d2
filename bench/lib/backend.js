// The nginx backend every proxy suite puts its contenders in front of: two
// servers (bench/nginx/backend.conf) answering every request with `body`.
import path from 'node:path';
import { startNginx } from './nginx.js';

/** A body of `size` bytes ending in a newline: printable, no quotes or backslashes (it is pasted into an nginx string). */
export function makeBody(size) {
  const line = 'switchyard-bench-0123456789abcdefghijklmnopqrstuvwxyz-';
  let s = '';
  while (s.length < size - 1) s += line;
  return s.slice(0, size - 1) + '\n';
}

/** Starts the backend on the two `ports`; resolves the nginx process once both accept connections. */
export function startBackend(tmpDir, ports, body) {
  return startNginx({
    template: 'backend.conf',
    prefix: path.join(tmpDir, 'nginx-backend'),
    vars: { PORT_A: ports[0], PORT_B: ports[1], BODY: body },
    waitPorts: ports,
    name: 'backend nginx',
  });
}

/** Workspace YAML lines: an `upstreams:` section with `backends`, round-robin over the backend `ports`. */
export function backendsUpstream(ports) {
  return ['upstreams:', '  backends:', '    balancer: round-robin', '    targets:', ...ports.map((p) => `      - { url: http://127.0.0.1:${p} }`)];
}
