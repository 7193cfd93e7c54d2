/**
 * `Expect: 100-continue` answered the way nginx does: `100 Continue` goes out
 * only when something starts reading the body (the upstream call, a policy).
 * A request answered without its body (413, 401, a fixed route, 404) gets its
 * final status instead, and the client never uploads a body nobody reads;
 * node then closes the connection after that answer, so the framing of the
 * unsent body cannot go wrong. Listeners call this from 'checkContinue'.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Http2ServerRequest, Http2ServerResponse } from 'node:http2';

export function continueOnFirstRead(req: IncomingMessage | Http2ServerRequest, res: ServerResponse | Http2ServerResponse): void {
  const read = req._read;
  req._read = function firstRead(size: number) {
    req._read = read;
    if (!res.headersSent && !res.writableEnded) res.writeContinue();
    read.call(this, size);
  };
}
