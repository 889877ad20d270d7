import { CloudFormationClient, DescribeStackResourcesCommand } from '@aws-sdk/client-cloudformation';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AuditEntry } from '../../controller/audit/types';
import { runCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, settings, type E2ePlatform } from '../helpers/e2e-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';
import { kindOf, nameOf, stacksOf } from '../helpers/changes';

jest.setTimeout(180_000);

/**
 * The product end to end, against the sandbox and a real Git repository with dev and prod
 * branches: commit A applied, commit B applied with its exact delta, a revert bringing the live
 * state back to A, and a broken manifest that fails without touching anything while prod syncs.
 */
describe('commit → apply, audited, rolled back by revert', () => {
  let platform: E2ePlatform;
  const kc = new KubeConfig();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());

  beforeAll(async () => {
    platform = makeE2ePlatform();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const boot = await runCli(
      ['bootstrap', '--config', platform.configFile, '--env', 'dev'],
      awsTestCredentials(),
    );
    expect(boot.stdout).toContain('bootstrapped dev');
    expect(boot.code).toBe(0);
  });

  afterAll(() => {
    platform?.cleanup();
  });

  const sync = async (env: string) => {
    const result = await runCli(
      ['sync', '--config', platform.configFile, '--env', env, '--json'],
      awsTestCredentials(),
    );
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stderr: result.stderr };
  };
  const objects = (entry: AuditEntry) =>
    Object.fromEntries(
      entry.changes
        .filter((c) => c.target === 'kubernetes')
        .map((o) => [`${kindOf(o)}/${nameOf(o)}`, o.action]),
    );
  const queueChanges = (entry: AuditEntry) =>
    // moto also lists the unchanged bucket as Modify (a change-set quirk of moto, not of cairn).
    entry.changes.filter(
      (c) => c.subject.startsWith(`${platform.stackName('dev')}/`) && c.type !== 'AWS::S3::Bucket',
    );
  const stackResourceTypes = async (env: string) => {
    const out = await cfn.send(new DescribeStackResourcesCommand({ StackName: platform.stackName(env) }));
    return (out.StackResources ?? []).map((r) => r.ResourceType).sort();
  };
  const liveColor = async (env: string) =>
    (
      await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name: 'settings', namespace: platform.namespace(env) })
    ).data?.color;
  const webExists = async (env: string) =>
    kc
      .makeApiClient(AppsV1Api)
      .readNamespacedDeployment({ name: 'web', namespace: platform.namespace(env) })
      .then(() => true)
      .catch(() => false);

  let shaA: string;
  let shaB: string;

  it('applies commit A: the stack is created and every object created', async () => {
    shaA = platform.git('rev-parse', 'dev');
    const { code, entry } = await sync('dev');
    expect(code).toBe(0);
    expect(entry).toMatchObject({
      env: 'dev',
      toSha: shaA,
      fromSha: null,
      outcome: 'succeeded',
      author: 'Erin Engineer <erin@example.com>',
    });
    expect(stacksOf({ changes: entry.changes })).toEqual([
      expect.objectContaining({ subject: platform.stackName('dev'), action: 'created' }),
    ]);
    expect(objects(entry)).toEqual({
      [`Namespace/${platform.namespace('dev')}`]: 'created',
      'ConfigMap/settings': 'created',
      'Deployment/web': 'created',
    });
    expect(await stackResourceTypes('dev')).toContain('AWS::S3::Bucket');
    expect(await liveColor('dev')).toBe('blue');
    expect(await webExists('dev')).toBe(true);
  });

  it('applies commit B with exactly its delta: a queue added, the ConfigMap changed, the Deployment pruned', async () => {
    shaB = platform.commit('dev', 'Add the jobs queue, turn green, retire web', {
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: true }),
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'green'),
      'k8s-resources/web.yaml': null,
    });
    const { code, entry } = await sync('dev');
    expect(code).toBe(0);
    expect(entry).toMatchObject({
      fromSha: shaA,
      toSha: shaB,
      outcome: 'succeeded',
      message: 'Add the jobs queue, turn green, retire web',
    });
    expect(stacksOf({ changes: entry.changes })[0]!.action).toBe('configured');
    expect(queueChanges(entry)).toEqual([
      expect.objectContaining({
        subject: expect.stringMatching(new RegExp(`^${platform.stackName('dev')}/Jobs`)),
        type: 'AWS::SQS::Queue',
        action: 'created',
      }),
    ]);
    expect(objects(entry)).toMatchObject({ 'ConfigMap/settings': 'configured', 'Deployment/web': 'deleted' });
    expect(await stackResourceTypes('dev')).toContain('AWS::SQS::Queue');
    expect(await liveColor('dev')).toBe('green');
    expect(await webExists('dev')).toBe(false);
  });

  it('rolls back by git revert: the live state equals A again and the entry shows the delta back', async () => {
    platform.git('checkout', '-q', 'dev');
    platform.git('revert', '--no-edit', shaB);
    const { code, entry } = await sync('dev');
    expect(code).toBe(0);
    expect(entry.fromSha).toBe(shaB);
    expect(queueChanges(entry)).toEqual([
      expect.objectContaining({ type: 'AWS::SQS::Queue', action: 'deleted' }),
    ]);
    expect(objects(entry)).toMatchObject({ 'ConfigMap/settings': 'configured', 'Deployment/web': 'created' });
    expect(await stackResourceTypes('dev')).not.toContain('AWS::SQS::Queue');
    expect(await liveColor('dev')).toBe('blue');
    expect(await webExists('dev')).toBe(true);
  });

  it('fails a commit with a broken manifest naming the file, changes nothing, and prod still syncs', async () => {
    const before = await stackResourceTypes('dev');
    platform.commit('dev', 'Broken manifest and a queue', {
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: true }),
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'red'),
      'k8s-resources/broken.yaml':
        'apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\n   namespace: bad-indent\n',
    });
    const dev = await sync('dev');
    expect(dev.code).toBe(1);
    expect(dev.entry.outcome).toBe('failed');
    expect(dev.entry.failure?.message).toContain('k8s-resources/broken.yaml');
    // a broken file is terminal: retrying the same commit cannot help
    expect(dev.entry.failure).toMatchObject({ phase: 'plan', retryable: false });
    expect(await liveColor('dev')).toBe('blue');
    expect(await stackResourceTypes('dev')).toEqual(before);

    const prod = await sync('prod');
    expect(prod.code).toBe(0);
    expect(prod.entry.outcome).toBe('succeeded');
    expect(await liveColor('prod')).toBe('blue');
  });

  it('lists every entry newest first and verifies the hash chain', async () => {
    const list = await runCli(['audit', 'list', '--config', platform.configFile, '--json']);
    const entries = JSON.parse(list.stdout) as AuditEntry[];
    expect(entries.map((e) => `${e.env}:${e.outcome}`)).toEqual([
      'prod:succeeded',
      'dev:failed',
      'dev:succeeded',
      'dev:succeeded',
      'dev:succeeded',
    ]);
    const verify = await runCli(['audit', 'verify', '--config', platform.configFile]);
    expect(verify.code).toBe(0);
    expect(verify.stdout).toContain('intact');
  });
});
