import { PassThrough } from 'node:stream';
import { createLog } from '../../../controller/log';
import { startTestServer, type TestServer } from './test-server';

/**
 * Anyone can send a signature header with any value: each such delivery is refused (401) and
 * counted, but only one warn line per interval is written (with the count), so a flood of bogus
 * deliveries is no flood of log lines.
 */
describe('wrongly signed deliveries', () => {
  let t: TestServer;
  afterEach(() => t?.server.close());

  it('write one warn line per interval, and the metric counts every one', async () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new PassThrough();
    destination.on('data', (d: Buffer) =>
      d
        .toString()
        .split('\n')
        .filter(Boolean)
        .forEach((l) => lines.push(JSON.parse(l) as Record<string, unknown>)),
    );
    t = await startTestServer({ log: createLog({ destination, level: 'info' }) });
    const statuses = await Promise.all(
      Array.from({ length: 200 }, () =>
        fetch(`${t.server.url}/hooks/github`, {
          method: 'POST',
          headers: { 'x-hub-signature-256': 'sha256=00', 'content-type': 'application/json' },
          body: '{}',
        }).then((r) => r.status),
      ),
    );
    expect(new Set(statuses)).toEqual(new Set([401]));
    await new Promise((r) => setTimeout(r, 100));
    const rejected = lines.filter((l) => l.msg === 'webhook rejected');
    expect(rejected).toEqual([expect.objectContaining({ level: 40, provider: 'github', rejected: 1 })]);
    expect(await t.sample('cairn_webhook_requests_total{provider="github",result="unauthorized"}')).toBe(200);
  });
});
