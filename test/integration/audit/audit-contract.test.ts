import { randomUUID } from 'node:crypto';
import { readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DeleteItemCommand, DynamoDBClient, GetItemCommand, PutItemCommand } from '@aws-sdk/client-dynamodb';
import pino from 'pino';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditEntry } from '../../../controller/audit/types';
import type { AuditConfig } from '../../../controller/config/types';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { runCli } from '../../helpers/cli';
import { startDynamoDbFaultProxy } from '../../helpers/dynamodb-fault-proxy';
import {
  auditConfig,
  delta,
  entry,
  recordEntry,
  sha,
  tempAuditDir,
  writeAuditOnlyConfig,
} from './audit-fixtures';

jest.setTimeout(180_000);

const sandbox = sandboxEnv();
const awsEnv = {
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
};
Object.assign(process.env, awsEnv);
const dynamo = new DynamoDBClient({ region: sandbox.aws.region, endpoint: sandbox.aws.endpoint });

const dirs: string[] = [];
afterAll(async () => {
  dynamo.destroy();
  for (const dir of dirs) await rm(dir, { recursive: true, force: true });
});

/** One backend under the contract: how to configure it, and how an attacker edits or drops a stored record. */
interface Backend {
  readonly name: 'jsonl' | 'dynamodb';
  config(test: string): Promise<AuditConfig>;
  /** Replaces `from` by `to` in the stored line of `env`'s record `seq`. */
  edit(config: AuditConfig, env: string, seq: number, from: string, to: string): Promise<void>;
  /** Removes `env`'s last stored record. */
  dropLast(config: AuditConfig, env: string, seq: number): Promise<void>;
}

const jsonl: Backend = {
  name: 'jsonl',
  async config(test) {
    const root = await tempAuditDir(test);
    dirs.push(root);
    return auditConfig(join(root, 'audit'));
  },
  async edit(config, env, seq, from, to) {
    const file = join(config.dir, 'envs', env, 'audit-000001.jsonl');
    const lines = (await readFile(file, 'utf8')).split('\n');
    lines[seq - 1] = lines[seq - 1]!.replace(from, to);
    await writeFile(file, lines.join('\n'));
  },
  async dropLast(config, env) {
    const file = join(config.dir, 'envs', env, 'audit-000001.jsonl');
    const lines = (await readFile(file, 'utf8')).trimEnd().split('\n');
    await writeFile(file, `${lines.slice(0, -1).join('\n')}\n`);
  },
};

const dynamodb: Backend = {
  name: 'dynamodb',
  async config(test) {
    const base = await jsonl.config(test);
    return {
      ...base,
      backend: 'dynamodb',
      dynamodb: {
        table: `cairn-audit-${randomUUID().slice(0, 8)}`,
        region: sandbox.aws.region,
        endpoint: sandbox.aws.endpoint,
      },
    };
  },
  async edit(config, env, seq, from, to) {
    const Key = { env: { S: env }, seq: { N: String(seq) } };
    const found = await dynamo.send(new GetItemCommand({ TableName: config.dynamodb!.table, Key }));
    const line = found.Item!.line!.S!.replace(from, to);
    await dynamo.send(
      new PutItemCommand({ TableName: config.dynamodb!.table, Item: { ...Key, line: { S: line } } }),
    );
  },
  async dropLast(config, env, seq) {
    await dynamo.send(
      new DeleteItemCommand({
        TableName: config.dynamodb!.table,
        Key: { env: { S: env }, seq: { N: String(seq) } },
      }),
    );
  },
};

describe.each([jsonl, dynamodb])('the audit contract on $name', (backend) => {
  it('records, lists newest first, shows by prefix, says what is applied and verifies', async () => {
    const config = await backend.config('contract-basic');
    const log = await AuditLog.open(config);
    await recordEntry(
      log,
      entry({ id: 'aaa-1', env: 'dev', toSha: sha('1'), finishedAt: '2025-06-01T10:00:01.000Z' }),
    );
    await recordEntry(
      log,
      entry({ id: 'bbb-1', env: 'prod', toSha: sha('2'), finishedAt: '2025-06-01T10:00:02.000Z' }),
    );
    await recordEntry(
      log,
      entry({
        id: 'aaa-2',
        env: 'dev',
        fromSha: sha('1'),
        toSha: sha('3'),
        outcome: 'failed',
        applied: { aws: 'aws-3' },
        finishedAt: '2025-06-01T10:00:03.000Z',
      }),
    );
    await log.close();

    const reader = await AuditLog.reader(config);
    expect((await reader.list()).map((e) => e.id)).toEqual(['aaa-2', 'bbb-1', 'aaa-1']);
    expect((await reader.list({ env: 'dev', limit: 1 })).map((e) => e.id)).toEqual(['aaa-2']);
    expect((await reader.get('bbb'))?.toSha).toBe(sha('2'));
    await expect(reader.get('aaa')).rejects.toMatchObject({ code: 'audit.ambiguous-id' });
    expect(await reader.lastApplied('dev')).toEqual({
      sha: sha('1'),
      awsTree: 'aws-3',
      k8sTree: 'tree-k8s-1',
    });
    expect(reader.reports().map((r) => [r.env, r.records, r.firstBreak, r.head.seq, r.witness?.seq])).toEqual(
      [
        ['dev', 4, null, 4, 4],
        ['prod', 2, null, 2, 2],
      ],
    );
    await reader.close();
  });

  it('ends a page before the record that would take it past maxBytes, and always holds the first', async () => {
    // Given three entries of dev, the middle one far larger than the others (a commit of a large tree)
    const config = await backend.config('contract-page-bytes');
    const log = await AuditLog.open(config);
    const many = Array.from({ length: 400 }, (_, i) => ({
      target: 'kubernetes' as const,
      subject: `ConfigMap/dev/c-${i}`,
      action: 'unchanged' as const,
    }));
    await recordEntry(log, entry({ id: 'small-1', toSha: sha('1') }));
    await recordEntry(log, entry({ id: 'large-2', fromSha: sha('1'), toSha: sha('2'), changes: many }));
    await recordEntry(log, entry({ id: 'small-3', fromSha: sha('2'), toSha: sha('3') }));
    await log.close();
    const reader = await AuditLog.reader(config);
    const ids = async (maxBytes: number, offset = 0) =>
      (await reader.list({ env: 'dev', limit: 10, offset, maxBytes })).map((e) => e.id);
    // Then a page of 4 KB ends before the large record, one of 1 MB holds all three
    expect(await ids(4096)).toEqual(['small-3']);
    expect(await ids(1024 * 1024)).toEqual(['small-3', 'large-2', 'small-1']);
    // And a page that starts at the large record holds it, however small its budget
    expect(await ids(1, 1)).toEqual(['large-2']);
    // And count says how many a client pages through (from the index), another environment none
    expect(reader.count('dev')).toBe(3);
    expect(reader.count('prod')).toBe(0);
    await reader.close();
  });

  it('folds quiet passes into the entry before them and keeps a pass that repaired drift as an entry', async () => {
    // given an applied commit, then three drift passes that changed nothing, then one that repaired drift
    const config = await backend.config('contract-quiet');
    const log = await AuditLog.open(config);
    await recordEntry(
      log,
      entry({
        id: 'apply',
        toSha: sha('1'),
        ...delta('created'),
      }),
    );
    for (const [i, at] of ['10:05:00', '10:10:00', '10:15:00'].entries()) {
      await recordEntry(
        log,
        entry({
          id: `quiet-${i}`,
          trigger: 'drift',
          fromSha: sha('1'),
          toSha: sha('1'),
          finishedAt: `2025-06-01T${at}.000Z`,
          ...delta('unchanged'),
        }),
      );
    }
    await recordEntry(
      log,
      entry({
        id: 'repair',
        trigger: 'drift',
        fromSha: sha('1'),
        toSha: sha('1'),
        finishedAt: '2025-06-01T10:20:00.000Z',
        ...delta('drift repaired'),
      }),
    );
    await log.close();

    // then the quiet passes are no entries of their own, but counted on the first one, and last checked is the newest pass
    const reader = await AuditLog.reader(config);
    const listed = await reader.list({ env: 'dev' });
    expect(listed.map((e) => e.id)).toEqual(['repair', 'apply']);
    expect(listed[1]!.checks).toEqual({
      count: 3,
      firstAt: '2025-06-01T10:05:00.000Z',
      lastAt: '2025-06-01T10:15:00.000Z',
    });
    expect(reader.lastChecked('dev')).toBe('2025-06-01T10:20:00.000Z');
    expect(reader.reports()[0]).toMatchObject({ records: 10, firstBreak: null });
    await reader.close();
  });

  it.each([
    [
      'an edited record',
      (b: Backend, c: AuditConfig) => b.edit(c, 'dev', 2, 'succeeded', 'failed!!!'),
      2,
      /does not match its hash/,
    ],
    [
      'a deleted last record',
      (b: Backend, c: AuditConfig) => b.dropLast(c, 'dev', 4),
      4,
      /records 4\.\.4 are missing/,
    ],
  ])(
    'finds %s, refuses appends until a recorded repair, then resumes',
    async (_name, tamper, seq, reason) => {
      const config = await backend.config('contract-break');
      const log = await AuditLog.open(config);
      await recordEntry(log, entry({ id: 'one', toSha: sha('1') }));
      await recordEntry(log, entry({ id: 'two', fromSha: sha('1'), toSha: sha('2') }));
      await log.close();

      await tamper(backend, config);

      const broken = await AuditLog.open(config);
      expect(broken.reports()[0]!.firstBreak).toMatchObject({ seq, reason: expect.stringMatching(reason) });
      expect(broken.health().ready).toBe(false);
      await expect(
        broken.start({ env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('3') }),
      ).rejects.toMatchObject({ code: 'audit.broken' });
      const repaired = await broken.repair('dev', 'ops');
      expect(repaired).toMatchObject({ kind: 'break', by: 'ops', seq });
      expect(broken.health()).toEqual({ ready: true });
      await recordEntry(broken, entry({ id: 'three', toSha: sha('3') }));
      await broken.close();

      const reader = await AuditLog.reader(config);
      expect(reader.reports()[0]).toMatchObject({ firstBreak: null, tornTail: null });
      expect(reader.repairs('dev')).toHaveLength(1);
      expect((await reader.lastApplied('dev'))?.sha).toBe(sha('3'));
      await reader.close();
    },
  );
});

describe('two writers on one environment', () => {
  it('jsonl: the second writer is refused while the first holds the folder', async () => {
    const config = await jsonl.config('race-jsonl');
    const first = await AuditLog.open(config);
    await expect(AuditLog.open(config)).rejects.toMatchObject({ code: 'audit.locked' });
    await first.close();
  });

  it('dynamodb: both append at once, the chain never forks and never holds two open reconciles: the loser re-reads, and a start beside the other’s open one is refused', async () => {
    // given two writers (two processes' worth of state) on one table
    const moto = await dynamodb.config('race-dynamodb');
    // through a proxy that hands moto one request at a time (moto's own transactions race across
    // its threads: see dynamodb-fault-proxy.ts); the writers' read-then-write still interleave
    const proxy = await startDynamoDbFaultProxy(moto.dynamodb!.endpoint!);
    const config: AuditConfig = { ...moto, dynamodb: { ...moto.dynamodb!, endpoint: proxy.url } };
    const races: string[] = [];
    const log = pino({ level: 'debug' }, { write: (line: string) => void races.push(line) });
    const a = await AuditLog.open(config, log);
    const b = await AuditLog.open(config, log);

    // when both try to record 8 reconciles of dev at the same time (one writer per entry: a start
    // while the other's entry is open is refused, as a replica without the Lease would be)
    const recorded: string[] = [];
    const refused: string[] = [];
    await Promise.all(
      [a, b].map(async (writer, w) => {
        for (let i = 0; i < 8; i += 1) {
          const id = `w${w}-${i}`;
          try {
            await recordEntry(writer, entry({ id, toSha: sha(String(i)) }));
            recorded.push(id);
          } catch (error) {
            refused.push((error as { code?: string }).code ?? String(error));
          }
        }
      }),
    );
    await a.close();
    await b.close();

    // then races were lost (and retried), every refusal was an overlap, and one unbroken chain
    // holds a start and its end for each recorded entry, all of which read back
    expect(races.filter((l) => l.includes('lost an append race')).length).toBeGreaterThan(0);
    expect(new Set(refused)).toEqual(new Set(refused.length > 0 ? ['audit.overlap'] : []));
    expect(recorded.length).toBeGreaterThanOrEqual(8);
    const reader = await AuditLog.reader(config);
    expect(reader.reports()).toEqual([
      expect.objectContaining({ env: 'dev', records: recorded.length * 2, firstBreak: null }),
    ]);
    expect((await reader.list({ env: 'dev' })).map((e) => e.id).sort()).toEqual([...recorded].sort());
    await reader.close();
    await proxy.close();
  });
});

describe('cairn audit migrate', () => {
  it('copies a JSONL log into DynamoDB record for record, and cairn audit verify finds it intact there', async () => {
    // given a keyed JSONL log with two environments
    const source = await jsonl.config('migrate-src');
    const log = await AuditLog.open(source);
    await recordEntry(log, entry({ id: 'm1', env: 'dev', toSha: sha('1') }));
    await recordEntry(log, entry({ id: 'm2', env: 'prod', toSha: sha('2') }));
    await recordEntry(log, entry({ id: 'm3', env: 'dev', fromSha: sha('1'), toSha: sha('3') }));
    await log.close();
    const target = await dynamodb.config('migrate-dst');
    const file = await writeAuditOnlyConfig(
      join(target.dir, '..'),
      `  backend: dynamodb\n  dir: ${target.dir}\n  keyFile: ${source.keyFile}\n  dynamodb: { table: ${target.dynamodb!.table}, region: ${target.dynamodb!.region}, endpoint: '${target.dynamodb!.endpoint}' }\n`,
    );

    // when it is migrated with the CLI
    const migrated = await runCli(['audit', 'migrate', '--config', file, '--from-dir', source.dir], awsEnv);
    expect(migrated.stderr).not.toMatch(/^cairn:/m);
    expect(migrated.stdout).toContain('copied dev: 4 records, head 4');
    expect(migrated.code).toBe(0);

    // then the table verifies under the same key and lists the same entries
    const verify = await runCli(['audit', 'verify', '--config', file], awsEnv);
    expect(verify.stdout).toContain('audit trail intact: 6 records in 2 chain(s)');
    expect(verify.code).toBe(0);
    const list = JSON.parse(
      (await runCli(['audit', 'list', '--config', file, '--json'], awsEnv)).stdout,
    ) as AuditEntry[];
    const before = await AuditLog.reader(source);
    expect(list).toEqual(await before.list());
    await before.close();
  });
});
