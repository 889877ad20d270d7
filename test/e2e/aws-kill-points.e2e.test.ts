import { spawn, type ChildProcess } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  CloudFormationClient,
  DescribeStacksCommand,
  GetTemplateCommand,
} from '@aws-sdk/client-cloudformation';
import { stringify } from 'yaml';
import { runCli, watchChild, type WatchedChild } from '../helpers/cli';
import { startCfnFaultProxy, type CfnFaultProxy } from '../helpers/cfn-fault-proxy';
import { awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { repoRoot, sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(180_000);

const BIN = join(repoRoot, 'dist', 'controller', 'cli', 'main.js');

/**
 * Crash consistency of the AWS half, with the real binary: a `cairn sync` is SIGKILLed once
 * CloudFormation (moto, through the recording proxy) has answered its ExecuteChangeSet, so the
 * release stands but the ledger's entry is closed as `interrupted`. A revert to the last release
 * the ledger recorded as applied must then be deployed, not skipped as "unchanged since last apply".
 */
describe('a sync killed once its change set was executed', () => {
  const sandbox = sandboxEnv();
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());
  const children: ChildProcess[] = [];
  let platform: E2ePlatform;
  let proxy: CfnFaultProxy;

  const config = (): string => {
    const file = join(platform.dir, 'cairn.yaml');
    writeFileSync(
      file,
      stringify({
        repository: { url: platform.repo, pollInterval: '10m', watch: false },
        environments: [
          {
            name: 'dev',
            branch: 'dev',
            aws: {
              region: sandbox.aws.region,
              account: sandbox.aws.account,
              endpoint: proxy.url,
              prune: true,
              deployTimeout: '3s',
            },
          },
        ],
        audit: { dir: join(platform.dir, 'audit'), unkeyed: true },
        sharding: {
          enabled: false,
          namespace: 'default',
          kubeconfig: sandbox.kubernetes.kubeconfig,
          leaseDuration: '6s',
          renewInterval: '2s',
        },
        workspaces: { dir: join(platform.dir, 'workspaces') },
      }),
    );
    return file;
  };
  const sync = (): WatchedChild => {
    const child = spawn(process.execPath, [BIN, 'sync', '--env', 'dev', '--config', config(), '--json'], {
      env: { ...process.env, ...awsTestCredentials(), POD_NAME: 'pod' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    children.push(child);
    return watchChild(child);
  };
  const extraStack = () => `${platform.stackName('dev')}-extra`;
  /**
   * Commits release `name` of the app: the Data stack, and with `extra` a second stack (with a
   * second queue `Q<extraQueue>` when given).
   */
  const release = (name: string, extra = false, extraQueue?: string) =>
    platform.commit('dev', `release ${name}`, {
      'aws-resources/app.js': `
const cdk = require('aws-cdk-lib');
const app = new cdk.App();
const stack = new cdk.Stack(app, 'Data', { stackName: '${platform.stackName('dev')}' });
new cdk.aws_s3.Bucket(stack, 'Bucket');
new cdk.aws_sqs.Queue(stack, 'Release${name}');
${extra ? `const extra = new cdk.Stack(app, 'Extra', { stackName: '${extraStack()}' });\nnew cdk.aws_sqs.Queue(extra, 'Q');` : ''}
${extraQueue ? `new cdk.aws_sqs.Queue(extra, 'Q${extraQueue}');` : ''}
app.synth();
`,
    });
  const stackStatus = async (name: string): Promise<string | undefined> => {
    try {
      return (await cfn.send(new DescribeStacksCommand({ StackName: name }))).Stacks?.[0]?.StackStatus;
    } catch {
      return undefined;
    }
  };
  const liveTemplate = async () =>
    (await cfn.send(new GetTemplateCommand({ StackName: platform.stackName('dev') }))).TemplateBody ?? '';
  const synced = async (): Promise<string> => {
    const run = sync();
    const code = await run.exited;
    if (code !== 0) throw new Error(`the sync exited ${String(code)}:\n${run.output()}`);
    return run.output();
  };

  /** A sync SIGKILLed as soon as its ExecuteChangeSet is answered (the change set then runs on). */
  const killedAtExecute = async () => {
    const killed = sync();
    proxy.holdAnswer('ExecuteChangeSet', () => {
      killed.child.kill('SIGKILL');
      return Promise.resolve();
    });
    await killed.exited;
    proxy.holdAnswer('ExecuteChangeSet', undefined);
    expect(killed.child.signalCode).toBe('SIGKILL');
  };

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    proxy = await startCfnFaultProxy(sandbox.aws.endpoint);
    const boot = await runCli(['bootstrap', '--config', config(), '--env', 'dev'], awsTestCredentials());
    expect(boot.code).toBe(0);
  });

  afterAll(async () => {
    for (const child of children) child.kill('SIGKILL');
    await proxy?.close();
    cfn.destroy();
    platform?.cleanup();
  });

  it('deploys a revert to the last recorded release after a sync killed past its ExecuteChangeSet', async () => {
    // given the stack at release 0
    release('0');
    await synced();
    expect(await liveTemplate()).toContain('Release0');

    // when the sync of release A is killed once its ExecuteChangeSet was answered (the release stands)
    release('A');
    await killedAtExecute();
    expect(await liveTemplate()).toContain('ReleaseA');

    // and release 0 is committed again (a revert: the tree the ledger last recorded as applied)
    release('0');
    const output = await synced();

    // then the revert was deployed, not skipped as unchanged
    expect(output).not.toContain('unchanged since last apply');
    expect(await liveTemplate()).toContain('Release0');
    expect(await liveTemplate()).not.toContain('ReleaseA');
    const verify = await runCli(['audit', 'verify', '--config', config()]);
    expect(verify.code).toBe(0);
  });

  it('prunes a new stack whose creation a killed sync executed, once it leaves the app', async () => {
    // given the sync of a release adding a stack is killed once the new stack's ExecuteChangeSet was answered
    // (the Data stack is unchanged, so the only ExecuteChangeSet, which names its change set by ARN
    // and not its stack, is the new stack's)
    release('0', true);
    await killedAtExecute();
    expect(await stackStatus(extraStack())).toMatch(/CREATE_(IN_PROGRESS|COMPLETE)/);

    // when the stack leaves the app before the next sync
    release('0');
    await synced();

    // then it is pruned: its tags, not the ledger, make it the environment's
    expect([undefined, 'DELETE_IN_PROGRESS', 'DELETE_COMPLETE']).toContain(await stackStatus(extraStack()));
  });

  it('deploys a revert to the last recorded release after a release whose wait gave up, though CloudFormation went on', async () => {
    // given a stack applied, and a release E that adds a queue to it executed while CloudFormation
    // still describes it UPDATE_IN_PROGRESS past the deploy timeout (a long update)
    release('0', true);
    await synced();
    const template = async () =>
      (await cfn.send(new GetTemplateCommand({ StackName: extraStack() }))).TemplateBody ?? '';
    proxy.onAction('ExecuteChangeSet', () =>
      proxy.addRule({ stackName: extraStack(), status: 'UPDATE_IN_PROGRESS' }),
    );
    release('0', true, 'E');
    const timedOut = sync();
    const code = await timedOut.exited;
    proxy.onAction('ExecuteChangeSet', () => undefined);
    proxy.removeRules(extraStack());
    expect(code).toBe(1);
    expect(timedOut.output()).toMatch(/gave up waiting/);
    // (CloudFormation finished it meanwhile: release E stands)
    expect(await template()).toContain('QE');

    // when the release before is committed again
    release('0', true);
    const output = await synced();

    // then the revert was deployed, not skipped as unchanged
    expect(output).not.toContain('unchanged since last apply');
    expect(await template()).not.toContain('QE');
  });
});
