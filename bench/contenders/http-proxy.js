// node-http-proxy with a keep-alive agent, round-robin over the backends.
import http from 'node:http';
import httpProxy from 'http-proxy';
import { backendsFromArgv, listen } from './common.js';

const targets = backendsFromArgv().map((u) => u.origin);
const agent = new http.Agent({ keepAlive: true, maxSockets: 128 });
const proxy = httpProxy.createProxyServer({ agent });

proxy.on('error', (err, req, res) => {
  if (res && typeof res.writeHead === 'function' && !res.headersSent) {
    res.writeHead(502, { 'content-type': 'text/plain' });
    res.end('bad gateway\n');
  } else if (res) {
    res.destroy();
  }
});

let next = 0;
const server = http.createServer((req, res) => {
  const target = targets[next];
  next = (next + 1) % targets.length;
  proxy.web(req, res, { target });
});

listen(server);
