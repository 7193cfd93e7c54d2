// Shared bits of the Node contenders: argv, listening, reporting the port,
// and exiting when the harness goes away (its pipe on our stdin closes).
//
// Usage of every contender: node <file> <backend-url> [<backend-url> …]
// Listens on 127.0.0.1:<BENCH_PORT or 0> and prints {"port":N} on stdout.
import fs from 'node:fs';

export function backendsFromArgv() {
  const urls = process.argv.slice(2);
  if (urls.length === 0) {
    process.stderr.write(`usage: node ${process.argv[1]} http://127.0.0.1:PORT [more backends…]\n`);
    process.exit(2);
  }
  return urls.map((u) => new URL(u));
}

function stdinIsPipe() {
  try {
    return fs.fstatSync(0).isFIFO();
  } catch {
    return false;
  }
}

export function listen(server) {
  const port = Number(process.env.BENCH_PORT ?? 0);
  server.listen(port, '127.0.0.1', () => {
    process.stdout.write(JSON.stringify({ port: server.address().port }) + '\n');
  });
  // Die with the harness: it keeps a pipe on our stdin (only then: run by
  // hand, stdin is a terminal or /dev/null and must not end the server).
  if (stdinIsPipe()) {
    process.stdin.on('end', () => process.exit(0));
    process.stdin.on('error', () => process.exit(0));
    process.stdin.resume();
  }
  process.on('SIGTERM', () => process.exit(0));
}

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'transfer-encoding',
  'te',
  'trailer',
  'upgrade',
]);

/** Copy of headers without hop-by-hop fields (incl. those named in Connection). */
export function stripHopByHop(headers) {
  const out = {};
  let named = null;
  const conn = headers.connection;
  if (conn) named = new Set(String(conn).toLowerCase().split(',').map((s) => s.trim()));
  for (const key in headers) {
    if (HOP_BY_HOP.has(key) || (named && named.has(key))) continue;
    out[key] = headers[key];
  }
  return out;
}
