import { connect, type Socket } from 'node:net';
import { genericHeaders, pushPayload, sign } from '../../helpers/webhook-deliveries';
import { SECRET, startTestServer, TOKEN, type TestServer } from './test-server';

// Every connection goes to 127.0.0.1; attackers come from other loopback addresses, so that the
// per-client cap can tell them from the provider (127.0.0.1).
const ATTACKER = '127.0.0.2';

interface Conn {
  readonly socket: Socket;
  /** Milliseconds from connect to close, once closed. */
  readonly closed: Promise<number>;
  /** Everything the server sent. */
  received(): string;
}

function open(t: TestServer, from = ATTACKER): Promise<Conn> {
  const { port } = new URL(t.server.url);
  return new Promise((resolve, reject) => {
    const started = Date.now();
    let text = '';
    const socket = connect({ host: '127.0.0.1', port: Number(port), localAddress: from });
    socket.on('data', (d: Buffer) => (text += d.toString()));
    socket.on('error', () => undefined); // a reset is one of the ways a connection is cut
    const closed = new Promise<number>((done) => socket.once('close', () => done(Date.now() - started)));
    socket.once('connect', () => resolve({ socket, closed, received: () => text }));
    socket.once('error', reject);
  });
}

const head = (headers: Record<string, string | number>) =>
  `POST /hooks/generic HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries(headers)
    .map(([k, v]) => `${k}: ${v}\r\n`)
    .join('')}\r\n`;
const signed = { 'content-type': 'application/json', 'x-cairn-signature': `sha256=${'0'.repeat(64)}` };
const stillOpen = (c: Conn) =>
  Promise.race([c.closed.then(() => false), new Promise((r) => setTimeout(() => r(true), 300))]);

describe('the webhook server under a flood', () => {
  let t: TestServer;
  afterEach(() => t?.server.close());

  it('cuts a body still incomplete at server.bodyTimeout (1 s), even one kept trickling', async () => {
    // Given a 1 s body timeout
    t = await startTestServer({ config: { bodyTimeoutMs: 1000, headersTimeoutMs: 1000 } });
    // When one client sends a signed-looking header, 1 KB of a 100 KB body and stalls, and another trickles a byte every 100 ms
    const stalled = await open(t);
    stalled.socket.write(head({ ...signed, 'content-length': 100_000 }) + 'x'.repeat(1000));
    const trickle = await open(t);
    trickle.socket.write(head({ ...signed, 'content-length': 100_000 }));
    const drip = setInterval(() => trickle.socket.writable && trickle.socket.write('x'), 100);
    // Then both are cut at the timeout, not later
    try {
      for (const ms of await Promise.all([stalled.closed, trickle.closed])) {
        expect(ms).toBeGreaterThanOrEqual(900);
        expect(ms).toBeLessThan(2500);
      }
    } finally {
      clearInterval(drip);
    }
  });

  it.each([
    ['whose headers are incomplete', 'POST /hooks/generic HTTP/1.1\r\nHost: 127.0.0.1\r\n'],
    ['that sends nothing at all', ''],
  ])('cuts a connection %s at server.headersTimeout (1 s)', async (_case, sent) => {
    t = await startTestServer({ config: { headersTimeoutMs: 1000, bodyTimeoutMs: 5000 } });
    const slow = await open(t);
    if (sent) slow.socket.write(sent);
    const ms = await slow.closed;
    expect(ms).toBeGreaterThanOrEqual(900);
    expect(ms).toBeLessThan(2500);
  });

  it('holds the per-client cap: the connections past it are closed at once, and other clients are served', async () => {
    // Given at most 4 connections per client
    t = await startTestServer({ config: { maxConnectionsPerClient: 4, bodyTimeoutMs: 5000 } });
    // When one client opens 10 and starts a slow body on each
    const conns = await Promise.all(Array.from({ length: 10 }, () => open(t)));
    for (const c of conns)
      if (!c.socket.destroyed) c.socket.write(head({ ...signed, 'content-length': 50_000 }));
    const open_ = await Promise.all(conns.map(stillOpen));
    // Then 4 stay open and 6 are closed
    expect(open_.filter(Boolean)).toHaveLength(4);
    // and a signed push from the provider's own address is still answered at once
    const response = await t.post('/hooks/generic', sign.generic(pushPayload('dev'), { secret: SECRET }));
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
    for (const c of conns) c.socket.destroy();
  });

  it('holds the total cap', async () => {
    t = await startTestServer({
      config: { maxConnections: 3, maxConnectionsPerClient: 100, bodyTimeoutMs: 5000 },
    });
    const conns = await Promise.all(Array.from({ length: 8 }, () => open(t)));
    expect((await Promise.all(conns.map(stillOpen))).filter(Boolean)).toHaveLength(3);
    for (const c of conns) c.socket.destroy();
  });

  it.each([
    [
      'no signature header',
      { 'content-type': 'application/json', 'content-length': 1_000_000 },
      '401',
      'missing x-cairn-signature header',
    ],
    [
      'a Content-Length over server.maxBodySize',
      { ...signed, 'content-length': 2_000_000 },
      '413',
      'larger than 1048576 bytes',
    ],
  ])(
    'answers a request with %s before its body is sent, and closes the connection',
    async (_case, headers, status, message) => {
      t = await startTestServer({ config: { bodyTimeoutMs: 5000 } });
      // When only the headers are sent
      const c = await open(t);
      c.socket.write(head(headers));
      // Then the answer comes without waiting for a byte of the body, and the connection is closed
      const ms = await c.closed;
      expect(ms).toBeLessThan(1000);
      expect(c.received()).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(c.received()).toContain(message);
      expect(c.received().toLowerCase()).toContain('connection: close');
      expect(t.controller.triggers).toEqual([]);
    },
  );

  it.each([
    ['POST /api/environments/dev/sync without a token', 'POST /api/environments/dev/sync', {}, '401'],
    [
      'POST /api/environments/dev/sync with a token that lacks the sync scope',
      'POST /api/environments/dev/sync',
      { authorization: 'Bearer read-token' },
      '403',
    ],
    ['PUT /api/environments without a token', 'PUT /api/environments', {}, '401'],
  ] as const)(
    'answers %s before its body is sent, and closes the connection',
    async (_case, line, auth, status) => {
      t = await startTestServer({
        config: {
          bodyTimeoutMs: 5000,
          apiTokenEnv: undefined,
          apiTokens: [{ env: 'READ', scopes: ['read'] }],
        },
        env: { CAIRN_TEST_WEBHOOK_SECRET: SECRET, READ: 'read-token' },
      });
      // When only the headers of a 1 MB body are sent
      const c = await open(t);
      c.socket.write(
        `${line} HTTP/1.1\r\nHost: 127.0.0.1\r\n${Object.entries({
          ...auth,
          'content-type': 'application/json',
          'content-length': 1_000_000,
        })
          .map(([k, v]) => `${k}: ${v}\r\n`)
          .join('')}\r\n`,
      );
      // Then the refusal comes at once and the connection is closed: the body is never read and dropped
      const ms = await c.closed;
      expect(ms).toBeLessThan(1000);
      expect(c.received()).toMatch(new RegExp(`^HTTP/1.1 ${status} `));
      expect(c.received().toLowerCase()).toContain('connection: close');
      expect(t.controller.triggers).toEqual([]);
    },
  );

  it('refuses a wrong X-Gitlab-Token from the headers, before a byte of the body, and takes the previous secret during a rotation', async () => {
    // Given a server rotating its secret: GitLab may still send the previous one
    const previous = 'previous-webhook-secret';
    t = await startTestServer({
      config: { bodyTimeoutMs: 3000, previousWebhookSecretEnv: 'PREVIOUS' },
      env: { CAIRN_TEST_WEBHOOK_SECRET: SECRET, CAIRN_TEST_API_TOKEN: TOKEN, PREVIOUS: previous },
    });
    // When a client sends the headers of a 1 MB GitLab push with a token that is neither, and no body
    const c = await open(t);
    c.socket.write(
      `POST /hooks/gitlab HTTP/1.1\r\nHost: 127.0.0.1\r\nx-gitlab-token: not-the-secret\r\n` +
        `x-gitlab-event: Push Hook\r\ncontent-type: application/json\r\ncontent-length: 1000000\r\n\r\n`,
    );
    // Then the 401 comes at once (the token is the secret itself: nothing in the body can change
    // the verdict), and the connection is closed, so the body is never read
    const ms = await c.closed;
    expect(c.received()).toMatch(/^HTTP\/1.1 401 /);
    expect(c.received()).toContain('X-Gitlab-Token is not the shared secret');
    expect(c.received().toLowerCase()).toContain('connection: close');
    expect(ms).toBeLessThan(1000);
    expect(await t.sample('cairn_webhook_requests_total{provider="gitlab",result="unauthorized"}')).toBe(1);
    // and pushes with the current and with the previous secret are both taken
    for (const [secret, branch] of [
      [SECRET, 'dev'],
      [previous, 'main'],
    ] as const)
      expect((await t.post('/hooks/gitlab', sign.gitlab(pushPayload(branch), { secret }))).status).toBe(202);
    expect(t.controller.triggers).toEqual([
      ['dev', 'webhook'],
      ['prod', 'webhook'],
    ]);
  });

  it('answers 503 to a large body that would pass the buffered-bytes budget, and takes small ones still', async () => {
    // Given a budget of 256 KiB for bodies over 64 KiB
    t = await startTestServer({ config: { maxBufferedBodyBytes: 256 * 1024, bodyTimeoutMs: 5000 } });
    // When three clients each send all but 10 bytes of a 100 KB body and stall (300 KB held in all)
    const conns = await Promise.all(['127.0.0.3', '127.0.0.4', '127.0.0.5'].map((a) => open(t, a)));
    for (const c of conns)
      c.socket.write(head({ ...signed, 'content-length': 100_000 }) + 'x'.repeat(99_990));
    // Then the third is refused with 503 as its bytes pass the budget, and a small signed push is still accepted
    const refused = await Promise.race(conns.map((c) => c.closed.then(() => c)));
    expect(refused.received()).toMatch(/^HTTP\/1.1 503 /);
    const response = await t.post('/hooks/generic', sign.generic(pushPayload('dev'), { secret: SECRET }));
    expect(response.status).toBe(202);
    // and while the budget is full, a large body announced is refused from its headers
    const late = await open(t, '127.0.0.6');
    late.socket.write(head({ ...signed, 'content-length': 200_000 }));
    await late.closed;
    expect(late.received()).toMatch(/^HTTP\/1.1 503 /);
    for (const c of conns) c.socket.destroy();
  });

  it('charges the budget with bytes received, not announced: silent 1 MiB announcements leave a signed 100 KB push its room', async () => {
    // Given the default budget (16 MiB) and 16 connections, each announcing a 1 MiB body and sending none of it
    t = await startTestServer({ config: { maxConnectionsPerClient: 32 } });
    const silent = await Promise.all(Array.from({ length: 16 }, () => open(t)));
    for (const c of silent) c.socket.write(head({ ...signed, 'content-length': 1024 * 1024 }));
    await new Promise((r) => setTimeout(r, 300));
    // When a real signed push of 100 KB arrives
    const payload = JSON.stringify({
      ...(JSON.parse(pushPayload('dev')) as object),
      pad: 'x'.repeat(100_000),
    });
    const response = await t.post('/hooks/generic', sign.generic(payload, { secret: SECRET }));
    // Then it is taken, and the silent connections are still waiting for their bodies (cut at bodyTimeout)
    expect(response.status).toBe(202);
    expect(t.controller.triggers).toEqual([['dev', 'webhook']]);
    expect(new Set(await Promise.all(silent.map(stillOpen)))).toEqual(new Set([true]));
    for (const c of silent) c.socket.destroy();
  });

  it('spends on an unsigned X-Cairn-Signature of 3,000 v1 values no more than on one', async () => {
    // Found in review: every v1 value was compared (two SHA-256 each), so a 15 KB header cost
    // 14 ms of CPU against 0.3 ms, and 68 such requests a second held `cairn run`'s event loop.
    t = await startTestServer();
    const body = pushPayload('dev');
    const many = `t=${Math.floor(Date.now() / 1000)},${Array.from({ length: 3000 }, () => 'v1=a').join(',')}`;
    const one = `t=${Math.floor(Date.now() / 1000)},v1=a`;
    // The CPU (the server runs in this process: its CPU is ours) of 100 requests with `signature`
    const cpuOf = async (signature: string) => {
      const headers = {
        'content-type': 'application/json',
        'x-cairn-delivery': 'flood',
        'x-cairn-signature': signature,
      };
      const before = process.cpuUsage();
      const statuses = new Set<number>();
      for (let i = 0; i < 100; i++) statuses.add((await t.post('/hooks/generic', { headers, body })).status);
      const cpu = process.cpuUsage(before);
      expect(statuses).toEqual(new Set([401]));
      return (cpu.user + cpu.system) / 1000;
    };
    await cpuOf(one); // warm up
    // When 100 requests carry one v1 value, and 100 carry 3,000
    const single = await cpuOf(one);
    const flood = await cpuOf(many);
    // Then each is refused, and the long ones cost about what the short ones do, not five times as much
    expect(flood).toBeLessThan(2 * single + 100);
    // and a sender rotating its secret may still sign with an old and a new one
    const rotating = genericHeaders(body, SECRET);
    const [t0, v1] = rotating['x-cairn-signature']!.split(',');
    const signature = `${t0},v1=${'0'.repeat(64)},${v1}`;
    const taken = await t.post('/hooks/generic', {
      headers: { 'content-type': 'application/json', ...rotating, 'x-cairn-signature': signature },
      body,
    });
    expect(taken.status).toBe(202);
  });
});
