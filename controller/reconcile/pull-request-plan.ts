import type { Assembly, AwsApplier } from '../../cdk/types';
import type { KubeApplier } from '../kube/types';
import { withLogFields, type Log } from '../log';
import { failureFrom, type Failure, type Phase, type PlaneResult } from '../model';
import type { GitSource, PullRequestHead } from '../source/types';
import { checkBindings, hideBoundValues, hideSecretValues, plannedBindings } from './bind-outputs';

/**
 * What planning a pull request's head against one environment came to: each plane's planned
 * changes (null: the plane was not planned, and `skipped` says why) and the failure that stopped
 * a plane or the whole plan. Nothing in it was applied.
 */
export interface PullRequestPlan {
  readonly env: string;
  /** The pull request's base: the environment's branch. */
  readonly base: string;
  readonly number: number;
  readonly sha: string;
  readonly aws: PlaneResult | null;
  readonly kubernetes: PlaneResult | null;
  readonly skipped?: { readonly aws?: string; readonly kubernetes?: string };
  /** What stopped the plan before either plane (the fetch, the checkout); a plane's own failure is in its result. */
  readonly failure?: Failure;
  readonly durationMs: number;
}

/** The seams one plan goes through: the environment's own source and appliers, as a reconcile uses them. */
export interface PlanPorts {
  readonly source: GitSource;
  readonly aws?: AwsApplier;
  readonly kube?: KubeApplier;
  /** A logger already carrying env, sha, trigger and pr. */
  readonly log: Log;
  /**
   * Aborted once the plan's deadline passed and it was abandoned: no further phase starts, the
   * fetch and the checkout stop, the synth's process tree is killed (its dependency install once
   * no other synth waits for it) and no further change set or dry run is sent.
   */
  readonly abandoned?: AbortSignal;
}

/** The first failure of a plan: the fetch's, else AWS's, else Kubernetes'. */
export function planFailure(plan: PullRequestPlan): Failure | undefined {
  return plan.failure ?? plan.aws?.failure ?? plan.kubernetes?.failure;
}

/**
 * Plans a pull request's head for one environment, top to bottom: fetch its ref and check it out
 * (apart from the environment's own checkouts) → synthesize with the environment's runner and
 * isolation → AWS change sets created, described and deleted → Kubernetes server-side dry runs.
 * Each plane is planned even when the other failed, so a broken manifest still shows the AWS
 * plan. Never applies; never throws for a failure of the plan itself, which is in the result.
 * The caller holds the environment's lock.
 */
export async function planPullRequestHead(ports: PlanPorts, head: PullRequestHead): Promise<PullRequestPlan> {
  const started = Date.now();
  const { log } = ports;
  const stop = ports.abandoned ? { signal: ports.abandoned } : {};
  const base = { env: head.env, base: head.base, number: head.number, sha: head.sha };
  const done = (rest: Omit<PullRequestPlan, keyof typeof base | 'durationMs'>): PullRequestPlan => ({
    ...base,
    ...rest,
    durationMs: Date.now() - started,
  });
  const fetchPullRequest = ports.source.fetchPullRequest?.bind(ports.source);
  let workspaceDir: string;
  let trees: { readonly aws: string | null; readonly k8s: string | null };
  let baseHasAws: boolean;
  try {
    if (!fetchPullRequest) throw new Error('this Git source cannot fetch pull requests');
    log.info({ phase: 'fetch', ref: head.ref }, 'pull request plan started');
    // Abandoned, the fetch is stopped (git interrupted, the transfer closed), and so is the
    // checkout between two batches of files.
    const revision = await fetchPullRequest(head, stop);
    trees = revision.trees;
    baseHasAws = (revision.baseTrees?.aws ?? null) !== null;
    ports.abandoned?.throwIfAborted();
    workspaceDir = (await ports.source.checkout(revision, stop)).dir;
  } catch (error) {
    const failure = failureFrom(error, 'fetch');
    log.error(
      { phase: 'fetch', code: failure.code, subject: failure.subject, err: failure.message },
      'pull request plan failed',
    );
    return done({ aws: null, kubernetes: null, failure });
  }

  const skipped: { aws?: string; kubernetes?: string } = {};
  let aws: PlaneResult | null = null;
  let assembly: Assembly | undefined;
  if (!ports.aws) skipped.aws = 'no aws target for this environment';
  // A head without aws-resources/ is planned as its merge is reconciled: where the base has the
  // folder, the environment synthesizes the merged tree and fails (synth.no-cdk-json), so does the plan.
  else if (trees.aws === null && !baseHasAws) skipped.aws = 'no aws-resources/ folder';
  else
    aws = await planePlan(log, ports.abandoned, async (step) => {
      assembly = await step('synthesize', () => ports.aws!.synthesize(workspaceDir, head.sha, stop));
      return step('plan', () => ports.aws!.plan(assembly!, head.sha, stop));
    });

  let kubernetes: PlaneResult | null = null;
  if (!ports.kube) skipped.kubernetes = 'no kubernetes target for this environment';
  else {
    let bound: readonly string[] = [];
    const planned = await planePlan(log, ports.abandoned, async (step) => {
      // Manifests are read and validated first: a broken file fails here, naming itself.
      // AWS outputs bound into manifests: the live value, or (known after apply) for a stack the PR changes.
      const { manifests, secretValues, liveValues } = await step('plan', async () =>
        plannedBindings(
          ports.kube!,
          workspaceDir,
          ports.aws,
          await checkBindings(undefined, ports.kube!, workspaceDir, ports.aws, assembly, ports.abandoned),
          aws ?? undefined,
          ports.abandoned,
        ),
      );
      bound = liveValues;
      // The comment never shows a Secret's diff; the plan is hidden all the same, as `cairn plan` hides it.
      return hideSecretValues(await step('plan', () => ports.kube!.plan(manifests, stop)), secretValues);
    });
    // The dry runs need the live values, but the pull request's author chose where they land (a
    // ConfigMap, a field whose refusal quotes them): its plan shows none, its failure included.
    kubernetes = hideBoundValues(planned, bound);
  }

  const plan = done({ aws, kubernetes, ...(Object.keys(skipped).length > 0 ? { skipped } : {}) });
  const failure = planFailure(plan);
  if (failure)
    log.warn(
      {
        phase: failure.phase,
        code: failure.code,
        subject: failure.subject,
        durationMs: plan.durationMs,
        err: failure.message,
      },
      'pull request plan failed',
    );
  else log.info({ phase: 'done', durationMs: plan.durationMs }, 'pull request plan finished');
  return plan;
}

/** Runs one phase of a plan with `phase` on every line logged inside it (the appliers' own too). */
type Step = <T>(phase: Phase, work: () => Promise<T>) => Promise<T>;

/**
 * One plane's plan; a throw (a synth error, an invalid manifest) becomes the plane's failure. Once
 * `abandoned` is aborted no phase starts: an abandoned plan's result is thrown away, and what it
 * would still run would run beside the environment's reconcile.
 */
async function planePlan(
  log: Log,
  abandoned: AbortSignal | undefined,
  work: (step: Step) => Promise<PlaneResult>,
): Promise<PlaneResult> {
  let current: Phase = 'fetch';
  const step: Step = (phase, run) => {
    abandoned?.throwIfAborted();
    current = phase;
    log.debug({ phase }, 'planning');
    return withLogFields({ ...log.bindings(), phase }, run);
  };
  try {
    return await work(step);
  } catch (error) {
    return { changes: [], failure: failureFrom(error, current) };
  }
}
