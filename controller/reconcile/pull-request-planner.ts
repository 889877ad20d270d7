import type { EnvironmentConfig } from '../config/types';
import type { CommitState, GitHost, PullRequest } from '../host/types';
import type { Log } from '../log';
import { formatDuration } from '../duration';
import { CairnError, errorMessage, type WriteFence } from '../model';
import type { GitSource } from '../source/types';
import type { EnvironmentAppliers } from './controller-deps';
import { EnvLock } from './env-lock';
import { EnvQueue } from './env-queue';
import { planContext, planDescription, planMarker, renderPlanComment } from './plan-comment';
import { planFailure, planPullRequestHead } from './pull-request-plan';

/** The seams the planner is built from; the CLI wires the real ones, tests may wire doubles. */
export interface PullRequestPlannerDeps {
  readonly environments: readonly EnvironmentConfig[];
  readonly source: GitSource;
  /** The same appliers the controller reconciles with: the same synth runner and isolation. */
  readonly appliers: (env: EnvironmentConfig) => EnvironmentAppliers;
  readonly host: GitHost;
  /** The lock the controller's reconciles hold, so a plan never runs beside an apply of its environment. */
  readonly lock: EnvLock;
  readonly log: Log;
  /** `repository.host.repo`: the repository whose pull requests are planned (`owner/name`, GitLab's project path). */
  readonly repo: string;
  /**
   * `repository.host.planForks`: plan pull requests whose head lives in a fork (their code runs in
   * the synth), in environments whose `pullRequests.planForks` does not decide.
   */
  readonly planForks: boolean;
  /** `repository.host.planTimeout`: one plan's deadline, in environments whose `pullRequests.planTimeout` does not set one. */
  readonly planTimeoutMs: number;
  /**
   * The write fence of an environment's Lease (sharded) or of the unsharded heartbeat; absent: no
   * fencing. Checked right before each comment and status is written: a replica paused mid-plan
   * past its Lease must not put its plan (of a head the pull request may have moved past) over the
   * comment the holder wrote meanwhile.
   */
  readonly fence?: (env: string) => WriteFence;
}

/** The last status a pull request's plan for one environment got (what the web UI lists). */
export interface PlanRecord {
  readonly env: string;
  readonly number: number;
  readonly sha: string;
  readonly state: CommitState;
  readonly description: string;
  readonly url?: string;
  /** ISO 8601: when that status was set. */
  readonly at: string;
}

/** Plan records kept at most (the oldest are dropped): they are a view, the Git host keeps the history. */
const MAX_RECORDS = 500;

interface PlanRequest {
  readonly env: EnvironmentConfig;
  readonly pr: PullRequest;
  readonly ref: string;
}

/**
 * One pull-request setting for `env`, and the config field that decided it (what a comment tells
 * the reader to change): the environment's own `pullRequests.<name>`, else `repository.host.<name>`,
 * which carries the default where the file leaves it out (load-config).
 */
function pullRequestSetting<T>(
  env: EnvironmentConfig,
  name: string,
  own: T | undefined,
  repository: T,
): { readonly value: T; readonly field: string } {
  return own !== undefined
    ? { value: own, field: `environments[${env.name}].pullRequests.${name}` }
    : { value: repository, field: `repository.host.${name}` };
}

/** What a plan that ran past its deadline resolves to instead of a plan. */
const TIMED_OUT = Symbol('timed out');

/**
 * Plans every pull request whose base is an environment branch, once per environment: one queue
 * per pull request and environment, where a newer push supersedes a plan still waiting; each
 * plan holds the environment's lock (never beside its reconcile), then upserts one comment per
 * pull request and environment and sets `cairn/plan/<env>` on the head (pending → success,
 * failure, or error when retrying might help). Writes no audit entry: a plan applies nothing.
 */
export class PullRequestPlanner {
  private readonly queue: EnvQueue<PlanRequest>;
  /** The newest head sha asked for, per `<env>#<number>`: an older request still waiting is dropped. */
  private readonly latest = new Map<string, string>();
  /** The last status per `<env>#<number>`, in the order they were last set. */
  private readonly records = new Map<string, PlanRecord>();
  /**
   * One plan per environment waits for or holds the environment's lock; the others wait here.
   * The lock is first come first served, so were every pull request's plan queued on it, whoever
   * may open pull requests could hold back the environment's reconciles by as many plans (each up
   * to the synth timeout) as pull requests they open; this way a reconcile waits for one plan.
   */
  private readonly turns = new EnvLock();

  constructor(private readonly deps: PullRequestPlannerDeps) {
    this.queue = new EnvQueue<PlanRequest>((key, request) => this.run(key, request), { log: deps.log });
  }

  /**
   * Queues a plan of `pr` for every environment whose branch is its base (only those of `only`,
   * when given: sharded, the ones this replica holds); returns their names. Never waits.
   * A pull request of another repository is planned for none: one secret may sign many
   * repositories' events (an organization or group hook), and the number, base and fork flag of
   * another repository's event would otherwise pick the configured repository's pull request of
   * that number, and the environment and credentials it is planned with.
   */
  plan(pr: PullRequest, ref: string, only?: readonly string[]): readonly string[] {
    if (pr.repository.toLowerCase() !== this.deps.repo.toLowerCase()) {
      this.deps.log.warn(
        { trigger: 'pull-request', pr: pr.number, repository: pr.repository, repo: this.deps.repo },
        'pull request of another repository not planned',
      );
      return [];
    }
    const envs = this.deps.environments.filter(
      (e) => e.branch === pr.base && (only === undefined || only.includes(e.name)),
    );
    for (const env of envs) {
      const key = `${env.name}#${pr.number}`;
      this.latest.set(key, pr.headSha);
      this.queue.enqueue(key, { env, pr, ref });
    }
    return envs.map((e) => e.name);
  }

  /** The plans of `env`'s pull requests this process has seen, newest status first. */
  plans(env: string): readonly PlanRecord[] {
    return [...this.records.values()].filter((r) => r.env === env).reverse();
  }

  private record(key: string, record: PlanRecord): void {
    this.records.delete(key);
    this.records.set(key, record);
    if (this.records.size > MAX_RECORDS) this.records.delete(this.records.keys().next().value!);
  }

  /** Settles once no plan is queued or running (tests). */
  idle(): Promise<void> {
    return this.queue.idle();
  }

  /** Refuses new plans, drops waiting ones and waits for the running ones. */
  stop(): Promise<void> {
    return this.queue.stop();
  }

  private superseded(key: string, sha: string): boolean {
    return this.latest.get(key) !== sha;
  }

  private async run(key: string, { env, pr, ref }: PlanRequest): Promise<void> {
    const sha = pr.headSha;
    const fence = this.deps.fence?.(env.name);
    const log = this.deps.log.child({
      env: env.name,
      sha: sha.slice(0, 12),
      trigger: 'pull-request',
      pr: pr.number,
    });
    const status = (state: CommitState, description: string) => {
      this.record(key, {
        env: env.name,
        number: pr.number,
        sha,
        state,
        description,
        at: new Date().toISOString(),
        ...(pr.url ? { url: pr.url } : {}),
      });
      return this.call(log, 'status', fence, () =>
        this.deps.host.setCommitStatus(
          {
            sha,
            context: planContext(env.name),
            state,
            description,
            ...(pr.url ? { targetUrl: pr.url } : {}),
          },
          fence,
        ),
      );
    };
    if (this.superseded(key, sha)) {
      log.info({ phase: 'fetch' }, 'pull request plan superseded by a newer push');
      return;
    }
    const forks = pullRequestSetting(env, 'planForks', env.pullRequests?.planForks, this.deps.planForks);
    if (pr.fromFork && !forks.value) {
      const why = `the head is in a fork, and ${forks.field} is off for \`${env.name}\` (a fork runs its own code in the synth, with ${env.name}'s plan identity)`;
      log.info({ phase: 'fetch', reason: `fork; ${forks.field} is off` }, 'pull request not planned');
      // The status first: with a GitHub App's token, it tells the host client its own login.
      await status('error', `not planned: pull requests from forks are off for ${env.name} (${forks.field})`);
      await this.call(log, 'comment', fence, () =>
        this.deps.host.upsertPullRequestComment(
          pr.number,
          planMarker(env.name),
          `${planMarker(env.name)}\n### cairn plan for \`${env.name}\`\n\n**Not planned**: pull request #${pr.number} at \`${sha.slice(0, 12)}\` was not planned for \`${env.name}\`: ${why}. Nothing was run.\n`,
          fence,
        ),
      );
      return;
    }
    await status(
      'pending',
      this.deps.lock.busy(env.name) ? `waiting for ${env.name}'s reconcile` : 'planning',
    );
    const deadline = pullRequestSetting(
      env,
      'planTimeout',
      env.pullRequests?.planTimeoutMs,
      this.deps.planTimeoutMs,
    );
    const plan = await this.turns.run(env.name, async () => {
      let work: Promise<unknown> | undefined;
      const outcome = await this.deps.lock.run(env.name, () => {
        // A newer push that arrived while this one waited for the lock makes it moot.
        if (this.superseded(key, sha)) return Promise.resolve(null);
        const abandoned = new AbortController();
        const planning = planPullRequestHead(
          { source: this.deps.source, ...this.deps.appliers(env), log, abandoned: abandoned.signal },
          { env: env.name, base: pr.base, number: pr.number, ref, sha },
        );
        work = planning;
        // The deadline counts from the lock: a plan past it gives the lock back to the
        // environment's reconciles, and what it still runs is stopped (the synth's processes
        // killed, no further change set or dry run sent) and thrown away.
        return beforeDeadline(planning, deadline.value, () =>
          abandoned.abort(
            new CairnError(`the plan ran past its deadline of ${formatDuration(deadline.value)}`, {
              code: 'plan.timeout',
              phase: 'plan',
              subject: deadline.field,
            }),
          ),
        );
      });
      if (outcome === TIMED_OUT) {
        log.warn(
          { phase: 'plan', timeoutMs: deadline.value, field: deadline.field },
          'pull request plan timed out',
        );
        await this.timedOut(log, key, env.name, pr, sha, deadline, status, fence);
        // An abandoned plan keeps its environment's turn until what it started has ended, so
        // plans past their deadline never pile up beside the environment's reconciles.
        await work?.catch(() => undefined);
      }
      return outcome;
    });
    if (plan === TIMED_OUT) return;
    // A head the pull request has moved past (a late or replayed event) is superseded too: its
    // plan must not replace the comment of the head the pull request has now.
    if (!plan || plan.failure?.code === 'source.pull-head-gone') {
      log.info({ phase: 'fetch' }, 'pull request plan superseded by a newer push');
      await status('error', 'superseded by a newer push; not planned');
      return;
    }
    // An older plan never overwrites the comment of a newer push's.
    if (!this.superseded(key, sha))
      await this.call(log, 'comment', fence, () =>
        this.deps.host.upsertPullRequestComment(
          pr.number,
          planMarker(env.name),
          renderPlanComment(plan, env.promotion),
          fence,
        ),
      );
    const failure = planFailure(plan);
    await status(failure ? (failure.retryable ? 'error' : 'failure') : 'success', planDescription(plan));
    if (!this.superseded(key, sha)) this.latest.delete(key);
  }

  /** The comment and status of a plan abandoned at its deadline, naming the field to raise. */
  private async timedOut(
    log: Log,
    key: string,
    env: string,
    pr: PullRequest,
    sha: string,
    deadline: { readonly value: number; readonly field: string },
    status: (state: CommitState, description: string) => Promise<void>,
    fence: WriteFence | undefined,
  ): Promise<void> {
    const limit = formatDuration(deadline.value);
    if (!this.superseded(key, sha))
      await this.call(log, 'comment', fence, () =>
        this.deps.host.upsertPullRequestComment(
          pr.number,
          planMarker(env),
          `${planMarker(env)}\n### cairn plan for \`${env}\`\n\n**Timed out**: the plan of pull request #${pr.number} at \`${sha.slice(0, 12)}\` ran past its deadline of ${limit} (\`${deadline.field}\`) and was abandoned, so that \`${env}\`'s reconciles are not held back. Nothing was applied. Raise \`${deadline.field}\` if plans of this size are expected.\n`,
          fence,
        ),
      );
    await status('failure', `plan timed out after ${limit}; raise ${deadline.field}`);
    if (!this.superseded(key, sha)) this.latest.delete(key);
  }

  /**
   * One call to the Git host, sent only while `fence` holds (checked here, and by the host right
   * before each attempt of each write `work` passes it to: the retries after a 5xx, 429 or timeout
   * included); a failure (the fence's `shard.lost` included) is logged, never thrown (the next push
   * tries again).
   */
  private async call(
    log: Log,
    what: 'status' | 'comment',
    fence: WriteFence | undefined,
    work: () => Promise<unknown>,
  ): Promise<void> {
    try {
      fence?.();
      await work();
    } catch (error) {
      log.warn({ phase: 'record', call: what, err: errorMessage(error) }, 'git host call failed');
    }
  }
}

/** `work`'s result, or TIMED_OUT once `ms` passed first (then `abandon` is called). */
function beforeDeadline<T>(work: Promise<T>, ms: number, abandon: () => void): Promise<T | typeof TIMED_OUT> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<typeof TIMED_OUT>((resolve) => {
    timer = setTimeout(() => {
      abandon();
      resolve(TIMED_OUT);
    }, ms);
  });
  return Promise.race([work, late]).finally(() => clearTimeout(timer));
}
