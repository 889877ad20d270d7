import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import {
  DescribeContinuousBackupsCommand,
  DeleteItemCommand,
  DescribeTableCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  QueryCommand,
} from '@aws-sdk/client-dynamodb';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry, ListedEntry } from '../../../controller/audit/types';
import type { AuditConfig } from '../../../controller/config/types';
import type { Change } from '../../../controller/model';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { startDynamoDbFaultProxy } from '../../helpers/dynamodb-fault-proxy';
import { auditConfig, entry, sha, tempAuditDir, writeAuditOnlyConfig } from './audit-fixtures';

jest.setTimeout(300_000);

const sandbox = sandboxEnv();
const awsEnv = {
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
  AWS_REGION: sandbox.aws.region,
};
Object.assign(process.env, awsEnv);
const dynamo = new DynamoDBClient({ region: sandbox.aws.region, endpoint: sandbox.aws.endpoint });
const main = join(__dirname, '../../../dist/controller/cli/main.js');
const run = promisify(execFile);

/** `count` ConfigMaps created, as the Kubernetes applier records them (long names, like real ones). */
function configMaps(count: number): Change[] {
  return Array.from({ length: count }, (_, i) => ({
    target: 'kubernetes',
    subject: `ConfigMap/apps/release-settings-${String(i).padStart(5, '0')}`,
    type: 'v1',
    action: 'created',
    durationMs: 12,
  }));
}

/** `cairn audit ARGS` through the built binary (dist/), as an operator runs it. */
async function cairn(args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, [main, ...args], {
      env: { ...process.env, ...awsEnv },
      maxBuffer: 256 * 1024 * 1024,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

async function record(log: AuditLog, e: AuditEntry): Promise<void> {
  await log.start({ id: e.id, env: e.env, trigger: e.trigger, fromSha: e.fromSha, toSha: e.toSha });
  await log.end(e);
}

/**
 * Entries past DynamoDB's 400 KB item limit (releases of 1,500 and 10,000 objects) on moto: they
 * are recorded, read back whole by the CLI, verified, and the chain takes the next commit's entry.
 */
describe('the DynamoDB ledger with entries of any size', () => {
  let config: AuditConfig;
  let file: string;
  const big = entry({ id: 'big-10k', toSha: sha('b'), fromSha: sha('a'), changes: configMaps(10_000) });
  const mid = entry({ id: 'mid-1500', toSha: sha('a'), changes: configMaps(1_500) });

  beforeAll(async () => {
    if (!existsSync(main))
      throw new Error('run `npm run build` first: this test runs dist/controller/cli/main.js');
    const dir = await tempAuditDir('large');
    config = {
      ...auditConfig(dir),
      backend: 'dynamodb',
      dynamodb: {
        table: `cairn-large-${randomUUID().slice(0, 8)}`,
        region: sandbox.aws.region,
        endpoint: sandbox.aws.endpoint,
      },
    };
    file = await writeAuditOnlyConfig(
      join(dir, '..'),
      `  backend: dynamodb\n  dir: ${dir}\n  keyFile: ${config.keyFile}\n  dynamodb: { table: ${config.dynamodb!.table}, region: ${config.dynamodb!.region}, endpoint: '${config.dynamodb!.endpoint}' }\n`,
    );
  });

  it('records a 1,500- and a 10,000-object release, shows them whole and verifies them; the next commit appends', async () => {
    // Given a writer that records both releases
    const log = await AuditLog.open(config);
    await record(log, mid);
    await record(log, big);
    const line = JSON.stringify(big).length;
    expect(line).toBeGreaterThan(1_000_000); // well past one item's 400 KB

    // When the CLI (the built binary) shows them
    const shownBig = await cairn(['audit', 'show', 'big-10k', '--config', file, '--json']);
    const shownMid = await cairn(['audit', 'show', 'mid-1500', '--config', file, '--json']);
    const page = await cairn(['audit', 'show', 'big-10k', '--config', file]);

    // Then each comes back whole, change for change
    expect(shownBig.code).toBe(0);
    expect((JSON.parse(shownBig.stdout) as ListedEntry).changes).toEqual(big.changes);
    expect((JSON.parse(shownMid.stdout) as ListedEntry).changes).toEqual(mid.changes);
    expect(page.stdout).toContain('ConfigMap/apps/release-settings-09999');
    const verify = await cairn(['audit', 'verify', '--config', file]);
    expect(verify.stdout).toContain('audit trail intact: 4 records in 1 chain(s)');

    // And the environment's next commit is recorded after it, also after a restart of the writer
    await record(log, entry({ id: 'next', fromSha: sha('b'), toSha: sha('c'), changes: configMaps(3) }));
    await log.close();
    const reopened = await AuditLog.open(config);
    expect((await reopened.lastApplied('dev'))?.sha).toBe(sha('c'));
    await record(reopened, entry({ id: 'after', fromSha: sha('c'), toSha: sha('d') }));
    expect((await reopened.list({ env: 'dev' })).map((e) => e.id)).toEqual([
      'after',
      'next',
      'big-10k',
      'mid-1500',
    ]);
    await reopened.close();
  });

  it('verify reports a changed chunk of the big entry as a break', async () => {
    // Given one byte of the 10,000-object entry's second chunk changed in the table
    const table = config.dynamodb!.table;
    const recordItem = await dynamo.send(
      new GetItemCommand({
        TableName: table,
        Key: { env: { S: 'dev' }, seq: { N: '4' } },
        ConsistentRead: true,
      }),
    );
    const partition = recordItem.Item!.chunks!.S!;
    expect(Number(recordItem.Item!.parts!.N)).toBeGreaterThan(1);
    const chunk = await dynamo.send(
      new GetItemCommand({ TableName: table, Key: { env: { S: partition }, seq: { N: '2' } } }),
    );
    const data = Buffer.from(chunk.Item!.data!.B!);
    const at = data.indexOf('release-settings-0');
    data[at] = 'R'.charCodeAt(0);
    await dynamo.send(new PutItemCommand({ TableName: table, Item: { ...chunk.Item!, data: { B: data } } }));

    // When it is verified
    const verify = await cairn(['audit', 'verify', '--config', file]);

    // Then the record holding that chunk is the first break
    expect(verify.code).not.toBe(0);
    expect(`${verify.stdout}${verify.stderr}`).toMatch(/dev.*4|seq 4|record 4/);
    expect(`${verify.stdout}${verify.stderr}`).toContain('does not match its hash');
    const reader = await AuditLog.reader(config);
    expect(reader.reports()[0]!.firstBreak?.seq).toBe(4);
    await reader.close();

    // And a repair moves the big record (its chunk pointer) and what follows into the quarantine
    const writer = await AuditLog.open(config);
    const repaired = await writer.repair('dev', 'ops@test');
    expect(repaired?.cut).toMatchObject({ fromSeq: 4, lines: 5 });
    expect(repaired!.cut!.bytes).toBeGreaterThan(1_000_000);
    await writer.close();
    const after = await cairn(['audit', 'verify', '--config', file]);
    expect(after.stdout).toContain('audit trail intact');
    const quarantined = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#e = :q',
        ExpressionAttributeNames: { '#e': 'env' },
        ExpressionAttributeValues: { ':q': { S: repaired!.cut!.quarantine.split('/').pop()! } },
      }),
    );
    expect(quarantined.Items?.find((i) => i.seq?.N === '4')?.chunks?.S).toBe(partition);
  });

  it('a table cairn creates has deletion protection and point-in-time recovery on, and opening it scans nothing', async () => {
    const table = config.dynamodb!.table;
    const described = await dynamo.send(new DescribeTableCommand({ TableName: table }));
    expect(described.Table?.DeletionProtectionEnabled).toBe(true);
    const backups = await dynamo.send(new DescribeContinuousBackupsCommand({ TableName: table }));
    expect(
      backups.ContinuousBackupsDescription?.PointInTimeRecoveryDescription?.PointInTimeRecoveryStatus,
    ).toBe('ENABLED');
    // The chains are listed in the registry partition...
    const registry = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#e = :r',
        ExpressionAttributeNames: { '#e': 'env' },
        ExpressionAttributeValues: { ':r': { S: '#envs' } },
      }),
    );
    expect(registry.Items?.flatMap((i) => (i.name?.S ? [i.name.S] : []))).toEqual(['dev']);
    // ...and a reader opening the table sends no Scan
    const proxy = await startDynamoDbFaultProxy(sandbox.aws.endpoint);
    try {
      const reader = await AuditLog.reader({
        ...config,
        dynamodb: { ...config.dynamodb!, endpoint: proxy.url },
      });
      expect(reader.reports().map((r) => r.env)).toEqual(['dev']);
      await reader.close();
      expect(proxy.targets).not.toContain('DynamoDB_20120810.Scan');
      expect(proxy.targets).toContain('DynamoDB_20120810.Query');
    } finally {
      await proxy.close();
    }
  });

  it('a table from before the registry is indexed once (one scan), then opens with queries only', async () => {
    // Given the table as an older cairn left it: chains, but no #envs registry
    const table = config.dynamodb!.table;
    const registry = await dynamo.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#e = :r',
        ExpressionAttributeNames: { '#e': 'env' },
        ExpressionAttributeValues: { ':r': { S: '#envs' } },
      }),
    );
    for (const item of registry.Items ?? [])
      await dynamo.send(new DeleteItemCommand({ TableName: table, Key: { env: item.env!, seq: item.seq! } }));
    const proxy = await startDynamoDbFaultProxy(sandbox.aws.endpoint);
    const through = { ...config, dynamodb: { ...config.dynamodb!, endpoint: proxy.url } };
    try {
      // When it is opened twice
      const scans = () => proxy.targets.filter((t) => t.endsWith('.Scan')).length;
      const first = await AuditLog.reader(through);
      const scannedFirst = scans();
      const second = await AuditLog.reader(through);

      // Then both find the chain; only the first open scanned (its pages)
      expect(first.reports().map((r) => r.env)).toEqual(['dev']);
      expect(second.reports().map((r) => r.env)).toEqual(['dev']);
      await first.close();
      await second.close();
      expect(scannedFirst).toBeGreaterThan(0);
      expect(scans()).toBe(scannedFirst);
    } finally {
      await proxy.close();
    }
  });
});
