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
});
