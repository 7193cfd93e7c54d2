/**
 * The upload of a request the gateway answered itself (a policy's 401 or 429,
 * a fixed response, a 404, a target that refused the connection) is never read
 * by the pipeline, and node would discard it once the answer is sent. While
 * capturing, it is read into the exchange's body collector instead (bounded by
 * the capture cap, the rest only counted), so history shows what the client
 * sent and replay can send it again. The record waits for it.
 */
import type { Exchange } from '../pipeline/exchange.js';

/** Starts reading an upload nothing read; resolves once it ended or the client left. Null when there is none. */
export function collectUnreadUpload(ex: Exchange): Promise<void> | null {
  const { req, requestBody: collector } = ex;
  // readableFlowing stays null until something pipes, resumes or iterates the request.
  if (collector === null || req.readableFlowing !== null || req.readableEnded || req.destroyed || !ex.hasBody) return null;
  // 100 Continue goes out on the first read (expect-continue.ts), so none went out: the client sends no body.
  if (req.headers.expect !== undefined) return null;
  return new Promise((resolve) => {
    // Once the answer is finished node forgets the request: a connection that dies later closes only the socket.
    const socket = req.socket as typeof req.socket | null;
    const done = (): void => {
      req.off('end', done);
      req.off('close', done);
      socket?.off('close', done);
      resolve();
    };
    req.on('end', done);
    req.on('close', done);
    socket?.on('close', done);
    // A 'data' listener resumes the request at once, so node does not dump it when the answer finishes.
    req.on('data', (chunk: Buffer) => {
      ex.bytesIn += chunk.length;
      collector.add(chunk);
    });
  });
}
