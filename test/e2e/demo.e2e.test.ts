import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import type { AuditEntry } from '../../controller/audit/types';
import { runCli, runScript } from '../helpers/cli';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(600_000);

/** `npm run demo -- --no-wait` (test/demo/main.ts) runs the whole story non-interactively; its end state is checked here. */
describe('the demo', () => {
  const workdir = mkdtempSync(join(tmpdir(), 'cairn-demo-test-'));
  // A prefix of its own, so the test never meets stacks or namespaces of an earlier demo in the same sandbox.
  const prefix = `demo${Math.random().toString(36).slice(2, 7)}`;
  afterAll(() => rmSync(workdir, { recursive: true, force: true }));

  it('merges, promotes and reverts a change, leaving the stacks, objects and audit entries it describes', async () => {
    const demo = await runScript(join(__dirname, '..', 'demo', 'main.ts'), [
      '--no-wait',
      '--workdir',
      workdir,
      '--prefix',
      prefix,
    ]);
    if (demo.code !== 0) throw new Error(`demo exited ${String(demo.code)}\n${demo.stdout}\n${demo.stderr}`);
    expect(demo.stdout).toContain('Merging a change to dev');
    expect(demo.stdout).toContain('Keep exploring');

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
    for (const env of ['dev', 'staging', 'prod']) {
      const stacks = await cfn.send(new DescribeStacksCommand({ StackName: `${prefix}-${env}-data` }));
      expect(stacks.Stacks?.[0]?.StackStatus).toMatch(/_COMPLETE$/);
    }
    const kc = new KubeConfig();
    kc.loadFromFile(sandboxEnv().kubernetes.kubeconfig);
    const core = kc.makeApiClient(CoreV1Api);
    const flags = (namespace: string) =>
      core.readNamespacedConfigMap({ name: 'feature-flags', namespace }).then(
        (cm) => cm.data,
        () => undefined,
      );
    expect(await flags(`${prefix}-staging`)).toEqual({ CHECKOUT_V2: 'on' });
    expect(await flags(`${prefix}-dev`)).toBeUndefined();
  });
});
