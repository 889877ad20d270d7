import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { createLog } from '../../../controller/log';
import { createServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { FakeController } from '../../helpers/fake-controller';
import { rawRequest } from '../../helpers/raw-http';
import { SECRET, startTestServer, TOKEN, type TestServer } from './test-server';

const READ = 'read-only-token-from-env';
const SYNC = 'sync-only-token-from-a-file';
const dir = mkdtempSync(join(tmpdir(), 'cairn-api-auth-'));
const tokenFile = join(dir, 'sync-token');
writeFileSync(tokenFile, `${SYNC}\n`, { mode: 0o600 });
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const call = (t: TestServer, method: 'GET' | 'POST', path: string, token?: string) =>
  fetch(`${t.server.url}${path}`, {
    method,
    headers: token === undefined ? {} : { authorization: `Bearer ${token}` },
  });

describe('the API with scoped tokens (one from a variable, one from a file)', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Given a read token in an environment variable and a sync token in a file, and nothing else
    t = await startTestServer({
      config: {
        apiTokenEnv: undefined,
        apiTokens: [
          { env: 'CAIRN_TEST_READ_TOKEN', scopes: ['read'] },
          { file: tokenFile, scopes: ['sync'] },
        ],
      },
      env: { CAIRN_TEST_WEBHOOK_SECRET: SECRET, CAIRN_TEST_READ_TOKEN: READ },
    });
  });
  afterAll(() => t.server.close());
  afterEach(() => t.controller.triggers.splice(0));

  it.each([
    ['GET', '/api/environments', undefined, 401],
    ['GET', '/api/environments', 'wrong', 401],
    ['GET', '/api/environments/dev/audit', `${READ}x`, 401],
    ['GET', '/api/audit/x', undefined, 401],
    ['GET', '/api/nothing', undefined, 401],
    ['GET', '/api/environments', READ, 200],
    ['GET', '/api/environments', SYNC, 403],
    ['POST', '/api/environments/dev/sync', undefined, 401],
    ['POST', '/api/environments/dev/sync', READ, 403],
    ['POST', '/api/environments/dev/sync', SYNC, 202],
  ] as const)('%s %s with token %s answers %i', async (method, path, token, status) => {
    const response = await call(t, method, path, token);
    expect(response.status).toBe(status);
    if (status === 401) expect(response.headers.get('www-authenticate')).toBe('Bearer');
    // and only the authorized sync reaches the controller
    expect(t.controller.triggers).toEqual(status === 202 ? [['dev', 'manual']] : []);
  });

  // A raw request, so that the request target reaches the server exactly as written (fetch would
  // normalize it): the status code of the answer.
  const raw = (method: string, target: string, token?: string) =>
    new Promise<number>((resolve, reject) => {
      const { hostname, port } = new URL(t.server.url);
      const socket = connect(Number(port), hostname);
      let text = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => (text += chunk));
      socket.on('error', reject);
      socket.on('close', () => resolve(Number(/^HTTP\/1\.1 (\d{3})/.exec(text)?.[1] ?? 0)));
      const auth = token === undefined ? '' : `authorization: Bearer ${token}\r\n`;
      socket.write(
        `${method} ${target} HTTP/1.1\r\nhost: ${hostname}\r\n${auth}content-length: 0\r\nconnection: close\r\n\r\n`,
      );
    });

  it.each([
    ['GET', '/%61pi/environments', undefined, 401],
    ['GET', '/%61%70%69/environments/dev/audit', undefined, 401],
    ['GET', 'http://127.0.0.1/api/environments', undefined, 401],
    ['GET', 'http://127.0.0.1/%61pi/environments', SYNC, 403],
    ['POST', '/%61pi/environments/dev/sync', undefined, 401],
    ['POST', '/%61pi/environments/dev/sync', READ, 403],
    ['POST', 'http://127.0.0.1/api/environments/dev/sync', READ, 403],
    ['POST', 'http://127.0.0.1/api/environments/dev/sync', SYNC, 202],
  ] as const)(
    '%s %s (a spelling the router decodes) with token %s answers %i',
    async (method, target, token, status) => {
      expect(await raw(method, target, token)).toBe(status);
      // and only the authorized sync reaches the controller
      expect(t.controller.triggers).toEqual(status === 202 ? [['dev', 'manual']] : []);
    },
  );

  it('keeps /healthz, /readyz and /metrics open, and none of them holds a token or the webhook secret', async () => {
    t.controller.isReady = true;
    for (const path of ['/healthz', '/readyz', '/metrics']) {
      const response = await fetch(`${t.server.url}${path}`);
      expect(response.status).toBe(200);
      const text = await response.text();
      for (const secret of [READ, SYNC, SECRET]) expect(text).not.toContain(secret);
    }
  });
});

describe('start-up', () => {
  const logLines = () => {
    const lines: Record<string, unknown>[] = [];
    const destination = new Writable({
      write(chunk: Buffer, _enc, done) {
        lines.push(JSON.parse(chunk.toString()) as Record<string, unknown>);
        done();
      },
    });
    return { lines, log: createLog({ destination }) };
  };
  const start = (config: Record<string, unknown>, env: NodeJS.ProcessEnv, log = logLines().log) =>
    createServer({
      controller: new FakeController(),
      metrics: new Metrics(),
      log,
      config: { port: 0, host: '127.0.0.1', maxBodyBytes: 1 << 20, ...config },
      env,
    });

  it('without any API token listens on loopback only, though the config asks for 0.0.0.0, and says so', async () => {
    const { lines, log } = logLines();
    const server = await start({ host: '0.0.0.0' }, {}, log);
    try {
      expect(server.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
      expect(lines).toContainEqual(
        expect.objectContaining({
          level: 40,
          msg: 'no API token is configured: listening on loopback only',
          host: '127.0.0.1',
          requestedHost: '0.0.0.0',
        }),
      );
      // and the API is read-only there
      expect((await fetch(`${server.url}/api/environments`)).status).toBe(200);
      expect((await fetch(`${server.url}/api/environments/dev/sync`, { method: 'POST' })).status).toBe(503);
    } finally {
      await server.close();
    }
  });

  it('without any API token answers only requests addressed to loopback (no DNS rebinding)', async () => {
    const server = await start({ host: 'localhost' }, { W: SECRET }, logLines().log);
    const { port } = new URL(server.url);
    const as = (host: string | null, path = '/api/environments') =>
      rawRequest(
        server.url,
        `GET ${path} HTTP/1.1\r\n${host === null ? '' : `Host: ${host}\r\n`}Connection: close\r\n\r\n`,
      );
    try {
      // A page whose name was rebound to 127.0.0.1 sends its own name: refused before any route
      for (const host of [
        'attacker.example',
        `attacker.example:${port}`,
        '127.0.0.1.attacker.example',
        '[::2]:80',
      ]) {
        const refused = await as(host);
        expect([host, refused.status]).toEqual([host, 421]);
        expect(refused.text).toContain('no API token is configured');
        expect(refused.text).not.toContain('"name"');
      }
      for (const path of ['/metrics', '/', '/healthz'])
        expect((await as('attacker.example', path)).status).toBe(421);
      // Loopback names, with or without a port, and the configured listen host are served
      for (const host of [
        'localhost',
        `localhost:${port}`,
        '127.0.0.1',
        `127.0.0.1:${port}`,
        '127.1.2.3',
        '[::1]',
        `[::1]:${port}`,
        'LocalHost',
      ])
        expect([host, (await as(host)).status]).toEqual([host, 200]);
      // A request without Host (HTTP/1.0) is refused too
      const bare = await rawRequest(server.url, 'GET /api/environments HTTP/1.0\r\n\r\n');
      expect(bare.text).toMatch(/^HTTP\/1\.1 421/);
    } finally {
      await server.close();
    }
  });

  it('with a token answers any Host (behind an ingress, a Service name)', async () => {
    const server = await start({ apiTokenEnv: 'T' }, { T: TOKEN });
    try {
      const res = await rawRequest(
        server.url,
        `GET /api/environments HTTP/1.1\r\nHost: cairn.cairn.svc:8080\r\nAuthorization: Bearer ${TOKEN}\r\nConnection: close\r\n\r\n`,
      );
      expect(res.status).toBe(200);
    } finally {
      await server.close();
    }
  });

  it('with a token listens where the config says, and says nothing about loopback', async () => {
    const { lines, log } = logLines();
    const server = await start({ host: '0.0.0.0', apiTokenEnv: 'T' }, { T: TOKEN }, log);
    try {
      expect(server.url).toMatch(/^http:\/\/0\.0\.0\.0:\d+$/);
      expect(lines.map((l) => l.msg)).not.toContain('no API token is configured: listening on loopback only');
    } finally {
      await server.close();
    }
  });

  it.each([
    [
      'an unset variable',
      { apiTokens: [{ env: 'NOPE', scopes: ['read'] }] },
      'server.apiTokens[0].env: environment variable NOPE is unset or empty',
    ],
    [
      'an empty file',
      { apiTokens: [{ file: join(dir, 'empty'), scopes: ['read'] }] },
      'server.apiTokens[0].file: file',
    ],
    [
      'a missing file',
      { apiTokens: [{ file: join(dir, 'missing'), scopes: ['read'] }] },
      'server.apiTokens[0].file: cannot read',
    ],
  ])('refuses to start with %s, naming the field', async (_case, config, message) => {
    writeFileSync(join(dir, 'empty'), '');
    await expect(start(config, {})).rejects.toThrow(message);
  });
});
