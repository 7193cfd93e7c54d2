// One plain GET before benchmarking a contender, so a proxy that answers
// 404/502 (or the wrong body) is reported as broken instead of "fast".
import http from 'node:http';

export function getOnce(url, { timeoutMs = 5000 } = {}) {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false, timeout: timeoutMs }, (res) => {
      const chunks = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks) }));
      res.on('error', reject);
    });
    req.on('timeout', () => req.destroy(new Error(`no answer from ${url} within ${timeoutMs} ms`)));
    req.on('error', reject);
  });
}

/** Throws unless url answers 200 with exactly expectedBody. */
export async function expectBody(url, expectedBody) {
  const { status, body } = await getOnce(url);
  if (status !== 200) {
    const preview = body.toString('utf8', 0, 300).trim();
    throw new Error(`GET ${url} answered ${status}${preview ? `: ${preview}` : ''}`);
  }
  if (!body.equals(Buffer.from(expectedBody))) {
    throw new Error(`GET ${url}: body differs from the backend's (${body.length} bytes, expected ${expectedBody.length})`);
  }
}

/** One GET with `headers`; resolves status, headers and the body as text. */
export function get(url, headers = {}) {
  return new Promise((resolve, reject) => {
    http
      .get(url, { headers, agent: false, timeout: 5000 }, (res) => {
        const chunks = [];
        res.on('data', (c) => chunks.push(c));
        res.on('end', () => resolve({ status: res.statusCode, headers: res.headers, body: Buffer.concat(chunks).toString() }));
      })
      .on('error', reject);
  });
}
