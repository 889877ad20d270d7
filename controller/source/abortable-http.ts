import type { GitHttpResponse, HttpClient } from 'isomorphic-git';

/** Rejects with `signal`'s reason once it is aborted (never resolves). */
function abortion(signal: AbortSignal): Promise<never> {
  const aborted = new Promise<never>((_, reject) => {
    if (signal.aborted) reject(signal.reason as Error);
    signal.addEventListener('abort', () => reject(signal.reason as Error), { once: true });
  });
  aborted.catch(() => undefined);
  return aborted;
}

/** `body` until `signal` is aborted: the wait for the next chunk ends then, and the stream is closed. */
async function* untilAborted(
  body: AsyncIterableIterator<Uint8Array>,
  aborted: Promise<never>,
): AsyncIterableIterator<Uint8Array> {
  try {
    for (;;) {
      const next = await Promise.race([body.next(), aborted]);
      if (next.done) return;
      yield next.value;
    }
  } finally {
    // Closes the response stream (and its socket) rather than leave it waiting for the server.
    void body.return?.();
  }
}

/**
 * Wraps isomorphic-git's HTTP client so that its requests stop once `signal` is aborted (a pull
 * request's plan past its deadline): a request waiting for its answer, or a transfer waiting for
 * its next chunk, rejects at once, and what the server still sends is closed. A fetch into the
 * cache stopped this way writes no ref: isomorphic-git writes the pack's objects, then its refs.
 */
export function abortableHttp(inner: HttpClient, signal: AbortSignal): HttpClient {
  return {
    async request(request): Promise<GitHttpResponse> {
      const aborted = abortion(signal);
      // The request itself carries the signal too: node's client then closes its connection,
      // whether the answer has come or not (a stalled remote's included).
      const answer = inner.request({ ...request, signal });
      // An answer that arrives after the abort is not read: its stream is closed.
      answer.then(
        (late) => signal.aborted && void late.body?.return?.(),
        () => undefined,
      );
      const response = await Promise.race([answer, aborted]);
      return response.body ? { ...response, body: untilAborted(response.body, aborted) } : response;
    },
  };
}
