import { request } from 'node:http';
import { Writable } from 'node:stream';
import { createLog } from '../../../controller/log';
import { PROVIDERS, type ProviderName } from '../../../controller/server/webhooks/providers';
import { FakeController } from '../../helpers/fake-controller';
import { pushPayload, sign, SIGNATURE_HEADER } from '../../helpers/webhook-deliveries';
import { SECRET, startTestServer, type TestServer } from './test-server';

const NAMES = Object.keys(PROVIDERS) as ProviderName[];
let n = 0;
const id = () => `delivery-${process.pid}-${n++}`;
const counted = (provider: string, result: string) =>
  `cairn_webhook_requests_total{provider="${provider}",result="${result}"}`;

describe('webhooks over real HTTP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.server.close());

  it.each(NAMES)(
    '%s: a signed push to a tracked branch triggers that environment at once (202)',
    async (name) => {
      // Given prod tracks main; when the provider delivers a signed push to main
      const response = await t.post(
        `/hooks/${name}`,
        sign[name](pushPayload('main'), { secret: SECRET, delivery: id() }),
      );
      // Then prod alone is triggered, and the answer names it
      expect(response.status).toBe(202);
      expect(await response.json()).toEqual({ message: 'reconcile queued', environments: ['prod'] });
      expect(t.controller.triggers).toEqual([['prod', 'webhook']]);
      expect(await t.sample(counted(name, 'triggered'))).toBe(1);
    },
  );

  it.each(NAMES)('%s: a wrong secret gets 401 and triggers nothing', async (name) => {
    const response = await t.post(
      `/hooks/${name}`,
      sign[name](pushPayload('dev'), { secret: 'guessed', delivery: id() }),
    );
    expect(response.status).toBe(401);
    expect(t.controller.triggers).toEqual([]);
    expect(await t.sample(counted(name, 'unauthorized'))).toBe(1);
  });

  it.each(NAMES)('%s: a missing signature header gets 401 and triggers nothing', async (name) => {
    const { headers, body } = sign[name](pushPayload('dev'), { secret: SECRET, delivery: id() });
    const { [SIGNATURE_HEADER[name]]: _dropped, ...unsigned } = headers;
    const response = await t.post(`/hooks/${name}`, { headers: unsigned, body });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toMatch(/^missing X-/i);
    expect(t.controller.triggers).toEqual([]);
  });

  it.each(NAMES)('%s: a replayed delivery is acknowledged (200) and not acted on twice', async (name) => {
    const delivery = sign[name](pushPayload('dev'), { secret: SECRET, delivery: id() });
    expect((await t.post(`/hooks/${name}`, delivery)).status).toBe(202);
    expect((await t.post(`/hooks/${name}`, delivery)).status).toBe(200);
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
    expect(await t.sample(counted(name, 'duplicate'))).toBe(1);
  });

  it.each(NAMES)('%s: a push to an untracked branch is answered 202 and ignored', async (name) => {
    const response = await t.post(
      `/hooks/${name}`,
      sign[name](pushPayload('feature/x'), { secret: SECRET, delivery: id() }),
    );
    expect(response.status).toBe(202);
    expect(((await response.json()) as { message: string }).message).toContain(
      'no environment tracks branch feature/x',
    );
    expect(t.controller.triggers).toEqual([]);
  });

  it.each(NAMES)('%s: signed malformed JSON gets 400 and triggers nothing', async (name) => {
    const response = await t.post(
      `/hooks/${name}`,
      sign[name]('{"ref": "refs/heads/dev"', { secret: SECRET, delivery: id() }),
    );
    expect(response.status).toBe(400);
    expect(t.controller.triggers).toEqual([]);
  });

  it.each([
    ['github', 'issues'],
    ['gitlab', 'Tag Push Hook'],
    ['gitea', 'create'],
  ] as const)('%s: a signed %s event is answered 202 and ignored', async (name, event) => {
    const response = await t.post(
      `/hooks/${name}`,
      sign[name](pushPayload('dev'), { secret: SECRET, event, delivery: id() }),
    );
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([]);
  });

  it.each([
    ['github', 'ping'],
    ['generic', 'ping'],
  ] as const)('%s: a ping is answered 200', async (name, event) => {
    const response = await t.post(
      `/hooks/${name}`,
      sign[name]('{"zen":"Keep it logically awesome."}', { secret: SECRET, event }),
    );
    expect(response.status).toBe(200);
    expect(t.controller.triggers).toEqual([]);
  });

  it('a push to a branch two environments track triggers both', async () => {
    await t.server.close();
    t = await startTestServer({ controller: new FakeController({ a: 'shared', b: 'shared', c: 'other' }) });
    const response = await t.post(
      '/hooks/generic',
      sign.generic(JSON.stringify({ branch: 'shared' }), { secret: SECRET }),
    );
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([
      ['a', 'webhook'],
      ['b', 'webhook'],
    ]);
  });

  it('a GitHub form-encoded push is verified over the raw form and triggers', async () => {
    const body = `payload=${encodeURIComponent(pushPayload('dev'))}`;
    const signed = sign.github(body, { secret: SECRET, delivery: id() });
    const response = await t.post('/hooks/github', {
      body,
      headers: { ...signed.headers, 'content-type': 'application/x-www-form-urlencoded' },
    });
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
  });

  it('50 concurrent deliveries of one id trigger once; 50 distinct ids trigger 50 times', async () => {
    const same = sign.generic(pushPayload('dev'), { secret: SECRET, delivery: id() });
    const statuses = await Promise.all(
      Array.from({ length: 50 }, () => t.post('/hooks/generic', same).then((r) => r.status)),
    );
    expect(statuses.filter((s) => s === 202)).toHaveLength(1);
    expect(statuses.filter((s) => s === 200)).toHaveLength(49);
    await Promise.all(
      Array.from({ length: 50 }, () =>
        t.post('/hooks/generic', sign.generic(pushPayload('main'), { secret: SECRET, delivery: id() })),
      ),
    );
    expect(t.controller.triggers.filter(([env]) => env === 'dev')).toHaveLength(1);
    expect(t.controller.triggers.filter(([env]) => env === 'prod')).toHaveLength(50);
  });

  it('logs one JSON line per triggered environment with env, sha and trigger, and never a secret', async () => {
    // Given a server whose JSON log lines are captured
    await t.server.close();
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(...chunk.toString('utf8').split('\n').filter(Boolean));
        done();
      },
    });
    t = await startTestServer({ log: createLog({ destination }) });
    // When one good and one badly signed delivery arrive
    await t.post(
      '/hooks/github',
      sign.github(pushPayload('main', 'feedbeef'.repeat(5)), { secret: SECRET, delivery: id() }),
    );
    await t.post(
      '/hooks/gitlab',
      sign.gitlab(pushPayload('main'), { secret: `${SECRET}-wrong`, delivery: id() }),
    );
    // Then the accepted one names env, sha and trigger, the rejected one says why, and no line holds a secret
    const records = lines.map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(records).toEqual([
      expect.objectContaining({
        msg: 'reconcile requested',
        env: 'prod',
        sha: 'feedbeef'.repeat(5),
        trigger: 'webhook',
        provider: 'github',
      }),
      expect.objectContaining({
        msg: 'webhook rejected',
        provider: 'gitlab',
        reason: 'X-Gitlab-Token is not the shared secret',
      }),
    ]);
    expect(lines.join('\n')).not.toContain(SECRET);
  });

  it('a delivery whose trigger failed (500) is acted on when the provider retries it', async () => {
    // Given a controller whose first enqueue throws
    let failures = 1;
    const original = t.controller.trigger.bind(t.controller);
    t.controller.trigger = (env, why) => {
      if (failures-- > 0) throw new Error('queue closed');
      original(env, why);
    };
    const delivery = sign.gitea(pushPayload('dev'), { secret: SECRET, delivery: id() });
    // When the delivery fails and the provider retries it with the same id
    expect((await t.post('/hooks/gitea', delivery)).status).toBe(500);
    expect((await t.post('/hooks/gitea', delivery)).status).toBe(202);
    // Then the retry was not taken for a duplicate
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
  });

  it('an unknown provider is a JSON 404', async () => {
    const response = await t.post('/hooks/bitbucket', sign.generic(pushPayload('dev'), { secret: SECRET }));
    expect(response.status).toBe(404);
    expect(((await response.json()) as { message: string }).message).toContain(
      'no webhook provider "bitbucket"',
    );
    expect(t.controller.triggers).toEqual([]);
  });
});

describe('webhook body limits and set-up', () => {
  it.each([
    ['with a Content-Length', false],
    ['chunked, without a Content-Length', true],
  ])('a body over server.maxBodySize sent %s gets 413 and triggers nothing', async (_name, chunked) => {
    // Given a 4 KiB cap; when a correctly signed 5 KiB push arrives
    const t = await startTestServer({ config: { maxBodyBytes: 4096 } });
    try {
      const body = JSON.stringify({ ref: 'refs/heads/dev', pad: 'x'.repeat(5000) });
      const { headers } = sign.generic(body, { secret: SECRET, delivery: id() });
      const status = await rawPost(`${t.server.url}/hooks/generic`, headers, body, chunked);
      // Then it is refused before the handler runs
      expect(status).toBe(413);
      expect(t.controller.triggers).toEqual([]);
      expect(await t.sample(counted('generic', 'too-large'))).toBe(1);
    } finally {
      await t.server.close();
    }
  });

  it('the 413 answer names the config key that raises the limit', async () => {
    const t = await startTestServer({ config: { maxBodyBytes: 4096 } });
    try {
      const body = JSON.stringify({ ref: 'refs/heads/dev', pad: 'x'.repeat(5000) });
      const response = await t.post('/hooks/generic', sign.generic(body, { secret: SECRET, delivery: id() }));
      expect(response.status).toBe(413);
      expect(((await response.json()) as { message: string }).message).toBe(
        'the body is larger than 4096 bytes (the config key server.maxBodySize)',
      );
    } finally {
      await t.server.close();
    }
  });

  it('without server.webhookSecretEnv every delivery gets 503 and triggers nothing', async () => {
    const t = await startTestServer({ config: { webhookSecretEnv: undefined } });
    try {
      const response = await t.post('/hooks/github', sign.github(pushPayload('dev'), { secret: '' }));
      expect(response.status).toBe(503);
      expect(((await response.json()) as { message: string }).message).toContain('server.webhookSecretEnv');
      expect(t.controller.triggers).toEqual([]);
    } finally {
      await t.server.close();
    }
  });

  it.each([
    ['unset', {}],
    ['empty', { CAIRN_TEST_WEBHOOK_SECRET: '' }],
  ])('refuses to start when the webhook secret variable is %s', async (_name, env) => {
    await expect(startTestServer({ env: { ...env, CAIRN_TEST_API_TOKEN: 't' } })).rejects.toThrow(
      'server.webhookSecretEnv: environment variable CAIRN_TEST_WEBHOOK_SECRET is unset or empty',
    );
  });
});

/** A POST through node:http, optionally chunked (no Content-Length), returning the status. */
function rawPost(
  url: string,
  headers: Readonly<Record<string, string>>,
  body: string,
  chunked: boolean,
): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: 'POST',
        headers: chunked ? headers : { ...headers, 'content-length': Buffer.byteLength(body) },
      },
      (res) => {
        res.resume();
        resolve(res.statusCode ?? 0);
      },
    );
    // The server may answer and close before the whole body is written.
    req.on('error', (err: NodeJS.ErrnoException) =>
      err.code === 'EPIPE' || err.code === 'ECONNRESET' ? undefined : reject(err),
    );
    if (chunked) for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
    else req.write(body);
    req.end();
  });
}
