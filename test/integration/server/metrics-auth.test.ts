import { createServer } from '../../../controller/server/create-server';
import { Metrics, RENDER_INTERVAL_MS } from '../../../controller/server/metrics';
import { silentLog } from '../../../controller/log';
import { FakeController } from '../../helpers/fake-controller';
import { SECRET, startTestServer, type TestServer } from './test-server';

const READ = 'metrics-read-token-1234';
const SYNC = 'metrics-sync-token-5678';

const scrape = (t: TestServer, token?: string, path = '/metrics') =>
  fetch(
    `${t.server.url}${path}`,
    token === undefined ? {} : { headers: { authorization: `Bearer ${token}` } },
  );

/** `server.metricsAuth` against a real server: /metrics names every environment, so it can be closed. */
describe('/metrics with server.metricsAuth', () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer({
      config: {
        metricsAuth: true,
        apiTokenEnv: undefined,
        apiTokens: [
          { env: 'M_READ', scopes: ['read'] },
          { env: 'M_SYNC', scopes: ['sync'] },
        ],
      },
      env: { CAIRN_TEST_WEBHOOK_SECRET: SECRET, M_READ: READ, M_SYNC: SYNC },
    });
    // An environment label to look for: a reconcile of dev was observed
    t.metrics.observeReconcile('dev', 'succeeded', 1.5);
  });
  afterAll(() => t.server.close());

  it.each([
    ['no token', undefined, 401],
    ['a wrong token', 'guess', 401],
    ['a sync-only token', SYNC, 403],
  ])('refuses a scrape with %s (token %s: %i), naming no environment', async (_case, token, status) => {
    const response = await scrape(t, token);
    expect(response.status).toBe(status);
    expect(await response.text()).not.toContain('dev');
  });

  it.each(['/metrics?x=1', '/%6detrics', '/metrics/'])('refuses the same route spelled %s', async (path) => {
    const response = await scrape(t, undefined, path);
    expect([401, 404]).toContain(response.status);
    expect(await response.text()).not.toContain('cairn_reconcile');
  });

  it('serves a read token, with the environment in it', async () => {
    const response = await scrape(t, READ);
    expect(response.status).toBe(200);
    expect(await response.text()).toContain('env="dev"');
  });

  it('leaves /healthz and /readyz open', async () => {
    t.controller.isReady = true;
    expect((await scrape(t, undefined, '/healthz')).status).toBe(200);
    expect((await scrape(t, undefined, '/readyz')).status).toBe(200);
  });
});

describe('/metrics without server.metricsAuth (the default)', () => {
  it('stays open, as before', async () => {
    const t = await startTestServer();
    try {
      expect((await scrape(t)).status).toBe(200);
    } finally {
      await t.server.close();
    }
  });

  it('renders at most once per RENDER_INTERVAL_MS for a flood of scrapes, each answer holding every change made before it', async () => {
    // Found in review: every unauthenticated scrape rendered the registry anew (53 ms and 3 MB with
    // 100 environments) and each answer kept its own copy until its client read it.
    const t = await startTestServer();
    try {
      const renders = jest.spyOn(t.metrics.registry, 'metrics');
      // When 200 scrapes arrive at once
      const started = performance.now();
      const answers = await Promise.all(Array.from({ length: 200 }, () => scrape(t)));
      const tookMs = performance.now() - started;
      expect(new Set(answers.map((a) => a.status))).toEqual(new Set([200]));
      // Then the registry was rendered at most once per interval the flood lasted (once or twice
      // on a quiet machine; CI's busy one once took three intervals), not 200 times
      expect(renders.mock.calls.length).toBeLessThanOrEqual(1 + Math.ceil(tookMs / RENDER_INTERVAL_MS));
      // and a change made just before a scrape is in its answer
      t.metrics.incWebhook('github', 'ping');
      expect(await (await scrape(t)).text()).toContain(
        'cairn_webhook_requests_total{provider="github",result="ping"} 1',
      );
    } finally {
      await t.server.close();
    }
  });

  it('refuses to start with metricsAuth and no API token, naming the field', async () => {
    await expect(
      createServer({
        controller: new FakeController(),
        metrics: new Metrics(),
        log: silentLog(),
        config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, metricsAuth: true },
        env: {},
      }),
    ).rejects.toMatchObject({ code: 'server.metrics-auth', subject: 'server.metricsAuth' });
  });
});
