import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { pythonExampleKit } from '../helpers/python-example';
import { processesOf, SIDECAR_SERVER, startRunnerPod, type RunnerPod } from '../helpers/synth-runner-pod';

jest.setTimeout(420_000);

/**
 * The Python example (examples/platform-python) through `cairn sync` with `aws.synth.isolation:
 * sidecar`: the controller's pip installs its wheels on the shared volume, the real `cairn
 * synth-runner` (another uid, the pod's group, no credentials) runs the app with python3, and
 * CloudFormation on moto creates its stack. A requirement with only an sdist fails naming it.
 */
describe('a Python CDK app synthesized through the sidecar runner', () => {
  let pod: RunnerPod;
  let platform: E2ePlatform;
  const prefix = () => `e2e${platform.id}pys`;
  const { sync, outputs, commitExample, expectSdistRefused } = pythonExampleKit(() => platform, prefix);

  beforeAll(async () => {
    // given the runner container and a dev environment that hands its synth to it
    pod = await startRunnerPod(10016);
    platform = makeE2ePlatform(['dev']);
    const config = parse(readFileSync(platform.configFile, 'utf8')) as {
      environments: { aws: Record<string, unknown>; kubernetes?: unknown }[];
      workspaces?: unknown;
      server?: Record<string, unknown>;
    };
    config.environments[0]!.aws.synth = { isolation: 'sidecar', socket: pod.socket };
    config.server = { ...config.server, ...SIDECAR_SERVER };
    delete config.environments[0]!.kubernetes; // the AWS half is what this test is about
    config.workspaces = { dir: pod.workRoot };
    writeFileSync(platform.configFile, stringify(config));
    // and the example's app, its requirements and a cdk.json naming this run's prefix
    await commitExample();
  });

  afterAll(async () => {
    await pod?.cleanup();
    platform?.cleanup();
  });

  it('synthesizes in the runner and deploys the stack with its queue URL and role ARN', async () => {
    // when the Python commit is synced
    const jobsBefore = pod.logs().match(/synth job finished/g)?.length ?? 0;
    const { code, entry, stderr } = await sync();

    // then it succeeded, the app having run in the runner
    expect({ code, outcome: entry.outcome, failure: entry.failure }).toEqual({
      code: 0,
      outcome: 'succeeded',
      failure: undefined,
    });
    expect(stderr).toMatch(/"isolation":"sidecar"[^\n]*CDK app synthesized/);
    expect((pod.logs().match(/synth job finished/g)?.length ?? 0) - jobsBefore).toBe(1);
    // and the stack exists with both outputs
    const out = await outputs();
    expect(out.QueueUrl).toMatch(/^https?:\/\/.+\/123456789012\//);
    expect(out.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
    // and the wheels are on the shared volume, the controller's, readable but not writable by the group
    const deps = join(pod.workRoot, 'python-deps');
    const modes = readdirSync(deps, { recursive: true, withFileTypes: true })
      .slice(0, 200)
      .map((e) => statSync(join(e.parentPath, e.name)));
    expect(modes.length).toBeGreaterThan(0);
    expect(modes.filter((s) => s.uid === pod.uid || (s.mode & 0o022) !== 0)).toEqual([]);
    // and nothing of the job is left running
    expect(processesOf(pod.uid)).toEqual([pod.child.pid]);
  });

  it('fails a requirement that has only an sdist, naming it, and deploys nothing', () =>
    expectSdistRefused());
});
