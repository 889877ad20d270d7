import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DynamoDBClient, QueryCommand } from '@aws-sdk/client-dynamodb';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { auditKeyFile } from '../../helpers/e2e-platform';
import { startDynamoDbFaultProxy, type DynamoDbFaultProxy } from '../../helpers/dynamodb-fault-proxy';
import { BUILT_CAIRN, runKillable, type KillableRun } from '../../helpers/killable-run';
import { localPlatform, type LocalPlatform } from '../../helpers/local-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../../sandbox/sandbox-env';
import { kubeKit } from '../kube/kube-kit';

/**
 * Crash consistency of the DynamoDB ledger with the real binary: `cairn sync` (dist/, built by
 * `npx tsc -p .`) writes its ledger through a proxy in front of moto that SIGKILLs it at the Nth
 * TransactWriteItems (the append of the start record, then of the end record), before the request
 * reaches moto or once moto has answered it. The chain must verify, every start must be ended,
 * and the next sync must make a correct entry: the interrupted attempt claims nothing, and a
 * release whose end never landed is applied again.
 */
jest.setTimeout(240_000);
const BIN = BUILT_CAIRN;
const kit = kubeKit('ddbkill');
const root = mkdtempSync(join(tmpdir(), 'cairn-ddb-kill-'));
const { aws } = sandboxEnv();
const childEnv = {
  AWS_ACCESS_KEY_ID: aws.accessKeyId,
  AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
  AWS_REGION: aws.region,
};
const dynamodb = new DynamoDBClient(sandboxAwsClientConfig());
let proxy: DynamoDbFaultProxy;

beforeAll(async () => {
  if (!existsSync(BIN)) throw new Error(`${BIN} is missing: run \`npx tsc -p .\` first`);
  proxy = await startDynamoDbFaultProxy(aws.endpoint);
});
afterAll(async () => {
  await proxy?.close();
  dynamodb.destroy();
  rmSync(root, { recursive: true, force: true });
  await kit.cleanup();
});

const cm = (name: string, v: string) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name }, data: { v } });

/** A Kubernetes-only environment whose ledger is a fresh DynamoDB table, reached through the proxy. */
function platform(name: string): { p: LocalPlatform; table: string } {
  const ns = kit.name(name);
  kit.track(`/api/v1/namespaces/${ns}`);
  const dir = join(root, name);
  mkdirSync(dir, { recursive: true });
  const table = `cairn-kill-${randomBytes(4).toString('hex')}`;
  const p = localPlatform(
    dir,
    { namespace: ns },
    {
      audit: {
        backend: 'dynamodb',
        dir: join(dir, 'audit'),
        keyFile: auditKeyFile(dir),
        dynamodb: { table, region: aws.region, endpoint: proxy.url },
      },
      sharding: { enabled: false, namespace: ns, kubeconfig: sandboxEnv().kubernetes.kubeconfig },
    },
  );
  return { p, table };
}

/** Runs the compiled binary with `args`; with `kill`, the proxy SIGKILLs it at that request. */
function cairn(
  args: readonly string[],
  kill?: { nth: number; operation: string; after: boolean },
): Promise<KillableRun> {
  return runKillable(args, {
    env: { ...process.env, ...childEnv },
    mustBeKilled: Boolean(kill),
    arm: (child) => {
      if (kill) proxy.killAt(child.pid!, kill.nth, kill.operation, kill.after);
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

/** The records of `dev`'s chain as the table holds them, in seq order. */
async function records(table: string): Promise<Line[]> {
  const page = await dynamodb.send(
    new QueryCommand({
      TableName: table,
      KeyConditionExpression: '#e = :env AND #s > :zero',
      ExpressionAttributeNames: { '#e': 'env', '#s': 'seq' },
      ExpressionAttributeValues: { ':env': { S: 'dev' }, ':zero': { N: '0' } },
      ConsistentRead: true,
    }),
  );
  return (page.Items ?? []).map((i) => JSON.parse(i.line!.S!) as Line);
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
      expect(proxy.killed()).toBe(true);
      // and cairn sync runs again
      const next = await sync(p);
      // then the chain verifies with every start ended, the interrupted attempt claims nothing, and
      // the head is recorded as applied exactly once after the kill (again when its end never landed)
      const lines = await ledgerHolds(p, table);
      const ends = lines.slice(before).filter((r) => r.type === 'end' || r.type === 'check');
      expect(ends.map((r) => r.entry?.outcome ?? r.type)).toEqual(outcomes);
      for (const r of ends.filter((e) => e.entry?.outcome === 'interrupted')) {
        expect(r.entry!.changes).toEqual([]);
        expect(r.entry!.applied ?? {}).toEqual({});
      }
      expect(next.toSha).toBe(p.head());
    },
  );
});
