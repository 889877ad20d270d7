import type { IncomingMessage } from 'node:http';
import type { Readable } from 'node:stream';
import type { ServerLimits } from './connection-guard';

/** A body up to this size is always taken in; bigger ones share the buffered-bytes budget. */
export const SMALL_BODY_BYTES = 64 * 1024;

/** Why a body was not read; `status` is the answer, when the connection is still there to send it. */
export class BodyError extends Error {
  constructor(
    readonly statusCode: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The bytes of request bodies over SMALL_BODY_BYTES held at once, across every connection. A
 * flood of large bodies is then refused with 503 instead of each one being buffered: memory is
 * bounded by maxConnections × SMALL_BODY_BYTES plus this budget, whatever the number of clients.
 */
export class BodyBudget {
  private used = 0;

  constructor(private readonly capacity: number) {}

  /** Takes `bytes` from the budget, or returns false (taking nothing) when they do not fit. */
  take(bytes: number): boolean {
    if (bytes <= SMALL_BODY_BYTES) return true;
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back what `take(bytes)` took. */
  give(bytes: number): void {
    if (bytes > SMALL_BODY_BYTES) this.used -= bytes;
  }

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }
}

/**
 * Reads a request body into one Buffer under three limits: `maxBodyBytes` (413), the shared budget
 * (503), and `bodyTimeoutMs` from the moment the headers were in: a body not complete by then has
 * its connection destroyed, whatever trickle of bytes keeps it alive. Everything held is dropped
 * and given back on every way out (end, error, timeout, the client closing).
 */
export function readBody(
  raw: IncomingMessage,
  payload: Readable,
  limits: ServerLimits,
  budget: BodyBudget,
): Promise<Buffer> {
  const declared = Number(raw.headers['content-length'] ?? NaN);
  const known = Number.isSafeInteger(declared) && declared >= 0;
  if (known && declared > limits.maxBodyBytes)
    return Promise.reject(new BodyError(413, tooLargeMessage(limits.maxBodyBytes)));
  // A body of unknown length (chunked) may grow to the cap: reserve that much.
  const reserved = known ? declared : limits.maxBodyBytes;
  if (!budget.take(reserved))
    return Promise.reject(new BodyError(503, 'too many large bodies in flight; retry later'));
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let length = 0;
    let settled = false;
    const finish = (error: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      budget.give(reserved);
      chunks = [];
      payload.off('data', onData).off('end', onEnd).off('error', onError).off('close', onClose);
      if (error) {
        payload.resume(); // nothing more is buffered
        reject(error);
      } else resolve(body ?? Buffer.alloc(0));
    };
    const onData = (chunk: Buffer) => {
      length += chunk.length;
      if (length > limits.maxBodyBytes) {
        // Answered 413 with "Connection: close": Node drops the rest and closes after the answer.
        finish(new BodyError(413, tooLargeMessage(limits.maxBodyBytes)));
        return;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, Buffer.concat(chunks, length));
    const onError = (error: Error) => finish(error);
    const onClose = () =>
      finish(new BodyError(400, 'the client closed the connection before the body ended'));
    const timer = setTimeout(() => {
      finish(
        new BodyError(408, `the body did not arrive within ${limits.bodyTimeoutMs} ms (server.bodyTimeout)`),
      );
      raw.socket.destroy();
    }, limits.bodyTimeoutMs);
    payload.on('data', onData).on('end', onEnd).on('error', onError).on('close', onClose);
  });
}

/** The 413 answer: how large a body may be, and the config key that raises it. */
export function tooLargeMessage(maxBodyBytes: number): string {
  return `the body is larger than ${maxBodyBytes} bytes (the config key server.maxBodySize)`;
}
