import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CloudFormationClient, GetTemplateCommand } from '@aws-sdk/client-cloudformation';
import { stringify } from 'yaml';
import { runCli, watchChild, type WatchedChild } from '../helpers/cli';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { repoRoot, sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

/**
 * The AWS half of the unsharded fence, with the real binary: a `cairn sync` holding the heartbeat
 * is frozen (SIGSTOP) the moment its CreateChangeSet for release A reaches CloudFormation (moto,
 * through the recording proxy), past the lease duration; a sync on another pod takes the stale
 * heartbeat and applies release B. Thawed, the first must not execute its change set of A over B.
 * The same when it is frozen as its first ExecuteChangeSet is throttled: the AWS SDK's retry of it
 * (found in review: sent after SIGCONT, it executed release C over release D) must not go out.
 */
describe('an unsharded sync frozen between CreateChangeSet and ExecuteChangeSet', () => {
  const sandbox = sandboxEnv();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const children: ChildProcess[] = [];
  let platform: E2ePlatform;
  let proxy: CfnFaultProxy;

  const configOf = (pod: string): string => {
    const file = join(platform.dir, `${pod}.yaml`);
    writeFileSync(
      file,
      stringify({
        repository: { url: platform.repo, pollInterval: '10m', watch: false },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            aws: { region: sandbox.aws.region, account: sandbox.aws.account, endpoint: proxy.url },
          },
        ],
        audit: { dir: join(platform.dir, `${pod}-audit`), unkeyed: true },
        sharding: {
          enabled: false,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
          leaseDuration: '6s',
          renewInterval: '2s',
        },
        workspaces: { dir: join(platform.dir, `${pod}-workspaces`) },
      }),
    );
    return file;
  };
  const sync = (pod: string): WatchedChild => {
    const child = spawn(process.execPath, [BIN, 'sync', '--env', 'dev', '--config', configOf(pod)], {
      env: { ...process.env, ...awsTestCredentials(), POD_NAME: pod },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return watchChild(child);
  };
  const release = (name: string) =>
    platform.commit('dev', `release ${name}`, {
      'aws-resources/app.js': `
const cdk = require('aws-cdk-lib');
const app = new cdk.App();
const stack = new cdk.Stack(app, 'Data', { stackName: '${platform.stackName('dev')}' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
new cdk.aws_sqs.Queue(stack, 'Release${name}');
app.synth();
`,
    });
  const liveTemplate = async () =>
    (await cfn.send(new GetTemplateCommand({ StackName: platform.stackName('dev') }))).TemplateBody ?? '';
  const executes = () => proxy.requests.filter((r) => r.action === 'ExecuteChangeSet').length;
  /** Syncs a release on a pod, to its end. */
  const applied = async (name: string, pod: string) => {
    release(name);
    const run = sync(pod);
    const code = await run.exited;
    if (code !== 0) throw new Error(`the sync of release ${name} exited ${String(code)}:\n${run.output()}`);
  };
  /** Starts a sync of a release on a pod and freezes it (SIGSTOP) the moment `action` reaches CloudFormation. */
  const frozenAt = async (action: string, name: string, pod: string): Promise<WatchedChild> => {
    release(name);
    const run = sync(pod);
    const frozen = new Promise<void>((resolve) =>
      proxy.onAction(action, () => {
        run.child.kill('SIGSTOP');
        resolve();
      }),
    );
    await Promise.race([
      frozen,
      run.exited.then((code) => {
        throw new Error(
          `the sync of release ${name} exited ${String(code)} before its ${action}:\n${run.output()}`,
        );
      }),
    ]);
    proxy.onAction(action, () => undefined);
    // past the lease duration
    await new Promise((resolve) => setTimeout(resolve, 7_000));
    return run;
  };

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    const boot = await runCli(
      ['bootstrap', '--config', configOf('boot'), '--env', 'dev'],
      awsTestCredentials(),
    );
    expect(boot.code).toBe(0);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await proxy?.close();
    cfn.destroy();
    platform?.cleanup();
  });

  it('does not execute the change set of release A over release B once another sync took the heartbeat', async () => {
    // given the stack at release 0, and a sync of release A frozen as its CreateChangeSet reaches CloudFormation
    await applied('0', 'pod-0');
    const first = await frozenAt('CreateChangeSet', 'A', 'pod-a');

    // when release B lands and a sync on another pod applies it
    await applied('B', 'pod-b');
    expect(await liveTemplate()).toContain('ReleaseB');
    const executed = executes();

    // then the first, thawed, stops before its ExecuteChangeSet and says why
    first.child.kill('SIGCONT');
    expect(await first.exited).toBe(1);
    expect(first.output()).toContain('shard.lost');
    expect(executes()).toBe(executed);
    expect(await liveTemplate()).toContain('ReleaseB');
    expect(await liveTemplate()).not.toContain('ReleaseA');
  });
  it('does not send the SDK retry of its throttled ExecuteChangeSet of release C over release D', async () => {
    // given a sync of release C frozen as its first ExecuteChangeSet is answered with Throttling
    proxy.throttleNext('ExecuteChangeSet', 1);
    const first = await frozenAt('ExecuteChangeSet', 'C', 'pod-c');

    // when release D lands and a sync on another pod applies it
    await applied('D', 'pod-d');
    expect(await liveTemplate()).toContain('ReleaseD');
    const executed = executes();

    // then the first, thawed, does not retry its ExecuteChangeSet: release D stands
    first.child.kill('SIGCONT');
    const code = await first.exited;
    expect(await liveTemplate()).toContain('ReleaseD');
    expect(executes()).toBe(executed);
    expect(code).toBe(1);
    expect(first.output()).toContain('shard.lost');
  });
});
