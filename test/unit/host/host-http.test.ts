import { HostHttp, nextLink, truncate, type HostHttpOptions } from '../../../controller/host/host-http';
import { CairnError, isCairnError } from '../../../controller/model';
import { recordingHost, type Route } from '../../helpers/recording-host';

const TOKEN = 'tok-0123456789abcdef-secret';

async function withHost(routes: Record<string, Route>, options: Partial<HostHttpOptions> = {}) {
  const server = await recordingHost(routes);
  const waits: number[] = [];
  const http = new HostHttp({
    host: 'gitea',
    repo: 'team/app',
    apiUrl: `${server.url}/api/v1`,
    authorization: `token ${TOKEN}`,
    token: TOKEN,
    tokenEnv: 'GITEA_TOKEN',
    sleep: async (ms) => {
      waits.push(ms);
    },
    ...options,
  });
  return { server, http, waits };
}

/** The error a promise rejects with. */
async function rejection(promise: Promise<unknown>): Promise<Error & { code?: string; retryable?: boolean }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { code?: string; retryable?: boolean };
  }
  throw new Error('expected a rejection');
}

describe('HostHttp', () => {
  it('sends the token in Authorization and JSON, and answers the parsed body', async () => {
    const { server, http } = await withHost({ 'POST /api/v1/x': () => ({ status: 201, body: { id: 7 } }) });
    try {
      const response = await http.request('POST', '/x', { a: 1 });
      expect(response).toMatchObject({ status: 201, body: { id: 7 } });
      expect(server.requests[0]).toMatchObject({
        method: 'POST',
        url: '/api/v1/x',
        body: { a: 1 },
        headers: { authorization: `token ${TOKEN}`, 'content-type': 'application/json' },
      });
    } finally {
      http.close();
      await server.close();
    }
  });

  it.each([
    [503, 'host.unavailable'],
    [429, 'host.unavailable'],
  ])(
    'retries %i with backoff, a bounded number of times, then fails naming host, repo and status',
    async (status, code) => {
      const { server, http, waits } = await withHost({
        'GET /api/v1/x': () => ({ status, body: { message: 'try later' }, headers: { 'Retry-After': '1' } }),
      });
      try {
        const error = await rejection(http.request('GET', '/x'));
        expect(server.requests).toHaveLength(3);
        expect(waits).toEqual([1000, 1000]);
        expect(isCairnError(error)).toBe(true);
        expect(error.code).toBe(code);
        expect(error.retryable).toBe(true);
        expect(error.message).toContain('gitea team/app');
        expect(error.message).toContain(`HTTP ${status}`);
        expect(error.message).toContain('try later');
      } finally {
        http.close();
        await server.close();
      }
    },
  );

  it('succeeds when a retry does, doubling the backoff without Retry-After', async () => {
    let calls = 0;
    const { server, http, waits } = await withHost({
      'GET /api/v1/x': () => (++calls < 3 ? { status: 502 } : { status: 200, body: [] }),
    });
    try {
      await expect(http.request('GET', '/x')).resolves.toMatchObject({ status: 200 });
      expect(waits).toEqual([250, 500]);
    } finally {
      http.close();
      await server.close();
    }
  });

  it.each([
    [401, 'host.unauthorized', 'GITEA_TOKEN'],
    [403, 'host.unauthorized', 'write access to team/app'],
    [404, 'host.not-found', 'repository.host.repo'],
    [422, 'host.rejected', 'HTTP 422'],
  ])(
    'does not retry %i; the error (%s) says what to check and never holds the token',
    async (status, code, says) => {
      const { server, http } = await withHost({
        // A host echoing the credentials it refused must not carry them into cairn's error.
        'POST /api/v1/x': () => ({ status, body: { message: `bad credentials token ${TOKEN}` } }),
      });
      try {
        const error = await rejection(http.request('POST', '/x', {}));
        expect(server.requests).toHaveLength(1);
        expect(error.code).toBe(code);
        expect(error.message).toContain(says);
        expect(error.message).not.toContain(TOKEN);
        expect(error.message).toContain('[masked]');
      } finally {
        http.close();
        await server.close();
      }
    },
  );

  it('gives up on a host that never answers within the timeout, every attempt included', async () => {
    const { server, http } = await withHost(
      { 'GET /api/v1/x': () => 'hang' },
      { timeoutMs: 150, retries: 1 },
    );
    try {
      const started = Date.now();
      const error = await rejection(http.request('GET', '/x'));
      expect(error.code).toBe('host.timeout');
      expect(error.message).toContain('did not answer within 150 ms');
      expect(server.requests).toHaveLength(2);
      expect(Date.now() - started).toBeLessThan(5_000);
    } finally {
      http.close();
      await server.close();
    }
  });

  it('cuts a body that trickles in past the timeout', async () => {
    const { server, http } = await withHost(
      {
        'GET /api/v1/x': () => (res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          res.write('['); // and nothing more
        },
      },
      { timeoutMs: 150, retries: 0 },
    );
    try {
      expect((await rejection(http.request('GET', '/x'))).code).toBe('host.timeout');
    } finally {
      http.close();
      await server.close();
    }
  });

  it('refuses a body larger than the cap, declared or streamed', async () => {
    const big = 'x'.repeat(64 * 1024);
    const { server, http } = await withHost(
      {
        'GET /api/v1/declared': () => ({ status: 200, body: big }),
        'GET /api/v1/streamed': () => (res) => {
          res.writeHead(200, { 'Content-Type': 'application/json' });
          for (let i = 0; i < 8; i++) res.write(big);
          res.end();
        },
      },
      { maxBodyBytes: 16 * 1024 },
    );
    try {
      expect((await rejection(http.request('GET', '/declared'))).code).toBe('host.response-too-large');
      expect((await rejection(http.request('GET', '/streamed'))).code).toBe('host.response-too-large');
    } finally {
      http.close();
      await server.close();
    }
  });

  it('fails a connection refused as unreachable after its retries', async () => {
    const { server, http } = await withHost({});
    await server.close();
    try {
      const error = await rejection(http.request('GET', '/x'));
      expect(error.code).toBe('host.unreachable');
      expect(error.retryable).toBe(true);
    } finally {
      http.close();
    }
  });

  it('refuses to follow a pagination link to another origin (the token would go with it)', async () => {
    const { server, http } = await withHost({});
    try {
      await expect(http.request('GET', 'http://evil.example/api/v1/x')).rejects.toMatchObject({
        code: 'host.invalid-url',
      });
      expect(server.requests).toHaveLength(0);
    } finally {
      http.close();
      await server.close();
    }
  });

  it('keeps one connection alive across requests, and close() ends it', async () => {
    const { server, http } = await withHost({ 'GET /api/v1/x': () => ({ status: 200, body: {} }) });
    try {
      await http.request('GET', '/x');
      await http.request('GET', '/x');
      expect(server.sockets()).toEqual({ opened: 1, open: 1 });
      http.close();
      await new Promise((resolve) => setTimeout(resolve, 50));
      expect(server.sockets().open).toBe(0);
    } finally {
      await server.close();
    }
  });
});

describe('HostHttp with a write fence', () => {
  /** A fence that passes until `lose()`, then throws shard.lost as a replica past its Lease does. */
  function lease() {
    let lost = false;
    let checks = 0;
    return {
      fence: () => {
        checks++;
        if (lost) throw new CairnError('the Lease is lost', { code: 'shard.lost', retryable: true });
      },
      lose: () => {
        lost = true;
      },
      checks: () => checks,
    };
  }

  it('does not send the retry of a write once the fence fails during the backoff, and does not retry the fence', async () => {
    const held = lease();
    let answers = 0;
    const { server, http } = await withHost(
      { 'POST /api/v1/x': () => (answers++ === 0 ? { status: 503 } : { status: 201, body: { id: 1 } }) },
      { sleep: async () => held.lose() },
    );
    try {
      const error = await rejection(http.request('POST', '/x', { a: 1 }, { fence: held.fence }));
      expect(error).toMatchObject({ code: 'shard.lost' });
      expect(server.requests).toHaveLength(1);
      expect(held.checks()).toBe(2);
    } finally {
      http.close();
      await server.close();
    }
  });

  it('checks the fence before every attempt of a write, and never for a read', async () => {
    const held = lease();
    let posts = 0;
    const { server, http } = await withHost({
      'POST /api/v1/x': () => (posts++ < 2 ? { status: 503 } : { status: 201 }),
      'GET /api/v1/x': () => ({ status: 200, body: [] }),
    });
    try {
      await http.request('POST', '/x', {}, { fence: held.fence });
      expect(held.checks()).toBe(3);
      held.lose();
      await expect(http.request('GET', '/x', undefined, { fence: held.fence })).resolves.toMatchObject({
        status: 200,
      });
      await expect(http.request('DELETE', '/x', undefined, { fence: held.fence })).rejects.toMatchObject({
        code: 'shard.lost',
      });
      expect(server.requests.map((r) => r.method)).toEqual(['POST', 'POST', 'POST', 'GET']);
    } finally {
      http.close();
      await server.close();
    }
  });
});

describe('HostHttp under a burst', () => {
  it('runs four requests at once, queues the rest, and close() fails every one still waiting', async () => {
    const { server, http } = await withHost({ 'GET /api/v1/x': () => 'hang' }, { retries: 0 });
    try {
      const all = Array.from({ length: 6 }, () => rejection(http.request('GET', '/x')));
      for (let i = 0; i < 50 && server.requests.length < 4; i++) await new Promise((r) => setTimeout(r, 10));
      await new Promise((r) => setTimeout(r, 50));
      expect(server.requests).toHaveLength(4);
      http.close();
      const errors = await Promise.all(all);
      expect(errors.map((e) => e.code).sort()).toEqual([
        'host.closed',
        'host.closed',
        'host.unreachable',
        'host.unreachable',
        'host.unreachable',
        'host.unreachable',
      ]);
      await expect(http.request('GET', '/x')).rejects.toMatchObject({ code: 'host.closed' });
    } finally {
      await server.close();
    }
  });
});

describe('nextLink and truncate', () => {
  it('reads the next page from a Link header', () => {
    expect(
      nextLink({
        link: '<https://api.github.com/repositories/1/issues/2/comments?page=2>; rel="next", <https://api.github.com/repositories/1/issues/2/comments?page=5>; rel="last"',
      }),
    ).toBe('https://api.github.com/repositories/1/issues/2/comments?page=2');
    expect(nextLink({ link: '<https://x/y?page=1>; rel="prev"' })).toBeUndefined();
    expect(nextLink({})).toBeUndefined();
  });

  it('cuts on characters, never inside one, and marks the cut', () => {
    expect(truncate('abcdef', 4)).toBe('abc…');
    expect(truncate('abc', 4)).toBe('abc');
    expect(Array.from(truncate('😀'.repeat(10), 5))).toHaveLength(5);
  });
});
