/**
 * While an upgrade waits for the upstream's answer, the client is read: a
 * paused socket never sees its end, and a client gone by then would leave the
 * upstream side open (holding its target) until the upstream gives up. When
 * it goes, `onGone` runs once. Bytes it sends early are kept, up to
 * MAX_EARLY_BYTES (then reading pauses), to be passed on after the upgrade.
 */
import type { Duplex } from 'node:stream';

const MAX_EARLY_BYTES = 64 * 1024;

export interface UpgradeWait {
  /** The upstream answered: stop watching, pause the client, and take what it sent meanwhile. */
  answered(): Buffer[];
}

export function waitForUpgradeAnswer(client: Duplex, onGone: () => void): UpgradeWait {
  const early: Buffer[] = [];
  let earlyBytes = 0;
  const keep = (c: Buffer): void => {
    early.push(c);
    earlyBytes += c.length;
    if (earlyBytes >= MAX_EARLY_BYTES) client.pause();
  };
  let gone = false;
  const leave = (): void => {
    if (gone) return;
    gone = true;
    onGone();
  };
  client.on('data', keep);
  // Server sockets allow half-open connections: a client's FIN is an 'end' without a 'close'.
  client.once('end', leave).once('close', leave);
  // node hands the socket of an upgrade over paused.
  client.resume();
  return {
    answered() {
      client.off('data', keep);
      client.off('end', leave).off('close', leave);
      client.pause();
      return early;
    },
  };
}
