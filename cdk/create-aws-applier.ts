import { DescribeStacksCommand } from '@aws-sdk/client-cloudformation';
import type { AwsTargetConfig } from '../controller/model';
import { failureFrom, fenceGate, type Log, type PlaneResult, type WriteFence } from '../controller/model';
import { publishAssets } from './deploy/assets';
import { makeClients, type AwsClients, type AwsCredentials } from './deploy/aws-clients';
import { bootstrapKind, requireBootstrap, type BootstrapKind } from './deploy/bootstrap';
import { bootstrapRoleArn, IdentityClients, publishingRole, stackIdentity } from './deploy/stack-identity';
import { assertAssetBounds } from './deploy/asset-bounds';
import type { TemplateReader } from './deploy/stack-context';
import { providerExports } from './deploy/template-bounds';
import { namedResources } from './deploy/template-grants';
import { targetExports, type TargetKind } from './deploy/template-targets';
import {
  boundedTemplate,
  deleteStack,
  deployStack,
  ENV_TAG,
  importableExports,
  planStack,
  templateReader,
  type StackContext,
} from './deploy/stack-deployer';
import { failedStack, planeResult, stackErrorFailure } from './deploy/stack-changes';
import { inDependencyOrder } from './deploy/stack-order';
import { ownResources, type AdoptionCheck } from './deploy/adopted-names';
import { partitionOf } from './deploy/stack-identity';
import { liveOutputs } from './deploy/stack-outputs';
import { createSynthRunner } from './synth/synth-runner';
import { discardAssembly, synthesizeApp } from './synth/synthesize';
import type { Assembly, AwsApplier, StackArtifact, StackOutcome } from './types';

/**
 * What every export of the app's stacks that names a resource of their own names (see
 * targetExports). A name two stacks export as different things names neither: which one an import
 * gets is CloudFormation's to decide, not this map's.
 */
function targetKinds(
  stacks: readonly StackArtifact[],
  templates: TemplateReader,
): ReadonlyMap<string, TargetKind | undefined> {
  const kinds = new Map<string, TargetKind | undefined>();
  for (const stack of stacks) {
    try {
      for (const [name, kind] of targetExports(templates(stack.templateFile, `stack ${stack.stackName}`)))
        kinds.set(name, kinds.has(name) && kinds.get(name) !== kind ? undefined : kind);
    } catch {
      // A template that cannot be read exports nothing here: its own boundedTemplate fails that stack.
    }
  }
  return kinds;
}

/**
 * What each stack of the app may import from the others (see importableExports), and which of
 * those imports are providers its custom resources may call (providerExports), and which are
 * resources its policies and subscriptions may attach to (targetExports); and which names of
 * resources the stacks it depends on give, which its grants may name (namedResources).
 */
function importsOf(
  stacks: readonly StackArtifact[],
  templates: TemplateReader,
): (stack: StackArtifact) => Pick<StackContext, 'ownExports' | 'ownProviders' | 'ownTargets' | 'ownNamed'> {
  const exports = importableExports(stacks, templates);
  const providers = importableExports(stacks, templates, providerExports);
  const targets = importableExports(stacks, templates, (t) => targetExports(t).map(([name]) => name));
  const kinds = targetKinds(stacks, templates);
  const named = importableExports(stacks, templates, namedResources);
  return (stack) => ({
    ownNamed: named.get(stack.id) ?? new Set(),
    ownExports: exports.get(stack.id) ?? new Set(),
    ownProviders: providers.get(stack.id) ?? new Set(),
    ownTargets: new Map(
      [...(targets.get(stack.id) ?? [])].flatMap((name) => {
        const kind = kinds.get(name);
        return kind === undefined ? [] : [[name, kind] as const];
      }),
    ),
  });
}

/**
 * Names of the stacks CloudFormation holds for this environment (by the tag cairn puts on them).
 * An empty REVIEW_IN_PROGRESS shell (a change set never executed) holds nothing and is left out, and
 * so is a nested stack (its root stack updates and deletes it).
 */
async function environmentStacks(clients: AwsClients, env: string): Promise<string[]> {
  const names = new Set<string>();
  let token: string | undefined;
  do {
    const page = await clients.cfn.send(
      new DescribeStacksCommand({ ...(token ? { NextToken: token } : {}) }),
    );
    for (const s of page.Stacks ?? []) {
      const gone = s.StackStatus === 'DELETE_COMPLETE' || s.StackStatus === 'REVIEW_IN_PROGRESS';
      // A nested stack carries its root's tags (CloudFormation propagates them) but is its root's to
      // update and delete: found in review, each CDK NestedStack was planned as a stack that left the
      // app, and deleted by itself under aws.prune.
      if (s.ParentId) continue;
      if (!gone && s.Tags?.some((t) => t.Key === ENV_TAG && t.Value === env)) names.add(s.StackName!);
    }
    token = page.NextToken;
  } while (token);
  return [...names];
}

/** The AWS half of one environment: synthesize, plan (change sets, or a new stack's template), apply. */
export function createAwsApplier(
  env: string,
  target: AwsTargetConfig,
  log: Log,
  options: {
    credentials?: AwsCredentials;
    /**
     * Who owns this environment's stacks (cairn passes a hash of the repository URL), so that two
     * controllers with an environment of the same name in one account never prune each other's stacks.
     */
    owner?: string;
    /** Where a sidecar synth runner's jobs are prepared (the workspaces folder on the shared volume). */
    workDir?: string;
  } = {},
): AwsApplier {
  const identities = new IdentityClients(
    makeClients(target, options.credentials, env),
    target,
    env,
    options.credentials,
    log,
  );
  const clients = identities.own;
  const envTag = options.owner ? `${env}@${options.owner}` : env;
  const base: StackContext = { env, envTag, target, clients, log };
  /**
   * The names a plan or apply adds are checked as the environment's own identity; what the
   * environment's stacks hold is read at most once per plan or apply, and only when a name is taken.
   */
  const adoption = (): AdoptionCheck => {
    let own: ReturnType<AdoptionCheck['own']> | undefined;
    return {
      clients,
      target: { account: target.account, region: target.region, partition: partitionOf(target.region) },
      own: () =>
        (own ??= environmentStacks(clients, envTag).then((names) => ownResources(clients.cfn, names))),
    };
  };
  let previousDir: string | undefined;
  // One runner per environment, so bubblewrap is probed once, not at every synth.
  const runner = createSynthRunner(target.synth, options.workDir);
  return {
    async synthesize(workspaceDir, commitSha, options = {}): Promise<Assembly> {
      const assembly = await synthesizeApp({
        workspaceDir,
        env,
        target,
        commitSha,
        log,
        runner,
        ...(options.signal ? { signal: options.signal } : {}),
      });
      // One reconcile per environment at a time: the previous assembly is done with, and a
      // long-running controller must not fill the temp folder with one cdk.out per commit.
      if (previousDir) discardAssembly(previousDir);
      previousDir = assembly.dir;
      return assembly;
    },

    async plan(assembly, commitSha, options = {}): Promise<PlaneResult> {
      const plans: StackOutcome[] = [];
      const bootstrap = await bootstrapKind(clients, target);
      // Each template is read and parsed once, for the imports and for its stack's plan.
      const templates = templateReader();
      const importing = importsOf(assembly.stacks, templates);
      const names = adoption();
      for (const stack of assembly.stacks) {
        // A caller that gave up (a pull request's plan past its deadline) makes no more change sets.
        if (options.signal?.aborted) break;
        let ctx: StackContext;
        try {
          ctx = { ...contextFor(base, stack, bootstrap), templates, adoption: names, ...importing(stack) };
        } catch (error) {
          plans.push(
            failedStack(
              stack.stackName,
              0,
              { ...stackErrorFailure(stack.stackName, error), phase: 'plan' },
              'plan failed',
            ),
          );
          continue;
        }
        plans.push(await planStack(ctx, stack, commitSha));
      }
      for (const name of await removedStacks(assembly))
        plans.push(target.prune ? gone(name, 'deleted') : gone(name, 'skipped', PRUNE_OFF));
      return planeResult(plans);
    },

    async apply(
      assembly: Assembly,
      commitSha: string,
      options: { readonly fence?: WriteFence } = {},
    ): Promise<PlaneResult> {
      // Latched: once lost, every later stack stops at its first write without asking again.
      const gate = fenceGate(options.fence, 'apply-aws');
      // Each template is read and parsed once: for the imports, the checks before any deploy, and
      // its stack's deploy.
      const templates = templateReader();
      const ctx: StackContext = { ...base, templates, adoption: adoption(), fence: () => gate.check() };
      const imports = importsOf(assembly.stacks, templates);
      const importing = (stack: StackArtifact): StackContext => ({ ...ctx, ...imports(stack) });
      // Every stack's identity and template are checked before any is deployed: an app naming a
      // role that is not its bootstrap's, a macro the environment does not allow, or an import of
      // another environment's export, applies nothing.
      const contexts = new Map<string, StackContext>();
      let bootstrap: BootstrapKind;
      try {
        await requireBootstrap(clients, env, target);
        assertAssetBounds(assembly.stacks, target);
        for (const stack of assembly.stacks) boundedTemplate(importing(stack), stack, 'deploy');
        bootstrap = await bootstrapKind(clients, target);
        for (const stack of assembly.stacks)
          contexts.set(stack.id, contextFor(importing(stack), stack, bootstrap));
      } catch (error) {
        return { changes: [], failure: failureFrom(error, 'apply-aws') };
      }
      const outcomes = await inDependencyOrder(assembly.stacks, async (stack) => {
        const stackCtx = contexts.get(stack.id)!;
        return deployStack(stackCtx, stack, commitSha, async () => {
          gate.check();
          await publishAssets(stack, stackCtx.uploads ?? stackCtx.clients, target, stackCtx.fence);
        });
      });
      // Like Kubernetes prune: never delete what left the app when a stack of this commit failed
      // (its replacement may be the one that failed); the stack stays tagged, so the next commit prunes it.
      const failed = outcomes.some((o) => o.failure);
      if (gate.lost) return { ...planeResult(outcomes), failure: gate.lost };
      for (const name of await removedStacks(assembly)) {
        if (target.prune && failed) {
          log.warn({ stack: name, action: 'skipped', reason: PRUNE_AFTER_FAILURE }, 'stack not pruned');
          outcomes.push(gone(name, 'skipped', PRUNE_AFTER_FAILURE));
        } else if (target.prune)
          outcomes.push(await deleteStack(contextFor(ctx, removed(name, target), bootstrap), name));
        else {
          log.warn(
            { stack: name, action: 'skipped', reason: PRUNE_OFF },
            'stack is gone from the app; set aws.prune to delete it',
          );
          outcomes.push(gone(name, 'skipped', PRUNE_OFF));
        }
      }
      return planeResult(outcomes);
    },

    outputs(stackNames: readonly string[]) {
      return liveOutputs(clients, envTag, stackNames);
    },

    async close(): Promise<void> {
      identities.destroy();
      if (previousDir) discardAssembly(previousDir);
      previousDir = undefined;
    },
  };

  /**
   * The context one stack is planned or deployed in: as the CDK bootstrap's deploy role with its
   * execution role when the account has a CDK bootstrap and the artifact names them (see
   * stackIdentity), else as the environment's own identity.
   */
  function contextFor(
    from: StackContext,
    stack: Pick<StackArtifact, 'stackName' | 'roles'>,
    bootstrap: BootstrapKind,
  ): StackContext {
    const identity = stackIdentity(stack, target, bootstrap);
    return {
      ...from,
      clients: identities.for(identity.deploy),
      ...(identity.deploy ? { uploads: identities.for(publishingRole(target)) } : {}),
      ...(identity.executionRoleArn ? { executionRoleArn: identity.executionRoleArn } : {}),
    };
  }

  /** This environment's stacks that the app no longer has. */
  async function removedStacks(assembly: Assembly): Promise<string[]> {
    return (await environmentStacks(clients, envTag)).filter(
      (n) => !assembly.stacks.some((s) => s.stackName === n),
    );
  }
}

/**
 * A stack that left the app has no artifact: on a CDK bootstrap it is deleted as the bootstrap's
 * deploy role with its execution role, as the default synthesizer would have named them.
 */
function removed(stackName: string, target: AwsTargetConfig): Pick<StackArtifact, 'stackName' | 'roles'> {
  return {
    stackName,
    roles: {
      deployRoleArn: bootstrapRoleArn('deploy', target),
      executionRoleArn: bootstrapRoleArn('cfn-exec', target),
    },
  };
}

const PRUNE_OFF = 'aws.prune is off';
const PRUNE_AFTER_FAILURE = 'not pruned: a stack of this commit failed';

function gone(stackName: string, action: 'deleted' | 'skipped', reason?: string): StackOutcome {
  return { stackName, action, ...(reason ? { reason } : {}), changes: [], durationMs: 0 };
}
