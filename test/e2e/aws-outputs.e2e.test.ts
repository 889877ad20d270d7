import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { stringify } from 'yaml';
import type { AuditEntry } from '../../controller/audit/types';
import { runCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, settings, type E2ePlatform } from '../helpers/e2e-platform';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(240_000);

// The e2e platform's app, with a queue whose URL is a stack output (CfnOutput) when spec.queue is set.
const APP_WITH_OUTPUTS = `
const cdk = require('aws-cdk-lib');
const fs = require('fs');
const app = new cdk.App();
const env = app.node.tryGetContext('gitops:environment');
const spec = JSON.parse(fs.readFileSync(__dirname + '/stack.json', 'utf8'));
const stack = new cdk.Stack(app, 'Data', { stackName: spec.prefix + '-' + env + '-data' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
if (spec.queue) {
  const queue = new cdk.aws_sqs.Queue(stack, 'Jobs');
  new cdk.CfnOutput(stack, 'QueueUrl', { value: queue.queueUrl });
}
app.synth();
`;

/**
 * AWS outputs bound into manifests, through `cairn plan` and `cairn sync` against the sandbox's
 * moto (with the change-set outputs patch) and kube-apiserver: one commit creates a queue and a
 * ConfigMap naming its URL, applied in one reconcile; a missing output stops the commit before
 * anything is applied.
 */
describe('AWS outputs in k8s-resources/', () => {
  let platform: E2ePlatform;
  const kc = new KubeConfig();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const cli = (command: string) =>
    runCli([command, '--config', platform.configFile, '--env', 'dev', '--json'], awsTestCredentials());
  const sync = async () => {
    const result = await cli('sync');
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
  };
  const configMap = async (name: string) =>
    (
      await kc
        .makeApiClient(CoreV1Api)
        .readNamespacedConfigMap({ name, namespace: platform.namespace('dev') })
    ).data;
  const queueConfig = (key: string) =>
    stringify({
      apiVersion: 'v1',
      kind: 'ConfigMap',
      metadata: { name: 'queue', namespace: platform.namespace('dev') },
      data: { url: `\${aws:${platform.stackName('dev')}.${key}}`, literal: '$${aws:Other.Key}' },
    });

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const boot = await runCli(
      ['bootstrap', '--config', platform.configFile, '--env', 'dev'],
      awsTestCredentials(),
    );
    expect(boot.code).toBe(0);
    platform.commit('dev', 'Add the jobs queue and a ConfigMap naming its URL', {
      'aws-resources/app.js': APP_WITH_OUTPUTS,
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: true }),
      'k8s-resources/queue.yaml': queueConfig('QueueUrl'),
    });
  });

  afterAll(() => platform?.cleanup());

  it('plans a stack it creates with its outputs (known after apply)', async () => {
    // Given a commit whose stack does not exist yet
    // When it is planned
    const result = await cli('plan');
    // Then the binding shows (known after apply), naming the file and line, and the plan succeeds
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { bindings: unknown[] };
    expect(plan.bindings).toEqual([
      {
        file: 'k8s-resources/queue.yaml',
        line: 7,
        key: `${platform.stackName('dev')}.QueueUrl`,
        value: '(known after apply)',
      },
    ]);
  });

  it('applies the queue and the ConfigMap holding its real URL in one reconcile and one audit entry', async () => {
    // When the commit is synced
    const { code, entry } = await sync();
    // Then both planes changed in one entry
    expect(code).toBe(0);
    expect(entry.outcome).toBe('succeeded');
    const subjects = entry.changes.filter((c) => c.action === 'created').map((c) => c.subject);
    expect(subjects).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${platform.stackName('dev')}/Jobs`)),
        expect.stringMatching(/ConfigMap\/.*queue$/),
      ]),
    );
    const audit = await runCli(['audit', 'list', '--config', platform.configFile, '--env', 'dev', '--json']);
    expect(JSON.parse(audit.stdout)).toHaveLength(1);
    // And the ConfigMap holds the stack's real output; the escape stays literal
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: platform.stackName('dev') })))
      .Stacks![0]!;
    const url = stack.Outputs!.find((o) => o.OutputKey === 'QueueUrl')!.OutputValue!;
    expect(url).toMatch(/^https?:\/\/.+\/123456789012\/e2e/);
    expect(await configMap('queue')).toEqual({ url, literal: '${aws:Other.Key}' });
  });

  it('plans an unchanged stack with the live value', async () => {
    const result = await cli('plan');
    expect(result.code).toBe(0);
    const plan = JSON.parse(result.stdout) as { bindings: { value: string }[] };
    expect(plan.bindings[0]!.value).toMatch(/^https?:\/\//);
  });

  it('fails a missing output naming file, line and key, and applies nothing of that commit', async () => {
    // Given a commit that changes a ConfigMap, drops the queue and binds an output no stack has
    const before = await configMap('settings');
    platform.commit('dev', 'Bind an output that does not exist', {
      'aws-resources/stack.json': JSON.stringify({ prefix: `e2e${platform.id}`, queue: false }),
      'k8s-resources/settings.yaml': settings(platform.namespace('dev'), 'purple'),
      'k8s-resources/queue.yaml': queueConfig('NoSuchOutput'),
    });
    // When it is synced
    const { code, entry } = await sync();
    // Then it fails terminally, naming file, line and key
    expect(code).toBe(1);
    expect(entry.failure).toMatchObject({ code: 'aws.output-missing', retryable: false });
    expect(entry.failure!.message).toContain('k8s-resources/queue.yaml:7');
    expect(entry.failure!.message).toContain(`${platform.stackName('dev')}.NoSuchOutput`);
    // And nothing of it was applied: no change recorded, the ConfigMap and the queue as they were
    expect(entry.changes).toEqual([]);
    expect(await configMap('settings')).toEqual(before);
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: platform.stackName('dev') })))
      .Stacks![0]!;
    expect(stack.Outputs?.map((o) => o.OutputKey)).toEqual(['QueueUrl']);
  });
});
