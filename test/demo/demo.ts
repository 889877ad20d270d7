import { spawnSync, type ChildProcess } from 'node:child_process';
import { freePort } from '../helpers/net';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { AppsV1Api, CoreV1Api, KubeConfig } from '@kubernetes/client-node';
import { makePlatformRepo } from '../../examples/make-platform-repo';
import { writeDemoConfig } from '../../examples/write-demo-config';
import { bootstrapEnvironment } from '../../cdk/deploy/bootstrap';
import { AuditLog } from '../../controller/audit/audit-log';
import { loadConfig } from '../../controller/config/load-config';
import { renderAuditEntry, renderAuditList } from '../../controller/cli/render-audit';
import { silentLog } from '../../controller/log';
import { DemoProcesses } from './demo-processes';
import { breakApp } from './demo-change';
import { runSandbox, sandboxScript, sandboxStateDir } from './run-sandbox';
import { selfCommand } from '../../controller/cli/self-command';
import type { AuditConfig } from '../../controller/config/types';
import { applyDemoChange } from './demo-change';
import { describeBindings, readBoundValues } from './demo-bindings';
import { git, sendPushWebhook, waitForEnvironment } from './demo-steps';
import type { SandboxEnv } from '../sandbox/sandbox-env';

const ENVS = ['dev', 'staging', 'prod'] as const;
const STEP_TIMEOUT_MS = 5 * 60_000;

/** Where the demo left things, for the e2e test and for the person exploring afterwards. */
export interface DemoResult {
  readonly workdir: string;
  readonly configFile: string;
  readonly repoDir: string;
  readonly changeSha: string;
  readonly revertSha: string;
}

/**
 * Where a run's time goes: each `say` starts a step and ends the one before, and the demo prints
 * the steps' durations at its end (the warm demo's target is 45 s; this shows which step misses).
 */
class StepClock {
  private readonly steps: { label: string; ms: number }[] = [];
  private current: { label: string; started: number } | undefined;
  start(label: string): void {
    this.stop();
    this.current = { label, started: Date.now() };
  }
  stop(): void {
    if (this.current) this.steps.push({ label: this.current.label, ms: Date.now() - this.current.started });
    this.current = undefined;
  }
  /** "sandbox 9.1s · repository 0.8s · …, 41.2s in all". */
  summary(): string {
    const total = this.steps.reduce((sum, s) => sum + s.ms, 0);
    return `${this.steps.map((s) => `${s.label} ${(s.ms / 1000).toFixed(1)}s`).join(' · ')}; ${(total / 1000).toFixed(1)}s in all`;
  }
}

let clock = new StepClock();

/** Prints a step's heading; `label` names the step in the closing summary of where the time went. */
function say(text: string, label?: string): void {
  if (label) clock.start(label);
  process.stdout.write(`\n▸ ${text}\n`);
}

function detail(text: string): void {
  process.stdout.write(`  ${text}\n`);
}

/** Prints the controller's reconcile lines for one environment and sha as a short summary with timings. */
function summarize(lines: readonly Record<string, unknown>[], env: string, sha: string): void {
  const mine = lines.filter(
    (l) => l.env === env && typeof l.sha === 'string' && sha.startsWith(l.sha as string),
  );
  const phases = mine.filter((l) => l.msg === 'phase finished' && l.phase !== 'record');
  const end = mine.reverse().find((l) => l.msg === 'reconcile finished' || l.msg === 'reconcile failed');
  const timing = phases
    .map((p) => `${String(p.phase)} ${((p.durationMs as number) / 1000).toFixed(1)}s`)
    .join(', ');
  detail(
    `${env} @ ${sha.slice(0, 7)}: ${String(end?.outcome ?? end?.msg ?? 'running')} in ${(((end?.durationMs as number) ?? 0) / 1000).toFixed(1)}s (${timing})`,
  );
}

/** The whole story: sandbox, repository, controller, then merge, promote, revert, and the audit trail. */
export async function runDemo(
  options: {
    wait: boolean;
    workdir?: string;
    prefix?: string;
    /** Commit a CDK app that throws on dev: shows (and tests) how the demo reports a stalled environment. */
    breakApp?: boolean;
  },
  processes: DemoProcesses,
): Promise<number> {
  // Each run gets names of its own (stacks, queues, namespaces), so a second run in the same
  // sandbox never meets the first one's resources (moto keeps a deleted queue's name, for one).
  const prefix = options.prefix ?? `shop-${randomBytes(2).toString('hex')}`;
  clock = new StepClock();
  say(
    `This run's names start with ${prefix} (stacks ${prefix}-<env>-data, namespaces ${prefix}-<env>); earlier runs' resources are left alone`,
  );
  // The SDK's notice about its future Node 22 requirement is printed once per process; the demo's reader has no use for it.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const stateDir = sandboxStateDir();
  const startedSandbox =
    spawnSync('bash', [sandboxScript(), 'status', '--no-gitea'], { stdio: 'ignore' }).status !== 0;
  say(
    startedSandbox
      ? 'Starting the sandbox: etcd, kube-apiserver, kube-controller-manager, kube-scheduler, kwok (one simulated node) and moto_server on loopback (the first run builds the binaries it lacks, each saying how long it took last time)'
      : 'Using the sandbox that is already up',
    'sandbox',
  );
  let cancelSandboxStop = () => {};
  if (startedSandbox) {
    // From here on, stopping the demo (failure or Ctrl-C) stops this sandbox too.
    cancelSandboxStop = processes.onStop(() => void runSandbox('down'));
    const up = processes.spawn('bash', [sandboxScript(), 'up', '--no-gitea'], {
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    if ((await DemoProcesses.exited(up)) !== 0) {
      process.stderr.write('\ndemo failed: the sandbox did not start (see above)\n');
      await processes.stopAll();
      return 1;
    }
  }

  const workdir = options.workdir ?? mkdtempSync(join(tmpdir(), 'cairn-demo-'));
  say(
    `Creating the platform repository with branches ${ENVS.join(', ')} in ${workdir}/platform`,
    'repository',
  );
  const { dir: repoDir } = await makePlatformRepo(join(workdir, 'platform'), { prefix });
  if (options.breakApp) detail(`Breaking dev on purpose (--break-app): ${breakApp(repoDir)}`);
  const configFile = join(workdir, 'cairn.yaml');
  writeDemoConfig({
    sandboxEnvFile: join(stateDir, 'env.json'),
    repoUrl: repoDir,
    outFile: configFile,
    auditDir: join(workdir, 'audit'),
    port: await freePort(),
    prefix,
  });
  const config = loadConfig(configFile);
  const secret = randomBytes(16).toString('hex');

  // The sandbox's credentials are dummies for moto; a real deployment takes them from its own environment.
  const sandbox = JSON.parse(readFileSync(join(stateDir, 'env.json'), 'utf8')) as SandboxEnv;
  Object.assign(process.env, {
    AWS_ACCESS_KEY_ID: sandbox.aws.accessKeyId,
    AWS_SECRET_ACCESS_KEY: sandbox.aws.secretAccessKey,
    AWS_REGION: sandbox.aws.region,
  });
  say('Bootstrapping the AWS side of each environment (version parameter and assets bucket)', 'bootstrap');
  for (const env of config.environments) if (env.aws) await bootstrapEnvironment(env.aws, silentLog());

  say(`Starting the controller: cairn run --config ${configFile}`, 'first syncs');
  const lines: Record<string, unknown>[] = [];
  const controller = startController(processes, configFile, secret, lines);
  let result: DemoResult | undefined;
  try {
    const apiUrl = `http://${config.server.host}:${config.server.port}`;
    for (const env of ENVS) {
      const status = await waitForEnvironment(
        apiUrl,
        env,
        (s) => s.status === 'synced',
        STEP_TIMEOUT_MS,
        controller,
      );
      summarize(lines, env, status.headSha ?? '');
      await requireSynced(config.audit, env, status.status);
    }
    say(
      'The Deployments rolled out for real: controller-manager, scheduler, and the kwok node running their pods',
      'rollouts and bindings',
    );
    await showRollouts(
      sandbox.kubernetes.kubeconfig,
      config.environments.flatMap((e) => (e.kubernetes ? [e.kubernetes.namespace] : [])),
    );

    say(
      "AWS outputs bound into Kubernetes: dev's first commit created the queue and the pods' IAM role, and the same reconcile wrote their URL and ARN into the manifests (${aws:<stack>.<Output>})",
    );
    const bound = await readBoundValues(sandbox, `${prefix}-dev-data`, `${prefix}-dev`);
    for (const line of describeBindings(`${prefix}-dev`, git(repoDir, 'rev-parse', 'dev'), bound))
      detail(line);

    say('Merging a change to dev (a commit, then the push webhook a Git host would send)', 'merge');
    git(repoDir, 'checkout', '-q', 'dev');
    const change = applyDemoChange(repoDir);
    git(repoDir, 'add', '-A');
    git(repoDir, 'commit', '-q', '-m', change.message);
    const changeSha = git(repoDir, 'rev-parse', 'HEAD');
    detail(`${change.message} (${changeSha.slice(0, 7)}): ${change.description}`);
    await pushAndWait(apiUrl, secret, 'dev', changeSha, lines);

    say('Promoting it to staging (cherry-pick onto the staging branch)', 'promote');
    git(repoDir, 'checkout', '-q', 'staging');
    git(repoDir, 'cherry-pick', changeSha);
    await pushAndWait(apiUrl, secret, 'staging', git(repoDir, 'rev-parse', 'HEAD'), lines);

    say('Rolling dev back by reverting the commit', 'revert');
    git(repoDir, 'checkout', '-q', 'dev');
    git(repoDir, 'revert', '--no-edit', changeSha);
    const revertSha = git(repoDir, 'rev-parse', 'HEAD');
    await pushAndWait(apiUrl, secret, 'dev', revertSha, lines);

    say(`The audit trail: cairn audit list --config ${configFile}`, 'audit');
    const reader = await AuditLog.reader(config.audit);
    process.stdout.write(`${renderAuditList(await reader.list({ limit: 20 }))}\n`);
    const changeEntry = (await reader.list({ env: 'dev', limit: 20 })).find((e) => e.toSha === changeSha);
    if (changeEntry) {
      say(`One entry in full: cairn audit show --config ${configFile} ${changeEntry.id.slice(0, 8)}`);
      process.stdout.write(`${renderAuditEntry(changeEntry)}\n`);
    }
    result = { workdir, configFile, repoDir, changeSha, revertSha };
    clock.stop();
    say(`Where the time went: ${clock.summary()}`);

    const kubeconfig = sandbox.kubernetes.kubeconfig;
    say('Keep exploring:');
    detail(`kubectl --kubeconfig ${kubeconfig} get configmaps,deployments,services -n ${prefix}-dev`);
    // With --no-wait the controller stops as the demo ends: its API is gone.
    if (options.wait) detail(`curl ${apiUrl}/api/environments      curl ${apiUrl}/metrics`);
    detail(`npx cairn audit list --config ${configFile}`);
    // cairn plan and sync reach moto through the AWS SDK, and the aws CLI too: both take the
    // credentials from the environment only, and the CLI wants a region.
    detail(
      `export AWS_ACCESS_KEY_ID=${sandbox.aws.accessKeyId} AWS_SECRET_ACCESS_KEY=${sandbox.aws.secretAccessKey}   (moto's dummy credentials, for the two commands below)`,
    );
    detail(`npx cairn plan --config ${configFile} --env dev`);
    detail(
      `aws --endpoint-url ${sandbox.aws.endpoint} --region ${sandbox.aws.region} cloudformation list-stacks`,
    );
    if (options.wait) {
      detail('Press Ctrl-C to stop the controller' + (startedSandbox ? ' and the sandbox.' : '.'));
      // The signal handler stops everything and exits 0 from here on.
      processes.finished = true;
      await new Promise<never>(() => undefined);
    }
    return 0;
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    process.stderr.write(
      `\ndemo failed${typeof code === 'string' ? ` (${code})` : ''}: ${(error as Error).message}\nlast controller lines:\n`,
    );
    for (const line of lines.slice(-15)) process.stderr.write(`  ${JSON.stringify(line)}\n`);
    return 1;
  } finally {
    await processes.stop(controller);
    if (startedSandbox && !options.wait && result) {
      // Left up on purpose for exploring; the stop hook would take it down with the demo.
      cancelSandboxStop();
      detail('The sandbox is still up: stop it with `npm run sandbox:down`.');
    }
    await processes.stopAll();
  }

  async function pushAndWait(
    apiUrl: string,
    secret: string,
    branch: string,
    sha: string,
    lines: Record<string, unknown>[],
  ) {
    const started = Date.now();
    const answer = await sendPushWebhook(apiUrl, secret, branch, sha);
    detail(`push webhook for ${branch} answered ${answer}`);
    const env = config.environments.find((e) => e.branch === branch)!.name;
    const status = await waitForEnvironment(
      apiUrl,
      env,
      (s) => s.lastAppliedSha === sha,
      STEP_TIMEOUT_MS,
      controller,
    );
    summarize(lines, env, sha);
    await requireSynced(config.audit, env, status.status === 'stalled' ? 'stalled' : 'synced');
    detail(`commit → applied in ${((Date.now() - started) / 1000).toFixed(1)}s`);
  }
}

/** One line per Deployment: replicas available, and its pods with their phase and node. */
async function showRollouts(kubeconfig: string, namespaces: readonly string[]): Promise<void> {
  const kc = new KubeConfig();
  kc.loadFromFile(kubeconfig);
  const apps = kc.makeApiClient(AppsV1Api);
  const core = kc.makeApiClient(CoreV1Api);
  for (const namespace of namespaces) {
    const pods = (await core.listNamespacedPod({ namespace })).items;
    for (const d of (await apps.listNamespacedDeployment({ namespace })).items) {
      const name = d.metadata?.name ?? '';
      const mine = pods
        .filter((p) =>
          p.metadata?.ownerReferences?.some((o) => o.kind === 'ReplicaSet' && o.name.startsWith(`${name}-`)),
        )
        .map((p) => `${p.metadata?.name} ${p.status?.phase} on ${p.spec?.nodeName}`);
      detail(
        `${namespace}/${name}: ${d.status?.availableReplicas ?? 0}/${d.spec?.replicas ?? 1} available (${mine.join(', ')})`,
      );
    }
  }
}

/** Stops the demo with the environment's last error when it did not sync. */
async function requireSynced(auditConfig: AuditConfig, env: string, status: string): Promise<void> {
  if (status === 'synced') return;
  const [last] = await (await AuditLog.reader(auditConfig)).list({ env, limit: 1 });
  throw new Error(
    `${env} did not sync: ${last?.failure ? `${last.failure.phase}: ${last.failure.message}` : status}`,
  );
}

/** Starts `cairn run` as a child process in its own process group, collecting its JSON log lines. */
function startController(
  processes: DemoProcesses,
  configFile: string,
  secret: string,
  lines: Record<string, unknown>[],
): ChildProcess {
  const [command, ...args] = selfCommand();
  const child = processes.spawn(command!, [...args, 'run', '--config', configFile], {
    env: { ...process.env, CAIRN_DEMO_WEBHOOK_SECRET: secret },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  createInterface({ input: child.stdout! }).on('line', (line) => {
    try {
      lines.push(JSON.parse(line) as Record<string, unknown>);
    } catch {
      lines.push({ msg: line });
    }
  });
  return child;
}
