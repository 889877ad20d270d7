import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { findBindings } from '../../../controller/kube/aws-bindings';
import { makePlatformRepo, type PlatformRepo } from '../../../examples/make-platform-repo';
import { branchObjects, cloneBranch, git, synthesize, tempDir } from './example-fixtures';

// Three synths of a real CDK app: each takes a few seconds on a busy machine.
jest.setTimeout(90_000);

describe('the example CDK app, run from a checkout of each environment branch', () => {
  const tmp = tempDir('synth');
  let repo: PlatformRepo;

  beforeAll(async () => {
    repo = await makePlatformRepo(join(tmp.dir, 'platform'), { prefix: 'exs' });
  });
  afterAll(() => tmp.remove());

  it.each([
    { env: 'dev', memory: 128, retentionSeconds: 86_400, billing: 'PAY_PER_REQUEST', throughput: undefined },
    {
      env: 'staging',
      memory: 256,
      retentionSeconds: 345_600,
      billing: 'PAY_PER_REQUEST',
      throughput: undefined,
    },
    // CloudFormation's default billing mode is provisioned, so CDK leaves BillingMode out.
    {
      env: 'prod',
      memory: 512,
      retentionSeconds: 1_209_600,
      billing: undefined,
      throughput: { ReadCapacityUnits: 5, WriteCapacityUnits: 5 },
    },
  ])(
    'synthesizes the $env data and api stacks with that environment sizes and the commit tag',
    async ({ env, memory, retentionSeconds, billing, throughput }) => {
      // Given a fresh clone of the environment's branch, away from cairn's own node_modules
      const checkout = cloneBranch(repo.dir, env, join(tmp.dir, `checkout-${env}`));

      // When the app runs with only NODE_PATH to find aws-cdk-lib and tsx
      const out = synthesize(checkout, join(tmp.dir, `out-${env}`), {
        'gitops:environment': env,
        'gitops:commit': 'abc1234',
      });

      // Then there are two stacks named for the environment, tagged with the commit
      const stacks = Object.entries(out.manifest.artifacts).filter(
        ([, a]) => a.type === 'aws:cloudformation:stack',
      );
      expect(stacks.map(([, a]) => a.properties?.stackName).sort()).toEqual([
        `exs-${env}-api`,
        `exs-${env}-data`,
      ]);
      for (const [, artifact] of stacks) expect(artifact.properties?.tags?.['gitops:commit']).toBe('abc1234');

      // And the sizes come from config/<env>.json
      const data = Object.values(out.template('Data').Resources);
      const api = Object.values(out.template('Api').Resources);
      const queue = data.find((r) => r.Type === 'AWS::SQS::Queue')!;
      const table = data.find((r) => r.Type === 'AWS::DynamoDB::Table')!;
      const fn = api.find((r) => r.Type === 'AWS::Lambda::Function')!;
      expect(queue.Properties.MessageRetentionPeriod).toBe(retentionSeconds);
      expect(table.Properties.BillingMode).toBe(billing);
      expect(table.Properties.ProvisionedThroughput).toEqual(throughput);
      expect(fn.Properties.MemorySize).toBe(memory);
      expect(data.map((r) => r.Type)).toContain('AWS::S3::Bucket');

      // And the function's code is a file asset staged in the assembly
      const code = fn.Properties.Code as { S3Key: string };
      const assetHash = code.S3Key.replace(/\.zip$/, '');
      expect(existsSync(join(out.outDir, `asset.${assetHash}`, 'index.js'))).toBe(true);

      // And the ConfigMap on the same branch names the queue the stack creates
      const settings = (await branchObjects(repo.dir, env, `exs-${env}`)).find(
        (o) => o.kind === 'ConfigMap',
      )!;
      expect(settings.data?.QUEUE_NAME).toBe(queue.Properties.QueueName);

      // And every AWS output the branch's manifests bind is declared by this synth's data stack
      // (what cairn's plan checks before it applies anything), the IRSA role among them
      const refs = git(checkout, 'ls-files', 'k8s-resources')
        .split('\n')
        .flatMap((file) => findBindings(file, readFileSync(join(checkout, file), 'utf8')));
      expect(refs.map((r) => `${r.file} ${r.stackName}.${r.outputKey}`).sort()).toEqual([
        `k8s-resources/service-account.yaml exs-${env}-data.RoleArn`,
        `k8s-resources/settings.yaml exs-${env}-data.QueueUrl`,
      ]);
      const outputs = (out.template('Data') as { Outputs?: Record<string, unknown> }).Outputs ?? {};
      for (const ref of refs) expect(Object.keys(outputs)).toContain(ref.outputKey);
      expect(data.map((r) => r.Type)).toContain('AWS::IAM::Role');
    },
  );

  it('refuses an environment without a config file, naming the known ones', () => {
    // Given a checkout of dev
    const checkout = cloneBranch(repo.dir, 'dev', join(tmp.dir, 'checkout-qa'));

    // When the app is synthesized for an environment it has no sizes for
    const run = () => synthesize(checkout, join(tmp.dir, 'out-qa'), { 'gitops:environment': 'qa' });

    // Then it fails before synthesizing anything, saying which environments exist
    expect(run).toThrow(/environment "qa" has no config\/qa\.json; add one or use one of dev, prod, staging/);
    expect(existsSync(join(tmp.dir, 'out-qa', 'manifest.json'))).toBe(false);
  });
});
