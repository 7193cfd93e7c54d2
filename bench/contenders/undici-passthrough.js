// The leanest correct pass-through we could write: node:http server, one
// undici Pool per backend, round-robin, pool.stream() writing straight into
// the response. Hop-by-hop headers are dropped both ways; bodies stream.
import http from 'node:http';
import { Pool } from 'undici';
import { backendsFromArgv, listen, stripHopByHop } from './common.js';

const pools = backendsFromArgv().map((u) => new Pool(u.origin, { connections: 128 }));

let next = 0;
const server = http.createServer((req, res) => {
  const pool = pools[next];
  next = (next + 1) % pools.length;
  const hasBody = req.headers['content-length'] !== undefined || req.headers['transfer-encoding'] !== undefined;
  pool.stream(
    {
      method: req.method,
      path: req.url,
      headers: stripHopByHop(req.headers),
      body: hasBody ? req : null,
    },
    ({ statusCode, headers }) => {
      res.writeHead(statusCode, stripHopByHop(headers));
      return res;
    },
    (err) => {
      if (!err) return;
      if (!res.headersSent) {
        res.writeHead(502, { 'content-type': 'text/plain' });
        res.end('bad gateway\n');
      } else {
        res.destroy(err);
      }
    },
  );
});

listen(server);
