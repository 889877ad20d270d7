import { randomBytes } from 'node:crypto';
import { cpSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AwsTargetConfig } from '../../../controller/config/types';
import type { Assembly } from '../../../cdk/types';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { noneRunner, type SynthRunner } from '../../../cdk/synth/synth-runner';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import { silentLog, type Log } from '../../../controller/log';
import { startCfnFaultProxy, type CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { repoRoot, sandboxEnv } from '../../sandbox/sandbox-env';

/** One stack of the scenario fixture app (test/fixtures/cdk-apps/scenario-app). */
export interface StackSpec {
  readonly name: string;
  readonly parameters?: Readonly<Record<string, string>>;
  readonly queues?: readonly string[];
  readonly dependsOn?: readonly string[];
  readonly padding?: number;
  readonly lambda?: boolean;
  /** The CDK's grants, subscriptions and rule targets (see wire in the fixture app). */
  readonly wiring?: {
    readonly from?: string;
    readonly importedRole?: string;
    readonly restApi?: boolean;
    /** A dead-letter queue, bucket notifications and asynchronous-invocation destinations. */
    readonly destinations?: boolean;
  };
  /** A state machine, a key alias and a function under these names, as the CDK's constructs write them (see name in the fixture app). */
  readonly names?: { readonly stateMachine: string; readonly alias: string; readonly function: string };
  /** The CDK's grants of the stack's own data to its roles, and of `from`'s to one of its own (see grant in the fixture app). */
  readonly grants?: { readonly from?: string };
  /** Constructs that run as a role of their own, and one running as `from`'s role (see runAs in the fixture app). */
  readonly runsAs?: { readonly from?: string };
  /** The CDK's grants passing or taking on the stack's own roles (see lendIdentities in the fixture app). */
  readonly identities?: boolean;
  /** The CDK's dynamic references to the stack's own secret and parameters, and `from`'s parameter (see refer in the fixture app). */
  readonly references?: { readonly from?: string };
  /** The CDK's grants of CloudFormation actions on the stack's own: cfn-init and Auto Scaling signals (see signal in the fixture app). */
  readonly signals?: boolean;
  /** The CDK's grants of the stack's own resources of other services: ECR, Logs, RDS, EFS, ... (see serve in the fixture app). */
  readonly services?: boolean;
}

/** What the fixture app does: stacks to synthesize, or a failure to show. */
export interface Scenario {
  readonly prefix?: string;
  readonly stacks?: readonly StackSpec[];
  readonly throw?: string;
  readonly throwEnv?: boolean;
  readonly hang?: boolean;
  /** Leave a `setsid sleep 600` holding stdout, with this variable in its environment. */
  readonly daemon?: string;
  /** With `daemon`: exit 0 at once, before synthesizing anything. */
  readonly daemonThenExit?: boolean;
}

/** A name no other test (or run) uses: `<label>-<random>`, safe for stacks and environments. */
export function unique(label: string): string {
  return `${label}-${randomBytes(4).toString('hex')}`;
}

/** A fresh workspace whose aws-resources/ is a copy of a fixture app, with scenario.json written. */
export function workspaceWith(scenario: Scenario, app = 'scenario-app'): string {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-cdk-test-'));
  cpSync(join(repoRoot, 'test', 'fixtures', 'cdk-apps', app), join(dir, 'aws-resources'), {
    recursive: true,
  });
  writeFileSync(join(dir, 'aws-resources', 'scenario.json'), JSON.stringify(scenario));
  return dir;
}

/** The sandbox's moto_server as an environment's AWS target (or another endpoint, e.g. the fault proxy). */
export function sandboxTarget(overrides: Partial<AwsTargetConfig> = {}): AwsTargetConfig {
  const { aws } = sandboxEnv();
  return {
    region: aws.region,
    account: aws.account,
    endpoint: aws.endpoint,
    prune: false,
    synthTimeoutMs: 120_000,
    deployTimeoutMs: 60_000,
    ...overrides,
  };
}

/** The sandbox's dummy credentials, passed explicitly so nothing depends on the test process's env. */
export function sandboxCredentials(): { accessKeyId: string; secretAccessKey: string } {
  const { aws } = sandboxEnv();
  return { accessKeyId: aws.accessKeyId, secretAccessKey: aws.secretAccessKey };
}

/** The part of a synthesized assembly holding the named stacks (by artifact id), so one synth serves many tests. */
export function only(assembly: Assembly, ids: readonly string[]): Assembly {
  return { dir: assembly.dir, stacks: assembly.stacks.filter((s) => ids.includes(s.id)) };
}

/**
 * Stacks of `assembly` named by `templates`' keys, each template replaced by its value (an object
 * written as JSON, or text as it is): a commit's hand-written template, checked as cairn reads it.
 */
export function withTemplates(
  assembly: Assembly,
  templates: Readonly<Record<string, object | string>>,
): Assembly {
  const stacks = only(assembly, Object.keys(templates));
  for (const stack of stacks.stacks) {
    const template = templates[stack.id]!;
    writeFileSync(stack.templateFile, typeof template === 'string' ? template : JSON.stringify(template));
  }
  return stacks;
}

/**
 * Synthesizes a workspace's app as the test's own user (no sandbox), installing its lockfile's
 * dependencies (real `npm ci`) into `cacheDir`: for what cairn does around the app, not in it.
 */
export function synthInPlace(
  workspaceDir: string,
  cacheDir: string,
  log: Log = silentLog(),
): Promise<Assembly> {
  return synthesizeApp({
    workspaceDir,
    env: 'dev',
    target: sandboxTarget(),
    commitSha: 'c1b2c3d4e5f60718293a4b5c6d7e8f9012345678',
    log,
    cacheDir,
    runner: noneRunner(),
  });
}

/**
 * Bootstraps the sandbox target, synthesizes the scenario app for dev at `commitSha`, and starts the
 * recording (fault) proxy in front of moto: the stack context the CDK integration tests share.
 * `runner`: how the app is isolated (default: the target's, bubblewrap), for a test about what
 * cairn does with the assembly on a host without bubblewrap.
 */
export async function synthesizeBehindProxy(
  scenario: Scenario,
  commitSha: string,
  runner?: SynthRunner,
): Promise<{ readonly assembly: Assembly; readonly proxy: CfnFaultProxy }> {
  await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials: sandboxCredentials() });
  const assembly = await synthesizeApp({
    workspaceDir: workspaceWith(scenario),
    env: 'dev',
    target: sandboxTarget(),
    commitSha,
    log: silentLog(),
    ...(runner ? { runner } : {}),
  });
  const proxy = await startCfnFaultProxy(sandboxTarget().endpoint!);
  return { assembly, proxy };
}

/** An applier for environment `env` that talks to moto through `proxy` (the recording fault proxy). */
export function applierThrough(
  proxy: CfnFaultProxy,
  env: string,
  overrides: Partial<AwsTargetConfig> = {},
): ReturnType<typeof createAwsApplier> {
  return createAwsApplier(env, sandboxTarget({ endpoint: proxy.url, ...overrides }), silentLog(), {
    credentials: sandboxCredentials(),
  });
}

/** Every CreateChangeSet `proxy` saw for stack `stack`. */
export function changeSetsOf(proxy: CfnFaultProxy, stack: string): CfnFaultProxy['requests'] {
  return proxy.requests.filter((r) => r.action === 'CreateChangeSet' && r.stackName === stack);
}
