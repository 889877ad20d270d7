import { silentLog } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { MAX_REVERTS_AT_ONCE, REVERTS_PER_TOKEN } from '../../../controller/server/ui-api-routes';
import { FakeController } from '../../helpers/fake-controller';

/** Sync-scope tokens, each of its own environment variable: more than the reverts at once. */
const TOKENS = Array.from({ length: MAX_REVERTS_AT_ONCE + 1 }, (_, i) => `revert-bounds-sync-token-${i}`);

/**
 * `POST /api/environments/:env/revert` opens a pull request or a commit, which may take longer
 * than the connection guard lets an idle connection live: the answer still arrives. Reverts run
 * MAX_REVERTS_AT_ONCE at a time, REVERTS_PER_TOKEN of them per token; one more is answered 503
 * (429 past a token's share) at once, not queued.
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
        apiTokens: TOKENS.map((_, i) => ({ env: `T${i}`, scopes: ['read', 'sync'] as const })),
        headersTimeoutMs: 500,
        bodyTimeoutMs: 500,
        maxConnectionsPerClient: 1000,
      },
      env: Object.fromEntries(TOKENS.map((t, i) => [`T${i}`, t])),
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

  const revert = (token = TOKENS[0]!, signal?: AbortSignal) =>
    fetch(`${server.url}/api/environments/dev/revert`, {
      method: 'POST',
      ...(signal ? { signal } : {}),
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
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
    // (one a token: a token's share is REVERTS_PER_TOKEN, tested below)
    const slow = TOKENS.slice(0, MAX_REVERTS_AT_ONCE).map((t) => revert(t));
    await new Promise((r) => setTimeout(r, 100));
    const busy = await Promise.all(Array.from({ length: 20 }, () => revert(TOKENS.at(-1))));
    for (const b of busy) expect(b.status).toBe(503);
    expect(((await busy[0]!.json()) as { message: string }).message).toMatch(/reverts? .*at once/);
    release();
    for (const s of await Promise.all(slow)) expect(s.status).toBe(201);
    expect(most).toBe(MAX_REVERTS_AT_ONCE);
    // and once they are done, a revert is taken again
    expect((await revert()).status).toBe(201);
  }, 10_000);

  it('gives one token REVERTS_PER_TOKEN revert at a time (429 past it), and another token still gets one', async () => {
    gate = new Promise((r) => (release = r));
    // Given a slow revert of one sync token
    const first = revert(TOKENS[0]);
    await new Promise((r) => setTimeout(r, 100));
    let other: Promise<Response> | undefined;
    try {
      // When the same token asks for more reverts while it runs
      const more = await Promise.all(
        Array.from({ length: 5 }, () => revert(TOKENS[0], AbortSignal.timeout(2_000)).catch(() => undefined)),
      );
      // Then each is answered 429 at once (none waits in a slot), naming the cap (never the token), with Retry-After
      expect(more.map((m) => m?.status)).toEqual(more.map(() => 429));
      const told = ((await more[0]!.json()) as { message: string }).message;
      expect(told).toBe(
        `this token has ${REVERTS_PER_TOKEN} revert being opened already, the most one may; retry when it is done`,
      );
      expect(more[0]!.headers.get('retry-after')).toBe('10');
      // And another token still gets a revert slot, running beside the first
      other = revert(TOKENS[1]);
      for (const deadline = Date.now() + 5_000; running < 2 && Date.now() < deadline;)
        await new Promise((r) => setTimeout(r, 20));
      expect(running).toBe(2);
    } finally {
      release();
    }
    expect((await first).status).toBe(201);
    expect((await other!).status).toBe(201);
    // And once its revert is done, the first token is served again
    expect((await revert(TOKENS[0])).status).toBe(201);
  }, 10_000);
});
