import type { LiveEvent } from '../../server/live-events';
import { authHeaders } from './api';

export type { LiveEvent };

/**
 * Follows `GET /api/events` with fetch (not EventSource, which cannot send the bearer token
 * without putting it in the URL) and calls `onEvent` for each event; reconnects after a drop.
 * `onOpen` is told each (re)connect, so a page re-reads what it may have missed. Returns a stop.
 */
export function followEvents(onEvent: (event: LiveEvent) => void, onOpen: () => void): () => void {
  let stopped = false;
  let controller: AbortController | undefined;
  const run = async () => {
    while (!stopped) {
      controller = new AbortController();
      try {
        const response = await fetch('/api/events', { headers: authHeaders(), signal: controller.signal });
        if (!response.ok || !response.body) throw new Error(`events: ${response.status}`);
        onOpen();
        await readStream(response.body, onEvent);
      } catch {
        // A dropped or refused stream is retried below; the page keeps what it shows.
      }
      if (!stopped) await new Promise((r) => setTimeout(r, 2000));
    }
  };
  void run();
  return () => {
    stopped = true;
    controller?.abort();
  };
}

async function readStream(body: ReadableStream<Uint8Array>, onEvent: (event: LiveEvent) => void) {
  const reader = body.getReader();
  const decoder = new TextDecoder();
  let buffer = '';
  for (;;) {
    const { value, done } = await reader.read();
    if (done) return;
    buffer += decoder.decode(value, { stream: true });
    let end: number;
    while ((end = buffer.indexOf('\n\n')) >= 0) {
      const block = buffer.slice(0, end);
      buffer = buffer.slice(end + 2);
      const data = block
        .split('\n')
        .filter((line) => line.startsWith('data: '))
        .map((line) => line.slice(6))
        .join('\n');
      if (data) onEvent(JSON.parse(data) as LiveEvent);
    }
  }
}
