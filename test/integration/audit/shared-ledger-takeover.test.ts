import { randomUUID } from 'node:crypto';
import { rm } from 'node:fs/promises';
import { AuditLog } from '../../../controller/audit/audit-log';
import type { AuditConfig } from '../../../controller/config/types';
import { shardLost } from '../../../controller/shard/lease';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { auditConfig, delta, entry, sha, tempAuditDir } from './audit-fixtures';

jest.setTimeout(120_000);

const sandbox = sandboxEnv();
Object.assign(process.env, {
  AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
});

/**
 * Two replicas on one DynamoDB ledger (moto): the one taking an environment over catches up with
 * what the other recorded since it opened, and closes only that environment's unfinished start.
 */
describe('a shared ledger when a replica takes an environment over', () => {
  let dir: string;
  let config: AuditConfig;
  beforeAll(async () => {
    dir = await tempAuditDir('takeover');
    config = {
      ...auditConfig(dir),
      backend: 'dynamodb',
      dynamodb: {
        table: `cairn-takeover-${randomUUID().slice(0, 8)}`,
        region: sandbox.aws.region,
        endpoint: sandbox.aws.endpoint,
      },
    };
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('refresh(env) reads the other writer’s records, and interrupted(env) closes only that environment’s open start', async () => {
    // Given replica B opened the ledger first, then replica A applied dev and died mid-reconcile of dev and of prod
    const b = await AuditLog.open(config);
    const a = await AuditLog.open(config);
    await a.start({ id: 'd1', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('a') });
    await a.end(
      entry({ id: 'd1', ...delta('created'), lease: { holder: 'replica-a', resourceVersion: '41' } }),
    );
    await a.start({ id: 'd2', env: 'dev', trigger: 'poll', fromSha: sha('a'), toSha: sha('b') });
    await a.start({ id: 'p1', env: 'prod', trigger: 'poll', fromSha: null, toSha: sha('c') });
    await a.close();
    expect(await b.lastApplied('dev')).toBeNull();

    // When B takes dev over
    await b.refresh('dev');
    const closed = await b.interrupted('dev');

    // Then it knows what A applied (with A's Lease), closed A's dev attempt, and left prod to its holder
    expect((await b.lastApplied('dev'))?.sha).toBe(sha('a'));
    expect((await b.list({ env: 'dev', limit: 5 })).map((e) => [e.id, e.outcome, e.lease?.holder])).toEqual([
      ['d2', 'interrupted', undefined],
      ['d1', 'succeeded', 'replica-a'],
    ]);
    expect(closed.map((e) => e.id)).toEqual(['d2']);
    await b.refresh('prod');
    expect((await b.interrupted('dev')).length).toBe(0);
    expect(b.reports().every((r) => r.firstBreak === null)).toBe(true);
    await b.close();
  });

  it('one writer per entry: a paused replica’s end of an entry another closed as interrupted is refused, and so is a second open start', async () => {
    // Given replica A started reconcile s1 of stage and froze; B took stage over and closed s1 as interrupted
    const a = await AuditLog.open(config);
    await a.start({ id: 's1', env: 'stage', trigger: 'poll', fromSha: null, toSha: sha('a') });
    const b = await AuditLog.open(config);
    await b.refresh('stage');
    expect((await b.interrupted('stage')).map((e) => e.id)).toEqual(['s1']);
    await b.start({ id: 's2', env: 'stage', trigger: 'poll', fromSha: null, toSha: sha('b') });

    // When A resumes and ends s1 (its conditional write loses, it re-reads the chain), or starts another
    const ending = a.end(entry({ id: 's1', env: 'stage', ...delta('created') }));
    // Then the end is refused as not open, and a start beside B's open s2 as an overlap
    await expect(ending).rejects.toMatchObject({ code: 'audit.not-open' });
    await expect(
      a.start({ id: 's3', env: 'stage', trigger: 'poll', fromSha: null, toSha: sha('c') }),
    ).rejects.toMatchObject({ code: 'audit.overlap' });
    await b.end(entry({ id: 's2', env: 'stage', toSha: sha('b'), ...delta('created') }));
    await Promise.all([a.close(), b.close()]);

    // And the chain holds one close per entry and verifies
    const reader = await AuditLog.reader(config);
    expect(reader.reports().find((r) => r.env === 'stage')?.firstBreak).toBeNull();
    expect((await reader.list({ env: 'stage' })).map((e) => [e.id, e.outcome])).toEqual([
      ['s2', 'succeeded'],
      ['s1', 'interrupted'],
    ]);
    await reader.close();
  });
});

/**
 * The start record is fenced as the appliers' writes are: on either store, a start whose fence
 * fails writes nothing (no open entry for anyone to close), and the chain takes the next append.
 */
describe.each(['jsonl', 'dynamodb'] as const)('a fenced start record on the %s ledger', (backend) => {
  let dir: string;
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('writes nothing once the fence reports the Lease lost, and leaves the chain writable', async () => {
    // given a ledger, and a fence that says this replica lost its Lease
    dir = await tempAuditDir(`fenced-start-${backend}`);
    const config: AuditConfig =
      backend === 'jsonl'
        ? auditConfig(dir)
        : {
            ...auditConfig(dir),
            backend: 'dynamodb',
            dynamodb: {
              table: `cairn-fenced-start-${randomUUID().slice(0, 8)}`,
              region: sandbox.aws.region,
              endpoint: sandbox.aws.endpoint,
            },
          };
    const audit = await AuditLog.open(config);
    let checks = 0;
    const lost = () => {
      checks += 1;
      throw shardLost('dev', 'no successful renewal for 13000 ms (the bound is 12000 ms)', 'record');
    };

    // when a reconcile's start is appended through it
    const start = audit.start(
      { id: 'f1', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('a') },
      lost,
    );

    // then it is refused with shard.lost, nothing is open, and the next start and end land
    await expect(start).rejects.toMatchObject({ code: 'shard.lost', phase: 'record' });
    expect(checks).toBe(1);
    expect(await audit.interrupted('dev')).toEqual([]);
    await audit.start({ id: 'f2', env: 'dev', trigger: 'poll', fromSha: null, toSha: sha('b') });
    await audit.end(entry({ id: 'f2', env: 'dev', toSha: sha('b'), ...delta('created') }));
    await audit.close();
    const reader = await AuditLog.reader(config);
    expect(reader.reports().find((r) => r.env === 'dev')).toMatchObject({ records: 2, firstBreak: null });
    expect((await reader.list({ env: 'dev' })).map((e) => e.id)).toEqual(['f2']);
    await reader.close();
  });
});
