import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AuditEntry } from '../../controller/audit/types';
import { kindOf, nameOf } from '../helpers/changes';
import { runCli, runScript } from '../helpers/cli';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(600_000);

/**
 * `npm run demo -- --no-wait` (test/demo/main.ts) runs the whole story non-interactively, twice in the same sandbox (each
 * run names its resources itself); the second run's end state is checked here.
 */
describe('the demo', () => {
  const workdirs = [1, 2].map(() => mkdtempSync(join(tmpdir(), 'cairn-demo-test-')));
  const workdir = workdirs[1]!;
  afterAll(() => workdirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

  /** Runs the demo with its default names; returns the prefix its first line announced. */
  const demoIn = async (dir: string) => {
    const demo = await runScript(join(__dirname, '..', 'demo', 'main.ts'), ['--no-wait', '--workdir', dir]);
    if (demo.code !== 0) throw new Error(`demo exited ${String(demo.code)}\n${demo.stdout}\n${demo.stderr}`);
    expect(demo.stdout).toContain('Merging a change to dev');
    expect(demo.stdout).toContain('Keep exploring');
    const announced = /^▸ This run's names start with (shop-[0-9a-f]{4}) /.exec(demo.stdout.trimStart());
    expect(announced).not.toBeNull();
    // The rollout it tells of is real: a pod of the Deployment runs on the sandbox's kwok node.
    expect(demo.stdout).toMatch(
      new RegExp(`${announced![1]}-dev/shop-api: 1/1 available \\(shop-api-\\S+ Running on kwok-node-0\\)`),
    );
    // And so do the pods of the Kustomize overlay's and the Helm chart's Deployments, prod's sized by its overlay and values.
    for (const rollout of [
      'dev/shop-worker: 1/1',
      'prod/shop-worker: 2/2',
      'dev/cache: 1/1',
      'prod/cache: 2/2',
    ])
      expect(demo.stdout).toContain(`${announced![1]}-${rollout} available (`);
    // And it tells that the queue's URL reached the ConfigMap in the commit that created the queue.
    expect(demo.stdout).toMatch(
      new RegExp(
        `${announced![1]}-dev/shop-settings QUEUE_URL = \\S+/${announced![1]}-dev-jobs: the queue of ${announced![1]}-dev-data and its URL reached the ConfigMap in the same commit`,
      ),
    );
    return announced![1]!;
  };

  it('runs twice in one sandbox; each run merges, promotes and reverts a change, leaving what it describes', async () => {
    const first = await demoIn(workdirs[0]!);
    const prefix = await demoIn(workdir);
    expect(prefix).not.toBe(first);

    const list = await runCli(['audit', 'list', '--config', join(workdir, 'cairn.yaml'), '--json']);
    const entries = (JSON.parse(list.stdout) as AuditEntry[]).reverse();
    const story = entries.map((e) => `${e.env}:${e.outcome}`);
    expect(story.filter((s) => s.startsWith('dev'))).toEqual([
      'dev:succeeded',
      'dev:succeeded',
      'dev:succeeded',
    ]);
    expect(story.filter((s) => s.startsWith('staging'))).toEqual(['staging:succeeded', 'staging:succeeded']);
    expect(story.filter((s) => s.startsWith('prod'))).toEqual(['prod:succeeded']);
    const [, change, revert] = entries.filter((e) => e.env === 'dev');
    const queue = (e: AuditEntry) => e.changes.filter((c) => c.type === 'AWS::SQS::Queue');
    expect(queue(change!)).toEqual([expect.objectContaining({ action: 'created' })]);
    expect(queue(revert!)).toEqual([expect.objectContaining({ action: 'deleted' })]);
    expect(revert!.changes).toContainEqual(
      expect.objectContaining({
        subject: expect.stringMatching(/^ConfigMap\/.*\/feature-flags$/),
        action: 'deleted',
      }),
    );

    const cfn = new CloudFormationClient(sandboxAwsClientConfig());
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    for (const env of ['dev', 'staging', 'prod']) {
      const stacks = await cfn.send(new DescribeStacksCommand({ StackName: `${prefix}-${env}-data` }));
      const stack = stacks.Stacks?.[0];
      expect(stack?.StackStatus).toMatch(/_COMPLETE$/);
      // The AWS outputs of the environment's data stack are bound into its manifests: the queue's
      // real URL in the ConfigMap, the pods' role ARN in the ServiceAccount's IRSA annotation.
      const output = (key: string) => stack?.Outputs?.find((o) => o.OutputKey === key)?.OutputValue;
      const namespace = `${prefix}-${env}`;
      const settings = await core.readNamespacedConfigMap({ name: 'shop-settings', namespace });
      const account = await core.readNamespacedServiceAccount({ name: 'shop-api', namespace });
      expect([env, settings.data?.QUEUE_URL]).toEqual([env, output('QueueUrl')]);
      expect(output('QueueUrl')).toMatch(new RegExp(`^https?://\\S+/${namespace}-jobs$`));
      expect([env, account.metadata?.annotations?.['eks.amazonaws.com/role-arn']]).toEqual([
        env,
        output('RoleArn'),
      ]);
      expect(output('RoleArn')).toMatch(new RegExp(`^arn:aws:iam::\\d{12}:role/${namespace}-api-pods$`));
    }
    // And dev's first entry, one commit, created the queue, the role and the objects bound to them.
    const created = entries
      .find((e) => e.env === 'dev')!
      .changes.filter((c) => c.action === 'created')
      .map((c) => (c.target === 'aws' ? `${c.type ?? ''}` : `${kindOf(c)}:${nameOf(c)}`));
    expect(created).toEqual(
      expect.arrayContaining([
        'AWS::SQS::Queue',
        'AWS::IAM::Role',
        'ConfigMap:shop-settings',
        'ServiceAccount:shop-api',
      ]),
    );
    const flags = (namespace: string) =>
      core.readNamespacedConfigMap({ name: 'feature-flags', namespace }).then(
        (cm) => cm.data,
        () => undefined,
      );
    expect(await flags(`${prefix}-staging`)).toEqual({ CHECKOUT_V2: 'on' });
    expect(await flags(`${prefix}-dev`)).toBeUndefined();

    // The Kustomize overlay and the Helm chart of each branch reached the cluster with that
    // environment's sizes, and the first dev entry names their folders.
    const apps = kc.makeApiClient(AppsV1Api);
    const replicas = (name: string, env: string) =>
      apps.readNamespacedDeployment({ name, namespace: `${prefix}-${env}` }).then((d) => d.spec?.replicas);
    for (const [env, workers, caches] of [
      ['dev', 1, 1],
      ['staging', 1, 1],
      ['prod', 2, 2],
    ] as const) {
      expect([env, await replicas('shop-worker', env), await replicas('cache', env)]).toEqual([
        env,
        workers,
        caches,
      ]);
    }
    const files = new Set(entries.find((e) => e.env === 'dev')!.changes.map((c) => c.file));
    expect([...files]).toEqual(
      expect.arrayContaining(['k8s-resources/worker (kustomize)', 'k8s-resources/cache (helm chart)']),
    );
  });
});
