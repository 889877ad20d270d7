import { createHmac, randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer as createNetServer } from 'node:net';
import { PassThrough } from 'node:stream';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLog, silentLog, type Log } from '../../../controller/log';
import { CairnError } from '../../../controller/model/errors';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import {
  HANDOFF_PATH,
  HANDOFF_SIGNATURE,
  loadHandoffKey,
  type HandoffKeySource,
  signHandoff,
} from '../../../controller/server/shard-handoff';
import type { ShardHolder } from '../../../controller/shard/shard-manager';
import type { PullRequest } from '../../../controller/host/types';
import { FakeController } from '../../helpers/fake-controller';
import { sign } from '../../helpers/webhook-deliveries';

const SECRET = 'handoff-test-secret';
/** The handoff key of its own (sharding.handoffKeyEnv), as `cairn run` loads it. */
const KEY = loadHandoffKey({ handoffKeyEnv: 'HANDOFF_KEY' }, SECRET, {
  HANDOFF_KEY: randomBytes(32).toString('base64'),
});
/** What versions before issue 23.4 signed handoffs with: a key derived from the webhook secret. */
const LEGACY_KEY = createHmac('sha256', SECRET).update('cairn shard handoff v1').digest();

/** A replica's controller: holds the environments in `held`, and names `holder` for the others. */
class ShardedFakeController extends FakeController {
  holder: ShardHolder | null = null;
  /** When set, reading the Lease fails with it (as the Lease API's errors do). */
  leaseError: Error | undefined;
  /** Pull request plans queued here: `<number> <env>`. */
  readonly planned: string[] = [];
  constructor(
    readonly shardIdentity: string,
    readonly held: Set<string>,
  ) {
    super({ dev: 'dev', prod: 'main' });
  }
  holds(env: string): boolean {
    return this.held.has(env);
  }
  async holderOf(): Promise<ShardHolder | null> {
    if (this.leaseError) throw this.leaseError;
    return this.holder;
  }
  /** As the Controller does: plans only the environments of `only` that it holds. */
  planPullRequest(pr: PullRequest, _ref: string, only?: readonly string[]): readonly string[] {
    const envs = (only ?? []).filter((env) => this.holds(env));
    this.planned.push(...envs.map((env) => `${pr.number} ${env}`));
    return envs;
  }
}

async function replica(
  controller: ShardedFakeController,
  log: Log = silentLog(),
): Promise<{ server: RunningServer; metrics: Metrics }> {
  const metrics = new Metrics();
  const server = await createServer({
    controller,
    metrics,
    log,
    config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, webhookSecretEnv: 'HANDOFF_SECRET' },
    env: { HANDOFF_SECRET: SECRET },
    handoffKey: KEY,
  });
  return { server, metrics };
}

const push = (url: string, branch: string) => {
  // A new sha each time: the same body again within 5 minutes is dropped as a replay.
  const body = JSON.stringify({ ref: `refs/heads/${branch}`, after: randomBytes(20).toString('hex') });
  return fetch(`${url}/hooks/github`, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      'x-github-event': 'push',
      'x-github-delivery': `d-${Math.random()}`,
      'x-hub-signature-256': `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
    },
    body,
  });
};

describe('webhook handoff between replicas (real HTTP servers)', () => {
  const a = new ShardedFakeController('replica-a', new Set(['prod']));
  const b = new ShardedFakeController('replica-b', new Set(['dev']));
  let ra: Awaited<ReturnType<typeof replica>>;
  let rb: Awaited<ReturnType<typeof replica>>;

  beforeAll(async () => {
    ra = await replica(a);
    rb = await replica(b);
  });
  afterAll(async () => {
    await ra.server.close();
    await rb.server.close();
  });
  beforeEach(() => {
    a.triggers.length = 0;
    b.triggers.length = 0;
    b.held.add('dev');
    a.holder = { holder: 'replica-b', url: rb.server.url };
  });

  it('a push to the replica that does not hold the environment is handed to the holder, which queues it', async () => {
    const response = await push(ra.server.url, 'dev');
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      environments: ['dev'],
      handoffs: [{ env: 'dev', result: 'forwarded' }],
    });
    expect(a.triggers).toEqual([]);
    expect(b.triggers).toEqual([['dev', 'webhook']]);
    expect(await (await fetch(`${rb.server.url}/metrics`)).text()).toContain(
      'cairn_shard_handoffs_total{result="received"} 1',
    );
  });

  it('a pull request for an environment held elsewhere is planned by its holder, not by the replica that got it', async () => {
    const event = readFileSync(
      join(__dirname, '../../fixtures/webhooks/gitea-pull-request-opened.json'),
      'utf8',
    );
    const delivery = sign.gitea(event, { secret: SECRET, event: 'pull_request' });
    const response = await fetch(`${ra.server.url}/hooks/gitea`, {
      method: 'POST',
      headers: delivery.headers,
      body: delivery.body,
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      environments: ['dev'],
      handoffs: [{ env: 'dev', result: 'forwarded' }],
    });
    expect(a.planned).toEqual([]);
    expect(b.planned).toEqual(['1 dev']);
    expect(b.triggers).toEqual([]);
  });

  it('a push for an environment the receiving replica holds is queued there, with no handoff', async () => {
    const response = await push(ra.server.url, 'main');
    expect(await response.json()).not.toHaveProperty('handoffs');
    expect(a.triggers).toEqual([['prod', 'webhook']]);
  });

  it('a holder that lost the environment meanwhile answers 409; the sender reports the handoff failed (the next holder fetches)', async () => {
    b.held.delete('dev');
    const response = await push(ra.server.url, 'dev');
    expect(response.status).toBe(202);
    expect(await response.json()).toMatchObject({
      handoffs: [{ env: 'dev', result: 'failed' }],
    });
    expect(b.triggers).toEqual([]);
  });

  it('nobody holds it: nothing to hand to, and whoever takes the Lease fetches first', async () => {
    a.holder = null;
    expect(await (await push(ra.server.url, 'dev')).json()).toMatchObject({
      handoffs: [{ env: 'dev', result: 'no-holder' }],
    });
  });

  describe('a failed handoff, as the Git host shows the answer to its repository admins', () => {
    // What ShardManager.holderOf and the Lease API say when a handoff cannot be made: the holder's
    // pod name and address, a Lease's name, cairn's ServiceAccount. None of it is the admins' to read.
    const internal = [
      'cairn-7f9c4-x2kq',
      '10.42.0.17',
      'cairn-shard-payments',
      'system:serviceaccount',
      '127.0.0.1',
    ];
    const closedPort = async () => {
      const probe = createNetServer();
      await new Promise<void>((r) => probe.listen(0, '127.0.0.1', () => r()));
      const { port } = probe.address() as { port: number };
      await new Promise((r) => probe.close(r));
      return port;
    };
    it.each<[string, (c: ShardedFakeController) => Promise<void>, string]>([
      [
        'the holder advertises a URL outside sharding.peerUrls',
        async (c) => {
          c.holder = {
            holder: 'cairn-7f9c4-x2kq',
            url: undefined,
            reason: 'http://10.42.0.17:8080, advertised by cairn-7f9c4-x2kq, is not in sharding.peerUrls',
          };
        },
        '10.42.0.17',
      ],
      [
        'reading the Lease fails',
        async (c) => {
          c.leaseError = new CairnError(
            'reading Lease cairn-shard-payments failed (HTTP 403): leases.coordination.k8s.io "cairn-shard-payments" is forbidden: User "system:serviceaccount:cairn:cairn" cannot get resource "leases"',
            { code: 'shard.forbidden', phase: 'config' },
          );
        },
        'system:serviceaccount:cairn:cairn',
      ],
      [
        "the holder's address cannot be reached",
        async (c) => {
          c.holder = { holder: 'cairn-7f9c4-x2kq', url: `http://127.0.0.1:${await closedPort()}` };
        },
        'cairn-7f9c4-x2kq',
      ],
    ])(
      '%s: the answer says failed and names nothing internal; the log has why',
      async (_case, fail, logged) => {
        // Given a replica that does not hold dev, whose handoff of it fails this way
        const lines: string[] = [];
        const destination = new PassThrough();
        destination.on('data', (d: Buffer) => lines.push(d.toString()));
        const c = new ShardedFakeController('cairn-5d8e1-p0zz', new Set(['prod']));
        await fail(c);
        const { server } = await replica(c, createLog({ destination, level: 'info' }));
        try {
          // When a signed push to dev arrives
          const response = await push(server.url, 'dev');
          // Then it is taken, the answer says the handoff failed and nothing of why
          expect(response.status).toBe(202);
          const text = await response.text();
          expect(JSON.parse(text)).toEqual({
            message: 'reconcile queued',
            environments: ['dev'],
            handoffs: [{ env: 'dev', result: 'failed' }],
          });
          for (const word of internal) expect(text).not.toContain(word);
          // and the controller log says why, for the operator
          await new Promise((r) => setTimeout(r, 50));
          expect(lines.join('')).toContain(logged);
        } finally {
          await server.close();
        }
      },
    );
  });

  describe('the handoff route', () => {
    const key = KEY;
    const send = (body: string, signature: string) =>
      fetch(`${rb.server.url}${HANDOFF_PATH}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', [HANDOFF_SIGNATURE]: signature },
        body,
      });
    const handoff = (over: Record<string, unknown> = {}) =>
      JSON.stringify({
        env: 'dev',
        trigger: 'webhook',
        from: 'replica-a',
        at: new Date().toISOString(),
        nonce: `n-${Math.random()}`,
        ...over,
      });

    it.each([
      ['no signature', (body: string) => ({ body, sig: '' }), 401],
      [
        'a signature under the webhook secret itself',
        (body: string) => ({
          body,
          sig: `sha256=${createHmac('sha256', SECRET).update(body).digest('hex')}`,
        }),
        401,
      ],
      [
        'a signature under the key derived from the webhook secret (the old derivation: the Git host holds that secret)',
        (body: string) => ({ body, sig: signHandoff(LEGACY_KEY, body) }),
        401,
      ],
      [
        'a body changed after signing',
        (body: string) => ({ body: body.replace('webhook', 'manual'), sig: signHandoff(key, body) }),
        401,
      ],
    ])('refuses %s and queues nothing', async (_name, make, status) => {
      const { body, sig } = make(handoff());
      const response = sig
        ? await send(body, sig)
        : await fetch(`${rb.server.url}${HANDOFF_PATH}`, { method: 'POST', body });
      expect(response.status).toBe(status);
      expect(b.triggers).toEqual([]);
    });

    it('refuses a handoff older than a minute (a replay) and takes a repeated nonce only once', async () => {
      const old = handoff({ at: new Date(Date.now() - 120_000).toISOString() });
      expect((await send(old, signHandoff(key, old))).status).toBe(400);
      const body = handoff();
      expect((await send(body, signHandoff(key, body))).status).toBe(202);
      expect((await send(body, signHandoff(key, body))).status).toBe(202);
      expect(b.triggers).toEqual([['dev', 'webhook']]);
    });

    it('refuses an unknown environment or trigger', async () => {
      const unknown = handoff({ env: 'nope' });
      expect((await send(unknown, signHandoff(key, unknown))).status).toBe(404);
      const drift = handoff({ trigger: 'drift' });
      expect((await send(drift, signHandoff(key, drift))).status).toBe(400);
      expect(b.triggers).toEqual([]);
    });
  });

  describe('the handoff key (sharding.handoffKeyFile / handoffKeyEnv)', () => {
    const dir = mkdtempSync(join(tmpdir(), 'cairn-handoff-key-'));
    const keyFile = (text: string) => {
      const path = join(dir, `k-${Math.random()}`);
      writeFileSync(path, text);
      return path;
    };
    const long = SECRET.repeat(3); // a webhook secret long enough to pass the size check
    it.each<[string, HandoffKeySource, NodeJS.ProcessEnv, string, RegExp]>([
      ['a key under 32 bytes', { handoffKeyFile: keyFile('short') }, {}, SECRET, /has 5 bytes; at least 32/],
      [
        'an unset variable',
        { handoffKeyEnv: 'NOPE' },
        {},
        SECRET,
        /NOPE that holds the handoff key is empty/,
      ],
      ['the webhook secret itself', { handoffKeyEnv: 'K' }, { K: long }, long, /webhook secret or derived/],
      [
        'the old derivation (hex)',
        { handoffKeyEnv: 'K' },
        { K: LEGACY_KEY.toString('hex') },
        SECRET,
        /webhook secret or derived/,
      ],
      [
        'an unreadable file',
        { handoffKeyFile: join(dir, 'missing') },
        {},
        SECRET,
        /cannot read the handoff key/,
      ],
    ])('refuses %s, naming the setting', (_, source, env, secret, message) => {
      expect(() => loadHandoffKey(source, secret, env)).toThrow(message);
    });

    it('reads a file key (trimmed) of 32+ bytes', () => {
      const text = randomBytes(32).toString('base64');
      expect(loadHandoffKey({ handoffKeyFile: keyFile(`${text}\n`) }, SECRET, {})).toEqual(Buffer.from(text));
    });
  });
});
