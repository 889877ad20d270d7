import { silentLog } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { MAX_REVERTS_AT_ONCE } from '../../../controller/server/ui-api-routes';
import { FakeController } from '../../helpers/fake-controller';
import { TOKEN } from './test-server';

/**
 * `POST /api/environments/:env/revert` opens a pull request or a commit, which may take longer
 * than the connection guard lets an idle connection live: the answer still arrives. Reverts run
 * MAX_REVERTS_AT_ONCE at a time; one more is answered 503 at once, not queued.
 */
describe('reverts from the API', () => {
  let server: RunningServer;
  let running = 0;
  let most = 0;
  let release: () => void = () => undefined;
  let gate: Promise<void> = Promise.resolve();

  beforeAll(async () => {
    server = await createServer({
      controller: new FakeController({ dev: 'dev' }),
      metrics: new Metrics(),
      log: silentLog(),
      config: {
        port: 0,
        host: '127.0.0.1',
        maxBodyBytes: 1 << 20,
        apiTokenEnv: 'T',
        headersTimeoutMs: 500,
        bodyTimeoutMs: 500,
        maxConnectionsPerClient: 1000,
      },
      env: { T: TOKEN },
      ui: {
        revert: {
          propose: async () => {
            running += 1;
            most = Math.max(most, running);
            await gate;
            running -= 1;
            return { sha: 'a'.repeat(40) };
          },
        },
      },
    });
  });
  afterAll(() => server.close());

  const revert = () =>
    fetch(`${server.url}/api/environments/dev/revert`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ entry: 'abcd1234' }),
    });

  it('answers a revert slower than headers + body timeout (2.5 s against 1 s)', async () => {
    gate = new Promise((r) => setTimeout(r, 2500));
    const res = await revert();
    expect(res.status).toBe(201);
  }, 10_000);

  it('runs MAX_REVERTS_AT_ONCE at a time and answers the others 503 at once', async () => {
    gate = new Promise((r) => (release = r));
    most = 0;
    const slow = Array.from({ length: MAX_REVERTS_AT_ONCE }, () => revert());
    await new Promise((r) => setTimeout(r, 100));
    const busy = await Promise.all(Array.from({ length: 20 }, () => revert()));
    for (const b of busy) expect(b.status).toBe(503);
    expect(((await busy[0]!.json()) as { message: string }).message).toMatch(/reverts? .*at once/);
    release();
    for (const s of await Promise.all(slow)) expect(s.status).toBe(201);
    expect(most).toBe(MAX_REVERTS_AT_ONCE);
    // and once they are done, a revert is taken again
    expect((await revert()).status).toBe(201);
  }, 10_000);
});
