import { createHmac } from 'node:crypto';
import { silentLog } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { FakeController } from '../../helpers/fake-controller';

const SECRET = 'webhook-secret';
const TOKEN = 'api-token';
const hmac = (body: string, secret = SECRET) => createHmac('sha256', secret).update(body).digest('hex');
const push = (branch: string) => JSON.stringify({ ref: `refs/heads/${branch}`, after: 'abc' });

/** Signed requests in each provider's documented scheme. */
const signed: Record<string, (body: string, delivery: string, secret?: string) => Record<string, string>> = {
  github: (b, d, s) => ({
    'x-hub-signature-256': `sha256=${hmac(b, s)}`,
    'x-github-event': 'push',
    'x-github-delivery': d,
  }),
  gitlab: (_b, d, s) => ({
    'x-gitlab-token': s ?? SECRET,
    'x-gitlab-event': 'Push Hook',
    'x-gitlab-event-uuid': d,
  }),
  gitea: (b, d, s) => ({ 'x-gitea-signature': hmac(b, s), 'x-gitea-event': 'push', 'x-gitea-delivery': d }),
  generic: (b, d, s) => ({ 'x-cairn-signature': `sha256=${hmac(b, s)}`, 'x-cairn-delivery': d }),
};

describe('the HTTP server', () => {
  let server: RunningServer;
  let controller: FakeController;
  let metrics: Metrics;
  let n = 0;

  beforeEach(async () => {
    controller = new FakeController();
    metrics = new Metrics();
    server = await createServer({
      controller,
      metrics,
      log: silentLog(),
      config: { port: 0, host: '127.0.0.1', maxBodyBytes: 4096, webhookSecretEnv: 'S', apiTokenEnv: 'T' },
      env: { S: SECRET, T: TOKEN },
    });
  });
  afterEach(() => server.close());

  const post = (path: string, body: string, headers: Record<string, string>) =>
    fetch(`${server.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body,
    });

  it.each(Object.keys(signed))(
    '%s: a signed push to a tracked branch triggers its environment at once (202)',
    async (provider) => {
      const body = push('main');
      const response = await post(`/hooks/${provider}`, body, signed[provider]!(body, `d-${n++}`));
      expect(response.status).toBe(202);
      expect(controller.triggers).toEqual([['prod', 'webhook']]);
    },
  );

  it.each(Object.keys(signed))('%s: a wrong secret gets 401 and triggers nothing', async (provider) => {
    const body = push('dev');
    const response = await post(`/hooks/${provider}`, body, signed[provider]!(body, `d-${n++}`, 'wrong'));
    expect(response.status).toBe(401);
    expect(controller.triggers).toEqual([]);
  });

  it.each([
    ['a missing signature', () => ({ status: 401, headers: { 'x-github-event': 'push' } })],
    [
      'a body signed before it was changed',
      () => ({ status: 401, headers: signed.github!(push('prod'), 'x') }),
    ],
  ])('github: %s gets 401', async (_name, make) => {
    const { status, headers } = make();
    expect((await post('/hooks/github', push('dev'), headers)).status).toBe(status);
    expect(controller.triggers).toEqual([]);
  });

  it('acknowledges a replayed delivery without acting twice', async () => {
    const body = push('dev');
    const headers = signed.generic!(body, 'same-id');
    expect((await post('/hooks/generic', body, headers)).status).toBe(202);
    expect((await post('/hooks/generic', body, headers)).status).toBe(200);
    expect(controller.triggers).toEqual([['dev', 'webhook']]);
  });

  it('answers 413 to a body over the cap and triggers nothing', async () => {
    const body = JSON.stringify({ ref: 'refs/heads/dev', pad: 'x'.repeat(5000) });
    expect((await post('/hooks/generic', body, signed.generic!(body, 'big'))).status).toBe(413);
    expect(controller.triggers).toEqual([]);
  });

  it.each([
    ['an unknown branch', push('feature/x'), 202],
    ['a tag push', JSON.stringify({ ref: 'refs/tags/v1' }), 202],
    ['malformed JSON', '{"ref": ', 400],
  ])('answers %s with the right status and triggers nothing', async (_name, body, status) => {
    expect((await post('/hooks/generic', body, signed.generic!(body, `d-${n++}`))).status).toBe(status);
    expect(controller.triggers).toEqual([]);
  });

  it('answers a GitHub ping with 200', async () => {
    const body = '{"zen":"hi"}';
    const response = await post('/hooks/github', body, {
      ...signed.github!(body, 'p'),
      'x-github-event': 'ping',
    });
    expect(response.status).toBe(200);
  });

  it('requires the bearer token to trigger a sync through the API', async () => {
    expect((await post('/api/environments/dev/sync', '', {})).status).toBe(401);
    expect((await post('/api/environments/dev/sync', '', { authorization: 'Bearer nope' })).status).toBe(401);
    expect((await post('/api/environments/dev/sync', '', { authorization: `Bearer ${TOKEN}` })).status).toBe(
      202,
    );
    expect(controller.triggers).toEqual([['dev', 'manual']]);
  });

  it('serves environments, health, readiness, metrics and JSON 404s', async () => {
    const envs = (await (await fetch(`${server.url}/api/environments`)).json()) as {
      environments: { name: string }[];
    };
    expect(envs.environments.map((e) => e.name)).toEqual(['dev', 'prod']);
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    controller.isReady = false;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(503);
    metrics.observeReconcile('dev', 'succeeded', 1500);
    const text = await (await fetch(`${server.url}/metrics`)).text();
    expect(text).toContain(
      'cairn_reconcile_duration_seconds_count{env="dev",phase="total",outcome="succeeded"} 1',
    );
    const missing = await fetch(`${server.url}/nope`);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { message: string }).message).toBe('no route GET /nope');
  });

  it('refuses to start when the webhook secret variable is empty', async () => {
    await expect(
      createServer({
        controller,
        metrics,
        log: silentLog(),
        config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1024, webhookSecretEnv: 'EMPTY' },
        env: {},
      }),
    ).rejects.toThrow('server.webhookSecretEnv: environment variable EMPTY is empty');
  });
});
