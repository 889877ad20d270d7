/**
 * The server under test of webhook-flood-bench.ts, in a process of its own so that its memory is
 * measured alone: cairn's HTTP server with its default limits in front of a controller that only
 * counts triggers. Prints one JSON line `{ url, pid }` once listening; collects garbage on SIGUSR2
 * (when run with --expose-gc); stops on SIGTERM.
 */
import { silentLog } from '../../controller/log';
import { createServer } from '../../controller/server/create-server';
import { Metrics } from '../../controller/server/metrics';
import type { ControllerPort } from '../../controller/server/types';

async function main(): Promise<void> {
  let triggers = 0;
  const controller: ControllerPort = {
    environments: () => [],
    environmentsForBranch: (branch) => (branch === 'dev' ? ['dev'] : []),
    trigger: () => {
      triggers += 1;
    },
    ready: () => true,
    audit: { list: async () => [], count: () => 0, get: async () => undefined },
  };
  const server = await createServer({
    controller,
    metrics: new Metrics(),
    log: silentLog(),
    config: {
      port: 0,
      host: '127.0.0.1',
      maxBodyBytes: 1024 * 1024,
      webhookSecretEnv: 'BENCH_WEBHOOK_SECRET',
      apiTokenEnv: 'BENCH_API_TOKEN',
    },
    env: { BENCH_WEBHOOK_SECRET: process.argv[2] ?? 'bench-secret', BENCH_API_TOKEN: 'bench-token' },
  });
  process.stdout.write(`${JSON.stringify({ url: server.url, pid: process.pid })}\n`);
  // The bench asks for a full collection after the flood, to tell memory still held from garbage.
  process.on('SIGUSR2', () => (globalThis as { gc?: () => void }).gc?.());
  process.once('SIGTERM', () => {
    process.stderr.write(`flood server: ${triggers} triggers\n`);
    void server.close().then(() => process.exit(0));
  });
}

void main();
