import { silentLog, type Log } from '../../../controller/log';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import type { ServerConfig } from '../../../controller/config/types';
import { FakeController } from '../../helpers/fake-controller';
import type { Delivery } from '../../helpers/webhook-deliveries';

export const SECRET = 'webhook-secret-for-tests';
export const TOKEN = 'api-token-for-tests';

/** A real server on 127.0.0.1:<free port> in front of a FakeController, and ways to talk to it. */
export interface TestServer {
  readonly server: RunningServer;
  readonly controller: FakeController;
  readonly metrics: Metrics;
  post(path: string, delivery: Delivery): Promise<Response>;
  /** GET with the test's API token (a token with both scopes). */
  get(path: string): Promise<Response>;
  /** The value of one sample line of /metrics, or undefined. */
  sample(line: string): Promise<number | undefined>;
}

/** Starts a server with both secrets set (override config or env to test other set-ups). */
export async function startTestServer(
  o: { config?: Partial<ServerConfig>; env?: NodeJS.ProcessEnv; controller?: FakeController; log?: Log } = {},
): Promise<TestServer> {
  const controller = o.controller ?? new FakeController();
  const metrics = new Metrics();
  const server = await createServer({
    controller,
    metrics,
    log: o.log ?? silentLog(),
    config: {
      port: 0,
      host: '127.0.0.1',
      maxBodyBytes: 1024 * 1024,
      webhookSecretEnv: 'CAIRN_TEST_WEBHOOK_SECRET',
      apiTokenEnv: 'CAIRN_TEST_API_TOKEN',
      // Tests send many concurrent requests from one address; the per-client cap has tests of its own.
      maxConnectionsPerClient: 1000,
      ...o.config,
    },
    env: o.env ?? { CAIRN_TEST_WEBHOOK_SECRET: SECRET, CAIRN_TEST_API_TOKEN: TOKEN },
  });
  return {
    server,
    controller,
    metrics,
    post: (path, d) => fetch(`${server.url}${path}`, { method: 'POST', headers: d.headers, body: d.body }),
    get: (path) => fetch(`${server.url}${path}`, { headers: { authorization: `Bearer ${TOKEN}` } }),
    sample: async (line) => {
      const text = await (await fetch(`${server.url}/metrics`)).text();
      const found = text.split('\n').find((l) => l.startsWith(`${line} `));
      return found === undefined ? undefined : Number(found.slice(line.length + 1));
    },
  };
}
