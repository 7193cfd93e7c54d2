/** An interactive raw TCP client: write bytes, wait for what has arrived to satisfy a check, see whether the peer closed. */
import net from 'node:net';

export interface RawConnection {
  write(bytes: string | Buffer): void;
  /** Everything received so far. */
  readonly received: Buffer;
  /** Resolves with everything received once `check` holds (rejects after `timeoutMs`). */
  waitFor(check: (data: Buffer) => boolean, timeoutMs?: number): Promise<Buffer>;
  /** Resolves true when the peer closes within `timeoutMs`, false otherwise. */
  closed(timeoutMs?: number): Promise<boolean>;
  destroy(): void;
}

export function openRaw(port: number): Promise<RawConnection> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let received = Buffer.alloc(0);
    let ended = false;
    const listeners = new Set<() => void>();
    const notify = () => {
      for (const l of [...listeners]) l();
    };
    socket.on('data', (c: Buffer) => {
      received = Buffer.concat([received, c]);
      notify();
    });
    socket.on('close', () => {
      ended = true;
      notify();
    });
    socket.on('error', () => undefined);
    socket.once('connect', () =>
      resolve({
        write: (bytes) => void socket.write(bytes),
        get received() {
          return received;
        },
        waitFor(check, timeoutMs = 3000) {
          return new Promise((res, rej) => {
            const test = () => {
              if (check(received)) {
                done();
                res(received);
              } else if (ended) {
                done();
                rej(new Error(`connection closed; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
              }
            };
            const timer = setTimeout(() => {
              done();
              rej(new Error(`timed out; received ${JSON.stringify(received.toString('latin1').slice(0, 300))}`));
            }, timeoutMs);
            const done = () => {
              clearTimeout(timer);
              listeners.delete(test);
            };
            listeners.add(test);
            test();
          });
        },
        closed(timeoutMs = 3000) {
          return new Promise((res) => {
            if (ended) return res(true);
            const timer = setTimeout(() => {
              listeners.delete(test);
              res(false);
            }, timeoutMs);
            const test = () => {
              if (!ended) return;
              clearTimeout(timer);
              listeners.delete(test);
              res(true);
            };
            listeners.add(test);
          });
        },
        destroy: () => socket.destroy(),
      }),
    );
    socket.once('error', reject);
  });
}
