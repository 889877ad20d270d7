import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AuditEntry } from '../../controller/audit/types';
import { repoRoot, sandboxAwsClientConfig } from '../sandbox/sandbox-env';
import { runCli } from './cli';
import { awsTestCredentials, type E2ePlatform } from './e2e-platform';

/** A file of the Python example's app (examples/platform-python/aws-resources). */
export const pythonExample = (file: string): string =>
  readFileSync(join(repoRoot, 'examples', 'platform-python', 'aws-resources', file), 'utf8');

/**
 * What the Python e2e tests do with an e2e platform's `dev` environment: commit the example's app
 * (its stacks named with `prefix`), sync it through the real `cairn sync`, read its stack's outputs
 * on moto, and check that a requirement with only an sdist is refused. `platform` is read at each
 * call, as the tests make it in their beforeAll.
 */
export function pythonExampleKit(platform: () => E2ePlatform, prefix: () => string) {
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const sync = async () => {
    const result = await runCli(
      ['sync', '--config', platform().configFile, '--env', 'dev', '--json'],
      awsTestCredentials(),
    );
    if (!result.stdout.trim()) throw new Error(`cairn sync printed nothing; stderr:\n${result.stderr}`);
    return { code: result.code, entry: JSON.parse(result.stdout) as AuditEntry, stderr: result.stderr };
  };
  const outputs = async () => {
    const stackName = `${prefix()}-dev-jobs`;
    const stack = (await cfn.send(new DescribeStacksCommand({ StackName: stackName }))).Stacks![0]!;
    return Object.fromEntries((stack.Outputs ?? []).map((o) => [o.OutputKey, o.OutputValue]));
  };
  return {
    sync,
    outputs,
    /** Bootstraps dev's AWS side and commits the example's app, requirements and a cdk.json naming the prefix. */
    async commitExample() {
      const boot = await runCli(
        ['bootstrap', '--config', platform().configFile, '--env', 'dev'],
        awsTestCredentials(),
      );
      expect(boot.code).toBe(0);
      const cdkJson = JSON.parse(pythonExample('cdk.json')) as { context: Record<string, string> };
      cdkJson.context['shop:prefix'] = prefix();
      platform().commit('dev', 'The AWS half in Python', {
        'aws-resources/app.js': null,
        'aws-resources/stack.json': null,
        'aws-resources/app.py': pythonExample('app.py'),
        'aws-resources/requirements.txt': pythonExample('requirements.txt'),
        'aws-resources/cdk.json': JSON.stringify(cdkJson),
      });
    },
    /** A requirement published only as an sdist (its setup.py would run) fails the sync naming it; the stack is as it was. */
    async expectSdistRefused() {
      const before = await outputs();
      platform().commit('dev', 'Add a package without a wheel', {
        'aws-resources/requirements.txt': `${pythonExample('requirements.txt')}pycrypto==2.6.1\n`,
      });
      const { code, entry } = await sync();
      expect(code).toBe(1);
      expect(entry.failure).toMatchObject({ code: 'synth.python-sdist', retryable: false });
      expect(`${entry.failure!.subject} ${entry.failure!.message}`).toContain('pycrypto');
      expect(entry.changes).toEqual([]);
      expect(await outputs()).toEqual(before);
    },
  };
}
