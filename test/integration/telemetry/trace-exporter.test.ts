import { createServer, type Server } from 'node:http';
import { silentLog } from '../../../controller/log';
import type { AuditEntry } from '../../../controller/model';
import { TraceExporter } from '../../../controller/telemetry/trace-exporter';
import { freePort } from '../../helpers/net';

jest.setTimeout(30_000);

const SHA = 'b'.repeat(40);
const entry: AuditEntry = {
  id: 'e1',
  env: 'dev',
  trigger: 'poll',
  fromSha: null,
  toSha: SHA,
  author: 'Ada <ada@example.com>',
  message: 'm',
  committedAt: '2026-12-04T20:00:00.000Z',
  startedAt: '2026-12-04T20:00:00.000Z',
  finishedAt: '2026-12-04T20:00:01.000Z',
  outcome: 'succeeded',
  phases: [{ name: 'fetch', startedAt: '2026-12-04T20:00:00.000Z', durationMs: 10 }],
  changes: [],
};

/** A collector that takes requests and never answers (hung), on a real local port. */
async function hungCollector(port: number) {
  let requests = 0;
  const server: Server = createServer(() => (requests += 1));
  await new Promise<void>((r) => server.listen(port, '127.0.0.1', r));
  return {
    requests: () => requests,
    close: () => {
      server.closeAllConnections();
      return new Promise<void>((r) => server.close(() => r()));
    },
  };
}

/**
 * The exporter against collectors that fail it: a hung one and a closed port. The observer's calls
 * return at once (a reconcile never waits), each lost trace is counted once, and the bounded queue
 * drops what is past it instead of growing.
 */
describe('TraceExporter when the collector fails', () => {
  const audit = { list: async () => [], count: () => 0, get: async () => entry };

  it('never blocks the caller, times out a hung collector, and counts each dropped trace', async () => {
    const port = await freePort();
    const collector = await hungCollector(port);
    // Closed even when an expectation fails, so a failing run ends instead of hanging on the socket.
    try {
      let dropped = 0;
      const exporter = new TraceExporter({
        otlpEndpoint: `http://127.0.0.1:${port}`,
        audit,
        log: silentLog(),
        dropped: () => (dropped += 1),
        timeoutMs: 300,
        maxQueued: 2,
      });
      const started = Date.now();
      for (let i = 0; i < 5; i++) {
        exporter.started('dev', SHA, 'poll');
        exporter.finished('dev', SHA, 'poll', { outcome: 'succeeded', durationMs: 5, entryId: 'e1' });
      }
      expect(Date.now() - started).toBeLessThan(50);
      await exporter.idle();
      // one in flight + 2 queued time out; the other 2 found the queue full
      expect(dropped).toBe(5);
      expect(collector.requests()).toBe(3);
    } finally {
      await collector.close();
    }
  });

  it('drops (counted) a trace whose collector is not listening', async () => {
    const port = await freePort();
    let dropped = 0;
    const exporter = new TraceExporter({
      otlpEndpoint: `http://127.0.0.1:${port}`,
      audit,
      log: silentLog(),
      dropped: () => (dropped += 1),
    });
    exporter.finished('dev', SHA, 'poll', { outcome: 'succeeded', durationMs: 5, entryId: 'e1' });
    await exporter.idle();
    expect(dropped).toBe(1);
  });
});
