import { rawRequest } from '../../helpers/raw-http';
import { startTestServer, type TestServer } from './test-server';

/**
 * Only a POST route reads a request body. Found in review: a body sent to a path no route serves
 * was read (up to server.maxBodySize, held up to server.bodyTimeout) before the 404, and one sent
 * with a GET of a probe or a page, or to a path the router cannot take (whose answer was
 * Fastify's own, naming it by its error code), was drained after the answer, all before any token.
 */
describe('a request body where no route reads one', () => {
  let t: TestServer;
  beforeAll(async () => {
    // Given a server with a body timeout longer than the wait below
    t = await startTestServer({ config: { bodyTimeoutMs: 5000 } });
  });
  afterAll(() => t.server.close());

  const head = (line: string, framing: string) =>
    `${line} HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json\r\n${framing}\r\n\r\n`;
  it.each([
    [
      'POST to a path no route serves',
      'POST /anything',
      'content-length: 1000000',
      404,
      'no route POST /anything',
    ],
    [
      'POST to /internal/shard/trigger of a replica that is not sharded',
      'POST /internal/shard/trigger',
      'content-length: 1000000',
      404,
      'no route POST /internal/shard/trigger',
    ],
    [
      'chunked POST to a path no route serves',
      'POST /x',
      'transfer-encoding: chunked',
      404,
      'no route POST /x',
    ],
    ['GET /healthz', 'GET /healthz', 'content-length: 1000000', 413, 'GET /healthz takes no request body'],
    ['GET /metrics', 'GET /metrics', 'content-length: 1000000', 413, 'GET /metrics takes no request body'],
    ['GET / (the web UI)', 'GET /', 'transfer-encoding: chunked', 413, 'GET / takes no request body'],
    // Paths the router cannot take, refused before any hook (Fastify's own answer named it)
    [
      'POST to a path of bad percent-encoding',
      'POST /hooks/%c0',
      'content-length: 1000000',
      400,
      '{"message":"\'/hooks/%c0\' is not a valid url component"}',
    ],
    [
      'POST to a path segment past 100 characters',
      `POST /hooks/${'x'.repeat(101)}`,
      'content-length: 1000000',
      414,
      '{"message":"\'/hooks/xxx',
    ],
  ] as const)(
    '%s: answered from the headers, the connection cut unread',
    async (_case, line, framing, status, message) => {
      // When only the headers of a body are sent
      const answer = await rawRequest(t.server.url, head(line, framing), 2000);
      // Then the answer comes at once, and the server closes the connection without waiting for the body
      expect([answer.status, answer.closedByServer]).toEqual([status, true]);
      expect(answer.text).toContain(message);
      expect(answer.ms).toBeLessThan(1000);
    },
  );
});
