import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../../controller/audit/types';
import { watchChild, type WatchedChild } from '../../helpers/cli';
import { BUILT_CAIRN, runKillable } from '../../helpers/killable-run';
import { sandboxEnv } from '../../sandbox/sandbox-env';
import { dynamoDbLedgerSuite } from './dynamodb-ledger-suite';

/**
 * The ledger's `start` record is a write like any other: with the real binary, a `cairn sync`
 * holding the unsharded heartbeat (on the sandbox's kube-apiserver) is frozen (SIGSTOP) as its
 * start record's TransactWriteItems is sent to the shared DynamoDB ledger (moto, through a proxy
 * that answers that request with a 500, so the append is tried again only after the thaw), past
 * the lease duration; another sync takes the heartbeat and applies a newer release. Found in review:
 * thawed, the first appended its start after the successor's entry and ended it as a no-op whose
 * skipped half claimed the tree it had read before the pause, so the ledger said the cluster stood
 * at the old release; the revert of the newer release then skipped Kubernetes as "unchanged" and
 * was never applied.
 */
jest.setTimeout(240_000);
const { kit, proxy, platform } = dynamoDbLedgerSuite('ldgfence');
const { aws } = sandboxEnv();

const handoffKey = randomBytes(32).toString('base64');
const cm = (v: string) =>
  stringify({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'settings' }, data: { v } });

// Unsharded, the sync holds the heartbeat; sharded (no replica running), it takes the
// environment's shard Lease itself: the start record is fenced on either.
describe.each([
  ['its heartbeat', false],
  ['its shard Lease', true],
])('a sync frozen before its ledger start record, past %s', (_, sharded) => {
  it('appends nothing once thawed, so the revert of its successor’s release is applied', async () => {
    // given a Kubernetes-only environment, its ledger a DynamoDB table shared by every pod
    const { p, ns } = platform(
      sharded ? 'sh' : 'ns',
      sharded
        ? {
            enabled: true,
            handoffKeyEnv: 'LEDGER_FENCE_HANDOFF_KEY',
            // Shard Leases live in a namespace that exists before the first sync (the ReplicaGroup's too).
            namespace: 'default',
            leaseDuration: '6s',
            renewInterval: '2s',
          }
        : { leaseDuration: '6s', renewInterval: '2s' },
    );
    const childEnv = (pod: string) => ({
      ...process.env,
      AWS_ACCESS_KEY_ID: aws.accessKeyId,
      AWS_SECRET_ACCESS_KEY: aws.secretAccessKey,
      AWS_REGION: aws.region,
      POD_NAME: pod,
      LEDGER_FENCE_HANDOFF_KEY: handoffKey,
    });
    const syncArgs = ['sync', '--config', p.config, '--env', 'dev', '--json'];
    const applied = async (pod: string): Promise<AuditEntry> => {
      const run = await runKillable(syncArgs, { env: childEnv(pod) });
      if (run.code !== 0) throw new Error(`the sync on ${pod} exited ${String(run.code)}:\n${run.stderr}`);
      return JSON.parse(run.stdout) as AuditEntry;
    };
    const ledger = async (): Promise<AuditEntry[]> => {
      const run = await runKillable(['audit', 'list', '--config', p.config, '--env', 'dev', '--json'], {
        env: childEnv('reader'),
      });
      expect(run.code).toBe(0);
      return JSON.parse(run.stdout) as AuditEntry[];
    };
    const value = async () =>
      ((await kit.get(`/api/v1/namespaces/${ns}/configmaps/settings`)) as { data?: { v?: string } } | null)
        ?.data?.v;
    p.commit('release one', { 'k8s-resources/cm.yaml': cm('one') });
    expect((await applied('pod-0')).outcome).toBe('succeeded');

    // and a sync of a commit outside the manifests, frozen as its start record is sent, past the lease duration
    p.commit('docs only', { 'README.md': 'docs\n' });
    const first: WatchedChild = watchChild(
      spawn(process.execPath, [BUILT_CAIRN, ...syncArgs], {
        env: childEnv('pod-a'),
        stdio: ['ignore', 'pipe', 'pipe'],
      }),
    );
    await Promise.race([
      proxy().freezeAt(first.child.pid!, 'TransactWriteItems'),
      first.exited.then((code) => {
        throw new Error(`the first sync exited ${String(code)} before its start record:\n${first.output()}`);
      }),
    ]);
    await new Promise((resolve) => setTimeout(resolve, 7_000));

    // when release two lands and a sync on another pod applies it
    p.commit('release two', { 'k8s-resources/cm.yaml': cm('two') });
    const second = await applied('pod-b');
    expect(second.outcome).toBe('succeeded');
    expect(await value()).toBe('two');

    // then the first, thawed, stops (shard.lost) and records nothing after the successor's entry
    first.child.kill('SIGCONT');
    const code = await first.exited;
    expect(first.output()).toContain('this replica no longer holds the Lease');
    expect(code).toBe(1);
    // (the ledger's newest entry is still the successor's: no start or end of the first came after it)
    expect((await ledger()).map((e) => [e.toSha, e.outcome])[0]).toEqual([second.toSha, 'succeeded']);

    // and the revert of release two is applied
    p.commit('revert release two', { 'k8s-resources/cm.yaml': cm('one') });
    const revert = await applied('pod-c');
    expect(revert.outcome).toBe('succeeded');
    expect(await value()).toBe('one');
  });
});
