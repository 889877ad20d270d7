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
 * Bytes are charged as they arrive, never by what a Content-Length announces: a client that
 * announces a megabyte and sends nothing holds nothing of the budget.
 */
export class BodyBudget {
  private used = 0;

  constructor(private readonly capacity: number) {}

  /** Takes `bytes` from the budget, or returns false (taking nothing) when they do not fit. */
  take(bytes: number): boolean {
    if (this.used + bytes > this.capacity) return false;
    this.used += bytes;
    return true;
  }

  /** Gives back what `take(bytes)` took. */
  give(bytes: number): void {
    this.used -= bytes;
  }

  /** Whether `bytes` more would fit now (taking nothing). */
  fits(bytes: number): boolean {
    return this.used + bytes <= this.capacity;
  }

  /** Bytes held now. */
  get held(): number {
    return this.used;
  }
}

const BUSY = 'too many large bodies in flight; retry later';

/**
 * Reads a request body into one Buffer under three limits: `maxBodyBytes` (413), the shared budget
 * (503), and `bodyTimeoutMs` from the moment the headers were in: a body not complete by then has
 * its connection destroyed, whatever trickle of bytes keeps it alive. A body counts against the
 * budget once it is larger than SMALL_BODY_BYTES, with the bytes received so far (then each
 * further chunk as it arrives); one announced larger than what is left is refused at once.
 * Everything held is dropped and given back on every way out (end, error, timeout, the client closing).
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
  // Refused at once when it could not fit now; nothing is reserved by the announcement.
  if (known && declared > SMALL_BODY_BYTES && !budget.fits(declared))
    return Promise.reject(new BodyError(503, BUSY));
  return new Promise<Buffer>((resolve, reject) => {
    let chunks: Buffer[] = [];
    let length = 0;
    let charged = 0;
    let settled = false;
    const finish = (error: Error | undefined, body?: Buffer) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      budget.give(charged);
      charged = 0;
      chunks = [];
      payload.off('data', onData).off('end', onEnd).off('error', gone).off('close', gone);
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
      if (length > SMALL_BODY_BYTES) {
        // Everything held of a large body counts, charged as it arrives.
        if (!budget.take(length - charged)) {
          finish(new BodyError(503, BUSY));
          return;
        }
        charged = length;
      }
      chunks.push(chunk);
    };
    const onEnd = () => finish(undefined, Buffer.concat(chunks, length));
    // The request stream fails only through its client (Node's `aborted`, a reset mid-body), so
    // it is the client's error, never the server's: passed on as is it was a 500, logged at error
    // with its URL. Found in review: any unauthenticated client that reset its connection mid-body
    // wrote one error line of up to 16 KiB (the URL it chose) per connection.
    const gone = () => finish(new BodyError(400, 'the client closed the connection before the body ended'));
    const timer = setTimeout(() => {
      finish(
        new BodyError(408, `the body did not arrive within ${limits.bodyTimeoutMs} ms (server.bodyTimeout)`),
      );
      raw.socket.destroy();
    }, limits.bodyTimeoutMs);
    payload.on('data', onData).on('end', onEnd).on('error', gone).on('close', gone);
  });
}

/** Whether a request announces a body: a Content-Length over 0, or any Transfer-Encoding (chunked). */
export function carriesBody(raw: IncomingMessage): boolean {
  return raw.headers['transfer-encoding'] !== undefined || Number(raw.headers['content-length'] ?? 0) > 0;
}

/** The 413 answer: how large a body may be, and the config key that raises it. */
export function tooLargeMessage(maxBodyBytes: number): string {
  return `the body is larger than ${maxBodyBytes} bytes (the config key server.maxBodySize)`;
}
