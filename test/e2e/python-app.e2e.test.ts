import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AuditEntry } from '../../controller/audit/types';
import { runCli } from '../helpers/cli';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { repoRoot, sandboxAwsClientConfig } from '../sandbox/sandbox-env';

jest.setTimeout(420_000);

const example = (file: string) =>
  readFileSync(join(repoRoot, 'examples', 'platform-python', 'aws-resources', file), 'utf8');

/**
 * The Python example (examples/platform-python) through `cairn sync` against the sandbox: pip
 * installs its wheels from the package index, bubblewrap runs it (the default isolation), and
 * CloudFormation on moto creates its stack with both outputs. A requirement with only an sdist
 * fails the sync naming the package, and nothing is deployed.
 */
describe('a Python CDK app through cairn sync', () => {
  let platform: E2ePlatform;
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const stackName = () => `e2e${platform.id}py-dev-jobs`;
  const sync = async () => {
    const result = await runCli(
      ['sync', '--config', platform.configFile, '--env', 'dev', '--json'],
      awsTestCredentials(),
    );
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry };
  };
  const outputs = async () => {
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName() }))).Stacks![0]!;
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  };

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    const boot = await runCli(
      ['bootstrap', '--config', platform.configFile, '--env', 'dev'],
      awsTestCredentials(),
    );
    expect(boot.code).toBe(0);
    // The example's app, its requirements and a cdk.json naming this run's prefix.
    const cdkJson = JSON.parse(example('cdk.json')) as { context: Record<string, string> };
    cdkJson.context['shop:prefix'] = `e2e${platform.id}py`;
    platform.commit('dev', 'The AWS half in Python', {
      'aws-resources/app.js': null,
      'aws-resources/stack.json': null,
      'aws-resources/app.py': example('app.py'),
      'aws-resources/requirements.txt': example('requirements.txt'),
      'aws-resources/cdk.json': JSON.stringify(cdkJson),
    });
  });

  afterAll(() => platform?.cleanup());

  it('synthesizes and deploys the stack with its queue URL and role ARN', async () => {
    // When the Python commit is synced
    const { code, entry } = await sync();
    // Then it succeeded, creating the queue and the role
    expect({ code, outcome: entry.outcome, failure: entry.failure }).toEqual({
      code: 0,
      outcome: 'succeeded',
      failure: undefined,
    });
    const created = entry.changes.filter((c) => c.action === 'created').map((c) => c.subject);
    expect(created).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${stackName()}/Queue`)),
        expect.stringMatching(new RegExp(`^${stackName()}/WorkerRole`)),
      ]),
    );
    // And the stack exists with both outputs
    const out = await outputs();
    expect(out.QueueUrl).toMatch(/^https?:\/\/.+\/123456789012\//);
    expect(out.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
  });

  it('fails a requirement that has only an sdist, naming it, and deploys nothing', async () => {
    // Given a commit that adds a requirement published only as an sdist (its setup.py would run)
    const before = await outputs();
    platform.commit('dev', 'Add a package without a wheel', {
      'aws-resources/requirements.txt': `${example('requirements.txt')}pycrypto==2.6.1\n`,
    });
    // When it is synced
    const { code, entry } = await sync();
    // Then the sync fails terminally naming the package, and the stack is as it was
    expect(code).toBe(1);
    expect(entry.failure).toMatchObject({ code: 'synth.python-sdist', retryable: false });
    expect(`${entry.failure!.subject} ${entry.failure!.message}`).toContain('pycrypto');
    expect(entry.changes).toEqual([]);
    expect(await outputs()).toEqual(before);
  });
});
