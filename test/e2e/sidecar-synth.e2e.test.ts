import { CloudFormationClient, DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parse, stringify } from 'yaml';
import { runCli, startCli } from '../helpers/cli';
import { auditKeyFile, awsTestCredentials, makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { hostileAppRepo, writeHostileRunConfig } from '../helpers/hostile-app';
import {
  POD_FS_GROUP,
  processesOf,
  SIDECAR_SERVER,
  startRunnerPod,
  type RunnerPod,
} from '../helpers/synth-runner-pod';
import { selfCommand } from '../../controller/cli/self-command';
import { sandboxAwsClientConfig, sandboxEnv } from '../sandbox/sandbox-env';

jest.setTimeout(240_000);

/** The controller's secrets, held in its environment as an operator would. */
const SECRETS = {
  CAIRN_API_TOKEN: 'api-token-Rz4kP8sN2vB6',
  CAIRN_WEBHOOK_SECRET: 'webhook-secret-Jw7tF3qL9x',
  AWS_SECRET_ACCESS_KEY: 'aws-secret-Gh5mC1yU8oE2rT6',
  GIT_TOKEN: 'git-token-Px2dK7nQ4s',
};

/** The controller's uid in the pod contract. */
const CONTROLLER_UID = 10001;

/** Runs `cairn ARGS` as the pod contract's controller user (uid 10001, group the fsGroup), with a home it owns. */
function runAsController(
  args: readonly string[],
  home: string,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...rest] = selfCommand();
  const child = spawn(command!, [...rest, ...args], {
    uid: CONTROLLER_UID,
    gid: POD_FS_GROUP,
    env: { ...process.env, ...awsTestCredentials(), HOME: home },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
  child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
  return new Promise((resolve) => child.on('close', (code) => resolve({ code, stdout, stderr })));
}

/** The failure message of the first audit record holding the hostile app's report, if any yet. */
function failureInAudit(auditDir: string): string | undefined {
  if (!existsSync(auditDir)) return undefined;
  const find = (value: unknown): string | undefined => {
    if (typeof value === 'string') return value.includes('HOSTILE-REPORT') ? value : undefined;
    if (typeof value !== 'object' || value === null) return undefined;
    for (const v of Object.values(value)) {
      const found = find(v);
      if (found) return found;
    }
    return undefined;
  };
  for (const e of readdirSync(auditDir, { recursive: true, withFileTypes: true })) {
    if (!e.isFile() || !e.name.endsWith('.jsonl')) continue;
    for (const line of readFileSync(join(e.parentPath, e.name), 'utf8').split('\n')) {
      try {
        const found = find(JSON.parse(line));
        if (found) return found;
      } catch {
        // a torn or partial line
      }
    }
  }
  return undefined;
}

describe('the example CDK app synthesized through the sidecar runner (aws.synth.isolation: sidecar)', () => {
  let pod: RunnerPod;
  let platform: E2ePlatform;
  const cfn = new CloudFormationClient(sandboxAwsClientConfig());

  beforeAll(async () => {
    // given the runner container (another uid, the pod's group) and a platform whose dev
    // environment hands its synth to it, with the workspaces on the shared volume
    pod = await startRunnerPod(10013);
    platform = makeE2ePlatform(['dev']);
    const config = parse(readFileSync(platform.configFile, 'utf8')) as {
      environments: { aws: Record<string, unknown>; kubernetes?: unknown }[];
      workspaces?: unknown;
      server?: Record<string, unknown>;
    };
    const env = config.environments[0]!;
    env.aws.synth = { isolation: 'sidecar', socket: pod.socket };
    delete env.kubernetes; // the AWS half is what this test is about
    config.workspaces = { dir: pod.workRoot };
    config.server = { ...config.server, ...SIDECAR_SERVER };
    writeFileSync(platform.configFile, stringify(config));
    // the controller runs as the pod contract's uid 10001 (a member of the fsGroup), not as root
    execFileSync('chown', ['-R', `${CONTROLLER_UID}:${POD_FS_GROUP}`, platform.dir]);
    const boot = await runCli(
      ['bootstrap', '--config', platform.configFile, '--env', 'dev'],
      awsTestCredentials(),
    );
    expect(boot.code).toBe(0);
  });

  afterAll(async () => {
    await pod.cleanup();
    platform.cleanup();
    cfn.destroy();
  });

  it('plans and then deploys the stack the runner synthesized', async () => {
    // when the plan runs
    const plan = await runAsController(
      ['plan', '--config', platform.configFile, '--env', 'dev'],
      platform.dir,
    );
    expect(plan.code).toBe(0);
    expect(plan.stdout).toContain(platform.stackName('dev'));
    // and the sync
    const sync = await runAsController(
      ['sync', '--config', platform.configFile, '--env', 'dev'],
      platform.dir,
    );
    expect(sync.code).toBe(0);
    // then the stack is on moto
    const stacks = await cfn.send(new DescribeStacksCommand({ StackName: platform.stackName('dev') }));
    expect(stacks.Stacks?.[0]?.StackStatus).toBe('CREATE_COMPLETE');
    // and the synth ran in the runner (one job for the plan, one for the sync), not in the controller
    expect(sync.stdout + sync.stderr).toMatch(/"isolation":"sidecar"[^\n]*CDK app synthesized/);
    expect(pod.logs().match(/synth job finished/g)).toHaveLength(2);
    // and no process of a job is left, and nothing the runner's uid wrote stays on the volume
    expect(processesOf(pod.uid)).toEqual([pod.child.pid]);
    const runnersFiles = readdirSync(join(pod.workRoot, 'synth'), { recursive: true, withFileTypes: true })
      .map((e) => join(e.parentPath, e.name))
      .filter((p) => statSync(p).uid === pod.uid);
    expect(runnersFiles).toEqual([]);
  });
});

describe('a hostile CDK app run through the sidecar runner', () => {
  let pod: RunnerPod;
  let dir: string;
  let cairn: ChildProcess;
  let logs = '';
  let message = '';
  const markFile = `hostile-mark-${Math.random().toString(36).slice(2, 8)}`;
  const daemonMarker = `HOSTILE_DAEMON_${Math.random().toString(36).slice(2, 8)}`;
  let keyFile: string;
  let configFile: string;
  let auditDir: string;
  let writeTargets: string[];

  beforeAll(async () => {
    // given cairn running as root with its secrets in its environment, its audit key 0600, and
    // the runner as another uid; the branch holds an app that hunts for them
    pod = await startRunnerPod(10014);
    const sandbox = sandboxEnv();
    dir = mkdtempSync(join(tmpdir(), 'cairn-hostile-sidecar-'));
    const repo = join(dir, 'platform');
    auditDir = join(dir, 'audit');
    configFile = join(dir, 'cairn.yaml');
    keyFile = auditKeyFile(dir);
    writeTargets = [
      auditDir,
      dir,
      pod.workRoot,
      join(pod.workRoot, 'synth'),
      join(pod.workRoot, 'checkouts'),
    ];
    hostileAppRepo(repo, {
      read: [keyFile, configFile],
      list: [
        auditDir,
        pod.workRoot,
        join(pod.workRoot, 'checkouts'),
        join(pod.workRoot, 'git'),
        join(pod.workRoot, 'synth'),
      ],
      write: writeTargets,
      markFile,
      daemonMarker,
      connect: [],
      // the controller and the runner, by their command lines
      environOf: [configFile, 'synth-runner --socket'],
    });
    writeHostileRunConfig(configFile, {
      repo,
      synth: { isolation: 'sidecar', socket: pod.socket },
      audit: { dir: auditDir, keyFile },
      workspacesDir: pod.workRoot,
    });
    cairn = startCli(['run', '--config', configFile], {
      ...SECRETS,
      AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    });
    cairn.stdout!.on('data', (c: Buffer) => (logs += c.toString()));
    cairn.stderr!.on('data', (c: Buffer) => (logs += c.toString()));
    // when cairn reconciles the branch and the app runs in the runner
    const deadline = Date.now() + 150_000;
    while (!message && Date.now() < deadline) {
      await new Promise((r) => setTimeout(r, 500));
      message = failureInAudit(auditDir) ?? '';
    }
    const exited = new Promise((resolve) => cairn.once('exit', resolve));
    cairn.kill('SIGTERM');
    await exited;
  });

  afterAll(async () => {
    if (cairn.exitCode === null) cairn.kill('SIGKILL');
    await pod.cleanup();
    rmSync(dir, { recursive: true, force: true });
  });

  /** The app's report, from the failure message the audit trail recorded (masked and capped). */
  function report(): {
    environ: Record<string, string>;
    readable: string[];
    files: Record<string, string>;
    listings: Record<string, unknown>;
    writes: Record<string, string>;
  } {
    const json = /HOSTILE-REPORT (\{.*\})/.exec(message)?.[1];
    if (!json) throw new Error(`no report in the failure:\n${message}\n${logs.slice(-4000)}`);
    return JSON.parse(json) as ReturnType<typeof report>;
  }

  it('fails the synth with the app’s report', () => {
    expect(message).toContain('HOSTILE-REPORT');
  });

  it('cannot read the controller’s environment: only its own uid’s processes, which hold no secret', () => {
    const seen = report();
    // the controller's environment is closed to it
    expect(seen.environ[String(cairn.pid)]).toMatch(/^ERR EACCES/);
    // the runner's own environment it can read (same uid), and it holds nothing of the controller's
    expect(seen.environ[String(pod.child.pid)]).toContain('RUNNER_OWN_VARIABLE=runner-only-value');
    for (const environ of Object.values(seen.environ))
      for (const name of Object.keys(SECRETS)) expect(environ).not.toContain(name);
    expect(seen.readable.length).toBeGreaterThan(0);
    // and nowhere on the machine did it find a secret-looking variable
    const loot = /HOSTILE-LOOT(.*)/.exec(message)?.[1];
    expect(loot).toBeDefined();
    expect(loot).not.toMatch(/[A-Z_]*(TOKEN|SECRET)[A-Z_]*=/);
  });

  it('cannot read the controller’s files or list its folders, nor write into them', () => {
    const seen = report();
    expect(seen.files[keyFile]).toMatch(/^ERR EACCES/);
    expect(seen.files[configFile]).toMatch(/^ERR EACCES/);
    for (const [path, listing] of Object.entries(seen.listings))
      expect({ path, listing }).toEqual({ path, listing: expect.stringMatching(/^ERR /) });
    for (const target of writeTargets) {
      expect({ target, result: seen.writes[join(target, markFile)] }).toEqual({
        target,
        result: expect.stringMatching(/^ERR /),
      });
      expect(existsSync(join(target, markFile))).toBe(false);
    }
  });

  it('keeps every secret out of the logs and the audit trail', () => {
    const audit = readdirSync(auditDir, { recursive: true, withFileTypes: true })
      .filter((e) => e.isFile())
      .map((e) => readFileSync(join(e.parentPath, e.name), 'utf8'))
      .join('\n');
    for (const secret of Object.values(SECRETS)) {
      expect(logs).not.toContain(secret);
      expect(audit).not.toContain(secret);
    }
  });

  it('leaves no process of the app behind: the runner sweeps its uid', () => {
    expect(processesOf(pod.uid)).toEqual([pod.child.pid]);
  });
});
