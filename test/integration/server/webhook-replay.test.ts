import { randomBytes } from 'node:crypto';
import { Agent, request } from 'node:http';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { genericHeaders, pushPayload, sign } from '../../helpers/webhook-deliveries';
import { SECRET, startTestServer, type TestServer } from './test-server';

let n = 0;
const id = () => `replay-${process.pid}-${n++}`;
const counted = (provider: string, result: string) =>
  `cairn_webhook_requests_total{provider="${provider}",result="${result}"}`;
const json = { 'content-type': 'application/json' };

/** Replays of captured deliveries against a real server (node:http, the real route and providers). */
describe('webhook replays over real HTTP', () => {
  let t: TestServer;
  beforeEach(async () => {
    t = await startTestServer();
  });
  afterEach(() => t.server.close());

  it('generic: the same delivery sent again is acknowledged (200) and triggers once', async () => {
    const body = pushPayload('dev');
    const captured = { body, headers: { ...json, ...genericHeaders(body, SECRET, id()) } };
    expect((await t.post('/hooks/generic', captured)).status).toBe(202);
    expect((await t.post('/hooks/generic', captured)).status).toBe(200);
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
    expect(await t.sample(counted('generic', 'duplicate'))).toBe(1);
  });

  it('generic: a captured delivery sent again under another X-Cairn-Delivery is refused (401)', async () => {
    // Given a delivery an attacker captured after it was handled
    const body = pushPayload('dev');
    const captured = { body, headers: { ...json, ...genericHeaders(body, SECRET, id()) } };
    expect((await t.post('/hooks/generic', captured)).status).toBe(202);
    // When it is replayed with a new delivery id, which the attacker cannot sign
    const replay = { body, headers: { ...captured.headers, 'x-cairn-delivery': id() } };
    const response = await t.post('/hooks/generic', replay);
    // Then it is refused and triggers nothing more
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toContain('does not match');
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
  });

  it('generic: a correctly signed delivery 10 minutes old is refused (401) and triggers nothing', async () => {
    const body = pushPayload('dev');
    const old = Math.floor(Date.now() / 1000) - 600;
    const response = await t.post('/hooks/generic', {
      body,
      headers: { ...json, ...genericHeaders(body, SECRET, id(), old) },
    });
    expect(response.status).toBe(401);
    expect(((await response.json()) as { message: string }).message).toContain('more than 5 minutes');
    expect(t.controller.triggers).toEqual([]);
    expect(await t.sample(counted('generic', 'unauthorized'))).toBe(1);
  });

  it('generic: a sender posting the same body for two pushes, each signed with its own id, triggers twice', async () => {
    const body = JSON.stringify({ branch: 'dev' });
    for (let i = 0; i < 2; i++)
      expect(
        (
          await t.post('/hooks/generic', {
            body,
            headers: { ...json, ...genericHeaders(body, SECRET, id()) },
          })
        ).status,
      ).toBe(202);
    expect(t.controller.triggers).toEqual([
      ['dev', 'webhook'],
      ['dev', 'webhook'],
    ]);
  });

  it.each(['github', 'gitea', 'gitlab'] as const)(
    '%s: the same signed body under a fresh delivery id within 5 minutes is dropped (200)',
    async (name) => {
      // Given a handled delivery; when its body (and signature) is sent again with another id
      const body = pushPayload('dev');
      expect(
        (await t.post(`/hooks/${name}`, sign[name](body, { secret: SECRET, delivery: id() }))).status,
      ).toBe(202);
      const replay = await t.post(`/hooks/${name}`, sign[name](body, { secret: SECRET, delivery: id() }));
      // Then it is acknowledged and not acted on
      expect(replay.status).toBe(200);
      expect(((await replay.json()) as { message: string }).message).toContain('same delivery body');
      expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
      expect(await t.sample(counted(name, 'duplicate'))).toBe(1);
    },
  );

  it('github: one captured delivery sent again under thousands of long ids keeps no more than a digest of each', async () => {
    // Found in review: the delivery id travels outside the signature and was kept as given, so
    // whoever held one signed delivery filled the dedupe (16,384 ids) with ids of up to 16 KiB:
    // `cairn run` went from 76 MB to 327 MB, for good, in 5 s.
    setFlagsFromString('--expose-gc');
    const gc = runInNewContext('gc') as () => void;
    const captured = sign.github(pushPayload('nobody'), { secret: SECRET });
    const { port } = new URL(t.server.url);
    const agent = new Agent({ keepAlive: true, maxSockets: 8 });
    const replay = () =>
      new Promise<number>((resolve, reject) => {
        const headers = { ...captured.headers, 'x-github-delivery': randomBytes(7000).toString('hex') };
        const r = request(
          { host: '127.0.0.1', port, path: '/hooks/github', method: 'POST', agent, headers },
          (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          },
        );
        r.on('error', reject);
        r.end(captured.body);
      });
    gc();
    const before = process.memoryUsage().heapUsed;
    // When it is sent 3,000 times, each under a fresh 14,000-character id
    let next = 0;
    const statuses: number[] = [];
    await Promise.all(
      Array.from({ length: 8 }, async () => {
        while (next++ < 3000) statuses.push(await replay());
      }),
    );
    agent.destroy();
    gc();
    // Then every replay was dropped, and the ids (42 MB as sent) left a few megabytes at most
    expect(statuses.filter((s) => s !== 200)).toHaveLength(1);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(8 * 1024 * 1024);
  }, 30_000); // thousands of requests: past jest's 5 s on a loaded CI machine
});
