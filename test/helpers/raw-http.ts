import { connect, type Socket } from 'node:net';

/** What a raw request got back: the bytes received, the status line's code, and when the connection closed. */
export interface RawAnswer {
  readonly text: string;
  /** The status of the first answer, or undefined when none came. */
  readonly status: number | undefined;
  /** Milliseconds from connecting until the server closed the connection (or the wait ran out). */
  readonly ms: number;
  /** False when the wait ran out with the connection still open. */
  readonly closedByServer: boolean;
}

/**
 * Writes `text` (a request head, maybe part of a body) on a fresh connection to `url`'s host and
 * port and sends nothing more; resolves when the server closes the connection or after `waitMs`.
 * For the tests of what the server decides before a body arrives.
 */
export function rawRequest(
  url: string,
  text: string,
  waitMs = 3000,
  localAddress?: string,
): Promise<RawAnswer> {
  const u = new URL(url);
  return new Promise((resolve) => {
    const started = Date.now();
    let got = '';
    let byServer = true;
    const socket: Socket = connect({
      host: u.hostname.replace(/^\[|\]$/g, ''),
      port: Number(u.port),
      ...(localAddress ? { localAddress } : {}),
    });
    socket.on('data', (d: Buffer) => (got += d.toString('latin1')));
    socket.on('error', () => undefined); // a reset is one way of being cut
    const timer = setTimeout(() => {
      byServer = false;
      socket.destroy();
    }, waitMs);
    socket.once('close', () => {
      clearTimeout(timer);
      const m = /^HTTP\/1\.1 (\d{3})/.exec(got);
      resolve({
        text: got,
        status: m ? Number(m[1]) : undefined,
        ms: Date.now() - started,
        closedByServer: byServer,
      });
    });
    socket.write(text);
  });
}
