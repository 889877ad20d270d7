import { randomUUID } from 'node:crypto';
import { join } from 'node:path';
import { AuditLog } from '../../../controller/audit/audit-log';
import { loadConfig } from '../../../controller/config/load-config';
import { silentLog } from '../../../controller/log';
import { Controller } from '../../../controller/reconcile/controller';
import type { EnvironmentStatus } from '../../../controller/reconcile/status';
import { createServer, type RunningServer } from '../../../controller/server/create-server';
import { Metrics } from '../../../controller/server/metrics';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../helpers/dynamodb-fault-proxy';
import { FakeKube, FakeSource, revision } from '../../helpers/reconcile-fakes';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { auditConfig, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

jest.setTimeout(120_000);

const sandbox = sandboxEnv();
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
});
const TOKEN = 'token-for-the-unwritable-test';

async function until<T>(what: string, read: () => Promise<T> | T, ok: (value: T) => boolean): Promise<T> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const value = await read();
    if (ok(value)) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}: ${JSON.stringify(value)}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * The DynamoDB ledger behind a proxy that answers every write with a 500: the controller retries,
 * then releases the environment and says why on /api/environments and /readyz; once the proxy
 * heals, the environment's next retry records and applies again.
 */
describe('an audit chain that cannot be written', () => {
  let proxy: DynamoDbFaultProxy;
  let server: RunningServer;
  let controller: Controller;
  let log: AuditLog;
  const source = new FakeSource();
  const kube = new FakeKube();

  beforeAll(async () => {
    proxy = await startDynamoDbFaultProxy(sandbox.aws.endpoint);
    const dir = await tempAuditDir('unwritable');
    const audit = auditConfig(join(dir, 'audit'));
    const config = loadConfig(
      await writeAuditOnlyConfig(
        dir,
        `  backend: dynamodb\n  dir: ${audit.dir}\n  keyFile: ${audit.keyFile}\n  dynamodb: { table: cairn-unwritable-${randomUUID().slice(0, 8)}, region: ${sandbox.aws.region}, endpoint: '${proxy.url}' }\n`,
      ),
    );
    log = await AuditLog.open(config.audit, silentLog(), {
      appendRetry: { retries: 3, baseMs: 50, maxMs: 200 },
    });
    controller = new Controller({
      config,
      source,
      audit: log,
      appliers: () => ({ kube }),
      log: silentLog(),
      retry: { baseMs: 300, maxMs: 1000, random: () => 0.5 },
    });
    server = await createServer({
      controller,
      metrics: new Metrics(),
      log: silentLog(),
      config: { ...config.server, port: 0, apiTokenEnv: 'CAIRN_TEST_TOKEN' },
      env: { CAIRN_TEST_TOKEN: TOKEN },
    });
  });
  afterAll(async () => {
    await server.close();
    await controller.stop();
    await log.close();
    await proxy.close();
  });

  const status = async (): Promise<EnvironmentStatus> => {
    const answer = await fetch(`${server.url}/api/environments`, {
      headers: { authorization: `Bearer ${TOKEN}` },
    });
    const body = (await answer.json()) as
      readonly EnvironmentStatus[] | { environments: EnvironmentStatus[] };
    const list = Array.isArray(body) ? body : (body as { environments: EnvironmentStatus[] }).environments;
    return list.find((e) => e.name === 'dev')!;
  };

  it('retries, releases the environment saying why, and recovers once the table takes writes again', async () => {
    // Given a table that answers every write with a 500
    proxy.failing.add('TransactWriteItems').add('PutItem').add('BatchWriteItem');
    source.heads = [{ kind: 'revision', revision: revision('a1', { aws: null, k8s: 'k1' }) }];

    // When the controller starts and tries to reconcile dev
    await controller.start();

    // Then the append was retried, and dev is released: failed with audit.unwritable, nothing applied
    const released = await until('dev released', status, (s) => s.released !== undefined);
    expect(proxy.failed()).toBeGreaterThanOrEqual(4);
    expect(released.status).toBe('failed');
    expect(released.failure?.code).toBe('audit.unwritable');
    expect(released.failure?.message).toContain('injected by the test proxy');
    expect(kube.calls).not.toContain('apply');
    const ready = await fetch(`${server.url}/readyz`);
    expect(ready.status).toBe(503);
    const why = await ready.text();
    expect(why).toContain('environment dev is released');
    expect(why).not.toContain('injected by the test proxy');
    // and polls do not reconcile it while it is released (only the backoff retry probes)
    const before = proxy.failed();
    await controller.fetch('poll');
    expect(proxy.failed()).toBe(before);

    // When the table takes writes again
    proxy.failing.clear();

    // Then the next retry records and applies dev, and the controller is ready again
    const synced = await until('dev synced', status, (s) => s.status === 'synced');
    expect(synced.released).toBeUndefined();
    expect(synced.lastAppliedSha).toBe('a1'.padEnd(40, '0'));
    expect(kube.calls).toContain('apply');
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    const entries = await log.list({ env: 'dev' });
    expect(entries[0]?.outcome).toBe('succeeded');
  });
});

describe('an append whose answer is lost', () => {
  it('is recorded once: the retry finds the record it already wrote', async () => {
    // Given a ledger whose TransactWriteItems answers are cut after moto committed them
    const proxy = await startDynamoDbFaultProxy(sandbox.aws.endpoint);
    const dir = await tempAuditDir('lost-answer');
    const audit = {
      ...auditConfig(join(dir, 'audit')),
      backend: 'dynamodb' as const,
      dynamodb: {
        table: `cairn-lost-${randomUUID().slice(0, 8)}`,
        region: sandbox.aws.region,
        endpoint: proxy.url,
      },
    };
    const log = await AuditLog.open(audit, silentLog(), {
      appendRetry: { retries: 3, baseMs: 50, maxMs: 200 },
    });
    try {
      await log.start({ id: 'first', env: 'dev', trigger: 'poll', fromSha: null, toSha: 'a'.repeat(40) });
      // (closed, so the next start is not a second reconcile beside an open one: audit.overlap)
      await log.interrupted('dev');
      proxy.dropAnswers.add('TransactWriteItems');

      // When the next record is appended (its answer lost, so the write is tried again)
      await log.start({ id: 'second', env: 'dev', trigger: 'poll', fromSha: null, toSha: 'b'.repeat(40) });
      proxy.dropAnswers.clear();

      // Then the chain holds it once, and verifies
      const reader = await AuditLog.reader({
        ...audit,
        dynamodb: { ...audit.dynamodb, endpoint: sandbox.aws.endpoint },
      });
      const report = reader.reports().find((r) => r.env === 'dev')!;
      expect(report.firstBreak).toBeNull();
      expect(report.records).toBe(3);
      await reader.close();
      expect(proxy.targets.filter((t) => t.endsWith('TransactWriteItems')).length).toBeGreaterThanOrEqual(3);
    } finally {
      await log.close();
      await proxy.close();
    }
  });
});
