import { DynamoDBClient, QueryCommand, ScanCommand, type AttributeValue } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { runKillable, type KillableRun } from '../../helpers/killable-run';
import type { LocalPlatform } from '../../helpers/local-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../../sandbox/sandbox-env';
import { dynamoDbLedgerSuite } from './dynamodb-ledger-suite';

/**
 * Crash consistency of the DynamoDB ledger with the real binary: `cairn sync` (dist/, built by
 * `npx tsc -p .`) writes its ledger through a proxy in front of moto that SIGKILLs it at the Nth
 * TransactWriteItems (the append of the start record, then of the end record), before the request
 * reaches moto or once moto has answered it. The chain must verify, every start must be ended,
 * and the next sync must make a correct entry: the interrupted attempt claims nothing, and a
 * release whose end never landed is applied again.
 */
jest.setTimeout(240_000);
const { proxy, platform } = dynamoDbLedgerSuite('ddbkill');
const { aws } = sandboxEnv();
const childEnv = {
  AWS_ACCESS_KEY_ID: aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
  AWS_REGION: aws.region,
};
const dynamodb = new DynamoDBClient(sandboxAwsClientConfig());
afterAll(() => dynamodb.destroy());

const cm = (name: string, v: string) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });

/** Runs the compiled binary with `args`; with `kill`, the proxy SIGKILLs it at that request. */
function cairn(
  args: readonly string[],
  kill?: { nth: number; operation: string; after: boolean },
): Promise<KillableRun> {
  return runKillable(args, {
    env: { ...process.env, ...childEnv },
    mustBeKilled: Boolean(kill),
    arm: (child) => {
      if (kill) proxy().killAt(child.pid!, kill.nth, kill.operation, kill.after);
      return () => undefined;
    },
  });
}

async function sync(p: LocalPlatform): Promise<AuditEntry> {
  const run = await cairn(['sync', '--config', p.config, '--env', 'dev', '--json']);
  if (run.code !== 0) throw new Error(`cairn sync exited ${String(run.code)}: ${run.stderr.slice(-3000)}`);
  return JSON.parse(run.stdout) as AuditEntry;
}

interface Line {
  readonly type: string;
  readonly id?: string;
  readonly entry?: AuditEntry;
}

/** Every item of a Query or Scan, page after page (`page` sends the one starting at `start`). */
async function allPages(
  page: (start: Record<string, AttributeValue> | undefined) => Promise<{
    Items?: Record<string, AttributeValue>[];
    LastEvaluatedKey?: Record<string, AttributeValue>;
  }>,
): Promise<Record<string, AttributeValue>[]> {
  const items: Record<string, AttributeValue>[] = [];
  let start: Record<string, AttributeValue> | undefined;
  do {
    const answer = await page(start);
    items.push(...(answer.Items ?? []));
    start = answer.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of one partition, in seq order (`above`: only those past that seq), read consistently. */
async function partition(table: string, env: string, above = 0): Promise<Record<string, AttributeValue>[]> {
  return allPages((start) =>
    dynamodb.send(
      new QueryCommand({
        TableName: table,
        KeyConditionExpression: '#e = :env AND #s > :above',
        ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
        ExpressionAttributeValues: { ':env': { S: env }, ':above': { N: String(above) } },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    ),
  );
}

/** The records of `dev`'s chain, in seq order; a chunked one put back together from its chunks. */
async function records(table: string): Promise<Line[]> {
  const lines: Line[] = [];
  for (const item of await partition(table, 'dev')) {
    const text =
      item.line?.S ??
      Buffer.concat((await partition(table, item.chunks!.S!)).map((c) => Buffer.from(c.data!.B!))).toString(
        'utf8',
      );
    lines.push(JSON.parse(text) as Line);
  }
  return lines;
}

/** The chunk partitions in the table (a test table, so a scan is fine), and which a record names. */
async function chunkPartitions(table: string): Promise<{ all: string[]; referenced: string[] }> {
  const all = new Set<string>();
  const items = await allPages((start) =>
    dynamodb.send(
      new ScanCommand({
        TableName: table,
        ProjectionExpression: '#e',
        ExpressionAttributeNames: { '#e': 'env' },
        ConsistentRead: true,
        ...(start ? { ExclusiveStartKey: start } : {}),
      }),
    ),
  );
  for (const i of items) if (i.env!.S!.startsWith('dev#part#')) all.add(i.env!.S!);
  const referenced = (await partition(table, 'dev')).flatMap((i) => (i.chunks?.S ? [i.chunks.S] : []));
  return { all: [...all].sort(), referenced: referenced.sort() };
}

/** The chain verifies, and every start has its end (or, for a pass that changed nothing, its check). */
async function ledgerHolds(p: LocalPlatform, table: string): Promise<Line[]> {
  const verify = await cairn(['audit', 'verify', '--config', p.config]);
  expect(verify.stderr + verify.stdout).not.toMatch(/broken|changed/);
  expect(verify.code).toBe(0);
  const lines = await records(table);
  const ended = new Set(
    lines.map((r) => (r.type === 'end' ? r.entry?.id : r.type === 'check' ? r.id : null)),
  );
  expect(lines.filter((r) => r.type === 'start' && !ended.has(r.id)).map((r) => r.id)).toEqual([]);
  return lines;
}

/**
 * Checks the ledger after a killed sync and the sync run again: the chain verifies with every start
 * ended, the end (or check) records from line `before` on have `outcomes`, an interrupted attempt
 * claims nothing, and the sync run again recorded the head. Returns the ledger's lines.
 */
async function recoveredOnce(
  p: LocalPlatform,
  table: string,
  before: number,
  outcomes: readonly string[],
  next: AuditEntry,
): Promise<Line[]> {
  const lines = await ledgerHolds(p, table);
  const ends = lines.slice(before).filter((r) => r.type === 'end' || r.type === 'check');
  expect(ends.map((r) => r.entry?.outcome ?? r.type)).toEqual(outcomes);
  for (const r of ends.filter((e) => e.entry?.outcome === 'interrupted')) {
    expect(r.entry!.changes).toEqual([]);
    expect(r.entry!.applied ?? {}).toEqual({});
  }
  expect(next.toSha).toBe(p.head());
  return lines;
}

describe('cairn sync killed at a DynamoDB ledger append, then run again', () => {
  it.each([
    ['before the start record reaches DynamoDB', 1, false, ['succeeded']],
    ['once the start record landed', 1, true, ['interrupted', 'succeeded']],
    ['before the end record reaches DynamoDB', 2, false, ['interrupted', 'succeeded']],
    ['once the end record landed', 2, true, ['succeeded', 'check']],
  ] as const)(
    '%s: the chain verifies and the next sync records a correct entry',
    async (_label, nth, after, outcomes) => {
      // given a first release applied and recorded, then a second commit
      const { p, table } = platform(`k${nth}${after ? 'a' : 'b'}`);
      p.commit('base', { 'k8s-resources/a.yaml': cm('a', '1') });
      expect((await sync(p)).outcome).toBe('succeeded');
      p.commit('next', { 'k8s-resources/a.yaml': cm('a', '2') });
      const before = (await records(table)).length;
      // when the sync of the second commit is killed at that append
      await cairn(['sync', '--config', p.config, '--env', 'dev', '--json'], {
        nth,
        operation: 'TransactWriteItems',
        after,
      });
      expect(proxy().killed()).toBe(true);
      // and cairn sync runs again
      const next = await sync(p);
      // then the chain verifies with every start ended, the interrupted attempt claims nothing, and
      // the head is recorded as applied exactly once after the kill (again when its end never landed)
      await recoveredOnce(p, table, before, outcomes, next);
    },
  );

  // A ledger line over 300 KB (CHUNK_BYTES) is stored in chunk items, 10 to a BatchWriteItem, before
  // the TransactWriteItems that puts the record naming them. Four ConfigMaps of 450 KB whose value
  // changes make an end record of about 3.6 MB (each change's diff holds the old and the new value):
  // 12 chunks in two batches.
  it.each([
    // label, killed at the nth request of this operation, chunk batches sent by then, outcomes
    // recorded from the killed attempt on, chunk partitions left unreferenced
    ['after the first chunk batch landed', 'BatchWriteItem', 1, 1, ['interrupted', 'succeeded'], 1],
    [
      'after the last chunk batch, before the record',
      'BatchWriteItem',
      2,
      2,
      ['interrupted', 'succeeded'],
      1,
    ],
    ['once the record naming the chunks landed', 'TransactWriteItems', 2, 2, ['succeeded', 'check'], 0],
  ] as const)(
    'a chunked end record, killed %s: the chain verifies and the next sync records the head once',
    async (_label, operation, nth, batches, outcomes, unreferenced) => {
      // given a first release of four large ConfigMaps applied and recorded, then a commit changing them
      const { p, table } = platform(`c${operation[0]}${nth}`);
      const large = (v: string) =>
        Object.fromEntries(
          ['a', 'b', 'c', 'd'].map((n) => [`k8s-resources/${n}.yaml`, cm(n, v.repeat(450_000))]),
        );
      p.commit('base', large('x'));
      expect((await sync(p)).outcome).toBe('succeeded');
      p.commit('next', large('y'));
      const before = (await records(table)).length;
      // when the sync of the second commit is killed at that point of its end record's append
      const sent = proxy().targets.length;
      await cairn(['sync', '--config', p.config, '--env', 'dev', '--json'], { nth, operation, after: true });
      expect(proxy().killed()).toBe(true);
      const batchesSent = proxy()
        .targets.slice(sent)
        .filter((t) => t.endsWith('.BatchWriteItem')).length;
      // and cairn sync runs again
      const next = await sync(p);

      // then the chain verifies with every start ended, the head is recorded exactly once after the
      // kill, and an interrupted attempt claims nothing
      const lines = await recoveredOnce(p, table, before, outcomes, next);
      // and the kill came where meant: after that many chunk batches of the end record
      expect(batchesSent).toBe(batches);
      const partitions = await chunkPartitions(table);
      if (operation === 'TransactWriteItems') {
        const [chunked] = lines.slice(before).filter((r) => JSON.stringify(r).length > 3_000_000);
        expect(chunked?.entry?.outcome).toBe('succeeded');
        expect(partitions.referenced).toHaveLength(1);
      }
      // and a killed append leaves its chunks unreferenced: nothing reads, reports or removes them
      expect(partitions.all.filter((x) => !partitions.referenced.includes(x))).toHaveLength(unreferenced);
    },
  );
});
