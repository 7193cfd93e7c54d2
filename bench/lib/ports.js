// Free loopback ports: bind port 0, read the port back, close.
// There is a small race between closing and the real bind; on a quiet bench
// machine that is acceptable (the contender's own startup would fail loudly).
import net from 'node:net';

export function freePort(host = '127.0.0.1') {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.unref();
    srv.once('error', reject);
    srv.listen(0, host, () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

/** Distinct free ports (kept bound until all are chosen, so they differ). */
export async function freePorts(count, host = '127.0.0.1') {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const srv = net.createServer();
      await new Promise((resolve, reject) => {
        srv.once('error', reject);
        srv.listen(0, host, resolve);
      });
      servers.push(srv);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((r) => s.close(r))));
  }
}

function tryConnect(port, host) {
  return new Promise((resolve) => {
    const sock = net.connect({ port, host });
    const done = (ok) => {
      sock.destroy();
      resolve(ok);
    };
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
    sock.setTimeout(1000, () => done(false));
  });
}

/**
 * Poll until something accepts TCP connections on host:port.
 * `alive()` (optional) is checked between attempts so a process that died
 * during startup fails fast instead of waiting out the timeout.
 */
export async function waitForPort(port, { host = '127.0.0.1', timeoutMs = 20000, intervalMs = 100, alive } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await tryConnect(port, host)) return;
    if (alive) {
      const why = alive();
      if (why !== true) throw new Error(typeof why === 'string' ? why : 'process exited before listening');
    }
    if (Date.now() > deadline) throw new Error(`nothing listening on ${host}:${port} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}
