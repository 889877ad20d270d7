import type { ControlAction, ControlDetails, Suspension } from '../audit/types';
import type { EnvironmentConfig } from '../config/types';
import {
  CairnError,
  DRIFT_REPAIRED,
  errorMessage,
  failureFrom,
  isCairnError,
  type AuditEntry,
  type AuditReader,
  type Failure,
  type ReconcileObserver,
  type ReconcileReport,
  type Trigger,
  type WriteFence,
} from '../model';
import type { PullRequest } from '../host/types';
import type { ControllerDeps } from './controller-deps';
import type { ShardHolder, ShardPort } from '../shard/shard-manager';
import type { BranchHead, Revision } from '../source/types';
import { realTimers, RetryScheduler, type Timers } from './backoff';
import { coalesceTriggers, EnvQueue } from './env-queue';
import { EnvLock } from './env-lock';
import { notHolder, SyncWaiters, type SyncAnswer } from './handed-requests';
import { needsRun, type RunState } from './needs-run';
import { planEnvironment, type EnvironmentPlan } from './plan-environment';
import { promotionOpen } from './promotion-waits';
import { fencesOf, reconcileEnvironment, type ReconcileResult } from './reconcile-environment';
import { ReleaseClock } from './release-clock';
import { environmentStatus, freshEnvState, type EnvState } from './env-state';
import type { EnvironmentStatus, NotReady } from './status';

/** How often a branch still missing (or unreadable) is logged again, after the first warning. */
const NO_REVISION_LOG_EVERY_MS = 60 * 60 * 1000;

/**
 * The long-running controller: turns branch heads into queued reconciles, one queue per
 * environment. A retryable failure backs off and tries the same sha again; a terminal one stalls
 * the environment until its branch moves or someone asks for a sync. It answers the HTTP
 * server's questions (the server's ControllerPort).
 */
export class Controller {
  private readonly states = new Map<string, EnvState>();
  private readonly queue: EnvQueue<Trigger>;
  private readonly retries: RetryScheduler;
  private readonly now: () => Date;
  private readonly lock: EnvLock;
  private isReady = false;
  /** Syncs handed over by the CLI (sharded), each answered by the environment's next reconcile. */
  private readonly syncs = new SyncWaiters();
  private fetching: Promise<void> | null = null;
  /** When each environment's newest commit was first seen (`cairn_release_seconds`). */
  private readonly releases = new ReleaseClock();
  private refetch = false;

  /**
   * ControllerPort: queues a plan of a pull request for the environments tracking its base (see
   * PullRequestPlanner.plan); present only when the deps have a planner.
   */
  readonly planPullRequest?: (pr: PullRequest, ref: string, only?: readonly string[]) => readonly string[];

  constructor(private readonly deps: ControllerDeps) {
    this.now = deps.now ?? (() => new Date());
    this.lock = deps.lock ?? new EnvLock();
    const planner = deps.pullRequests;
    // Sharded, only held environments are planned here (never beside another replica's apply of
    // them); the webhook route hands the others to their holders.
    if (planner)
      this.planPullRequest = (pr, ref, only) =>
        planner.plan(
          pr,
          ref,
          (only ?? this.deps.config.environments.map((e) => e.name)).filter((env) => this.holds(env)),
        );
    for (const env of deps.config.environments) {
      this.states.set(env.name, freshEnvState());
    }
    // A waiting drift or manual request survives a newer poll, so a drift repair is not lost.
    this.queue = new EnvQueue<Trigger>((env, trigger) => this.reconcile(env, trigger), {
      merge: coalesceTriggers,
      log: deps.log,
      ...(deps.config.reconcile ? { maxRunning: deps.config.reconcile.maxConcurrent } : {}),
    });
    this.retries = new RetryScheduler({
      ...deps.retry,
      ...(deps.timers ? { timers: deps.timers } : {}),
      onDue: (env, sha) => {
        const state = this.state(env);
        if (state.released) this.enqueue(env, 'retry');
        else if (state.head?.sha === sha)
          // A failed run of the head already applied (a drift pass, a sync by hand) is tried again
          // as a drift pass: a `retry` of an applied head has nothing to do (needsRun), so found in
          // review, the "retry scheduled" of a drift pass waited for the next driftInterval.
          this.enqueue(env, sha === state.lastAppliedSha ? 'drift' : 'retry');
      },
    });
  }

  /** The audit trail, for the HTTP API. */
  get audit(): AuditReader {
    return this.deps.audit;
  }

  /** Closes interrupted reconciles, learns what is applied (and what stalled), and does the first fetch. */
  async start(): Promise<void> {
    if (this.deps.shard) return this.startSharded(this.deps.shard);
    for (const entry of await this.deps.audit.interrupted()) {
      this.deps.log.warn(
        { env: entry.env, sha: entry.toSha.slice(0, 12) },
        'reconcile was interrupted; reconciling again',
      );
      this.state(entry.env).force = true;
    }
    for (const env of this.states.keys()) await this.learn(env);
    for (const [env, state] of this.states) this.deps.metrics?.setStalled(env, state.stalledSha !== null);
    await this.fetch('startup');
    this.isReady = true;
  }

  /** What the trail says of `env`: the applied sha, the last outcome, and whether that sha stalled. */
  private async learn(env: string): Promise<void> {
    const state = this.state(env);
    state.suspended = this.deps.audit.suspension?.(env) ?? null;
    this.deps.metrics?.setSuspended?.(env, state.suspended !== null);
    const last = await this.deps.audit.lastApplied(env);
    state.lastAppliedSha = last?.sha ?? null;
    const entry = (await this.deps.audit.list({ env, limit: 1 }))[0];
    if (!entry) return;
    state.last = {
      outcome: entry.outcome,
      finishedAt: entry.finishedAt,
      ...(entry.failure ? { failure: entry.failure } : {}),
      drifted: false,
    };
    // A restart is no new commit: a sha that stalled stays stalled.
    if (entry.outcome === 'failed' && entry.failure && !entry.failure.retryable && !state.force)
      this.stall(env, entry.toSha);
  }

  /**
   * Sharded start-up: no environment is touched until its Lease is held. Another replica may be
   * mid-reconcile on any other environment, so its open `start` records are no interruption.
   */
  private async startSharded(shard: ShardPort): Promise<void> {
    await shard.start({
      gained: (env) => void this.gained(env),
      lost: (env) => this.lost(env),
      busy: (env) => this.queue.busy(env) || this.state(env).running,
    });
    this.isReady = true;
  }

  /** This replica took `env`: read what the previous holder recorded, close its interrupted attempt, reconcile. */
  private async gained(env: string): Promise<void> {
    this.deps.metrics?.setShardHeld?.(env, this.deps.shard!.identity, true);
    try {
      await this.deps.audit.refresh?.(env);
      const state = this.state(env);
      state.superseded = false;
      for (const entry of await this.deps.audit.interrupted(env)) {
        this.deps.log.warn(
          { env, sha: entry.toSha.slice(0, 12) },
          'the previous holder was interrupted mid-reconcile; reconciling again',
        );
        state.force = true;
      }
      if (state.stalledSha !== null) this.unstall(env);
      // Released here earlier (its ledger appends failed): holding it again, this replica tries afresh.
      if (state.released) {
        state.released = null;
        state.force = true;
      }
      await this.learn(env);
      this.deps.metrics?.setStalled(env, state.stalledSha !== null);
    } catch (error) {
      this.deps.log.error(
        { env, phase: 'record', err: errorMessage(error) },
        'could not catch up with the audit trail',
      );
    }
    await this.fetch('startup');
  }

  /** This replica lost `env`: its waiting request and retry are dropped (a running one is fenced). */
  private lost(env: string): void {
    if (this.deps.shard) this.deps.metrics?.setShardHeld?.(env, this.deps.shard.identity, false);
    this.syncs.dropAll(env, 'it lost the Lease before the sync ran');
    this.queue.cancel(env);
    this.retries.reset(env);
    this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
  }

  /** With sharding: this replica's holderIdentity. */
  get shardIdentity(): string | undefined {
    return this.deps.shard?.identity;
  }

  /** With sharding: who holds `env` now, from a fresh read of its Lease; null when free or not sharded. */
  async holderOf(env: string): Promise<ShardHolder | null> {
    return this.deps.shard ? this.deps.shard.holderOf(env) : null;
  }

  /**
   * "Does this replica hold it?", answered here only: without sharding always (unless another
   * writer closed its entry), else while it holds the Lease.
   */
  holds(env: string): boolean {
    if (this.state(env).superseded) return false;
    return this.deps.shard ? this.deps.shard.holds(env) : true;
  }

  /** Fetches every branch once and queues the environments whose head is not applied yet. Concurrent calls coalesce. */
  async fetch(trigger: Trigger): Promise<void> {
    if (this.fetching) {
      this.refetch = true;
      return this.fetching;
    }
    this.fetching = (async () => {
      do {
        this.refetch = false;
        const started = Date.now();
        // Sharded, a replica fetches only the branches of the environments it holds.
        const branches = this.deps.config.environments
          .filter((e) => this.holds(e.name))
          .map((e) => ({ env: e.name, branch: e.branch }));
        if (branches.length === 0) continue;
        try {
          const heads = await this.deps.source.fetch(branches);
          this.deps.metrics?.observeFetch(Date.now() - started, true);
          for (const head of heads) this.onHead(head, trigger);
        } catch (error) {
          this.deps.metrics?.observeFetch(Date.now() - started, false);
          this.deps.log.error({ phase: 'fetch', err: errorMessage(error) }, 'fetch failed');
        }
      } while (this.refetch);
    })().finally(() => (this.fetching = null));
    return this.fetching;
  }

  private onHead(head: BranchHead, trigger: Trigger): void {
    if (head.kind !== 'revision') {
      const state = this.state(head.env);
      const message =
        head.kind === 'missing-branch' ? `branch ${head.branch} does not exist` : errorMessage(head.error);
      const changed = state.branchError?.message !== message;
      state.branchError = { code: 'source.no-revision', phase: 'fetch', retryable: true, message };
      this.logNoRevision(head, changed);
      return;
    }
    const revision = head.revision;
    const state = this.state(revision.env);
    if (state.branchError)
      this.deps.log.info({ env: revision.env, phase: 'fetch' }, 'environment has a revision again');
    state.branchError = null;
    state.branchWarnedAt = null;
    state.head = revision;
    this.releases.head(revision.env, revision.sha, state.lastAppliedSha, this.now().getTime());
    // A released environment waits for its retry (which then runs the newest head), not for polls.
    if (state.released) return;
    // A suspended one only records where its head is (the status shows it) until it is resumed.
    if (this.suspendedNow(revision.env)) {
      this.deps.log.info(
        { env: revision.env, sha: revision.sha.slice(0, 12), trigger },
        'environment is suspended; its new head waits for `cairn resume`',
      );
      return;
    }
    this.retries.headMoved(revision.env, revision.sha);
    // A new commit (a fix or a revert) is what a stalled environment waits for.
    if (state.stalledSha !== null && state.stalledSha !== revision.sha) this.unstall(revision.env);
    if (needsRun(this.runState(revision.env), trigger, 'queue')) this.enqueue(revision.env, trigger);
  }

  /**
   * Says that an environment's branch is missing (or could not be read) when that changes, then once
   * an hour while it lasts, not at every poll: found in review, a deleted branch logged a warning
   * every `pollInterval`, which buried everything else. A missing branch names the field to change
   * when the branch was renamed on the Git host.
   */
  private logNoRevision(head: Exclude<BranchHead, { kind: 'revision' }>, changed: boolean): void {
    const state = this.state(head.env);
    const now = this.now().getTime();
    if (!changed && state.branchWarnedAt !== null && now - state.branchWarnedAt < NO_REVISION_LOG_EVERY_MS)
      return;
    state.branchWarnedAt = now;
    const index = this.deps.config.environments.findIndex((e) => e.name === head.env);
    const hint =
      head.kind === 'missing-branch'
        ? `if the branch was renamed, set environments[${index}].branch to its new name; repeated hourly while it lasts`
        : 'repeated hourly while it lasts';
    this.deps.log.warn(
      { env: head.env, phase: 'fetch', err: state.branchError!.message, hint },
      'environment has no revision',
    );
  }

  /** ControllerPort: a webhook or the API asks for an environment; fetch at once, then reconcile. */
  trigger(env: string, trigger: Trigger): void {
    // The webhook's arrival is when the commit was pushed, as near as cairn can know it.
    if (trigger === 'webhook') this.releases.webhook(env, this.now().getTime());
    // Sharded, a resume may have been recorded by another replica: read the ledger first.
    const refresh = this.deps.shard ? this.deps.audit.refresh : undefined;
    if (refresh) {
      void refresh
        .call(this.deps.audit, env)
        .catch((error: unknown) =>
          this.deps.log.warn({ env, phase: 'record', err: errorMessage(error) }, 'could not read the ledger'),
        )
        .then(() => this.triggerNow(env, trigger));
      return;
    }
    this.triggerNow(env, trigger);
  }

  private triggerNow(env: string, trigger: Trigger): void {
    const state = this.state(env);
    if (trigger === 'manual') {
      // A person asked: try again even a sha that stalled (the cause may be fixed outside Git).
      state.force = true;
      if (state.stalledSha !== null) this.unstall(env);
    }
    void this.fetch(trigger);
  }

  /**
   * A sync handed over by `cairn sync` (sharded): reconciles `env` as a manual trigger does and
   * answers with that reconcile's result once it ends. Refused with `shard.not-holder` unless this
   * replica holds `env`; answered with that failure if it loses the Lease before the run starts.
   */
  syncNow(env: string): Promise<SyncAnswer> {
    if (!this.holds(env)) return Promise.reject(notHolder(env, 'its Lease is held elsewhere'));
    const answer = this.syncs.add(env);
    this.trigger(env, 'manual');
    return answer;
  }

  /**
   * A plan handed over by `cairn plan` (sharded): the branch head's plan, made under the
   * environment's lock so that it never runs beside this replica's apply of it.
   */
  planNow(env: string): Promise<EnvironmentPlan> {
    const envConfig = this.deps.config.environments.find((e) => e.name === env);
    if (!envConfig || !this.holds(env)) return Promise.reject(notHolder(env, 'its Lease is held elsewhere'));
    return this.lock.run(env, async () => {
      if (!this.holds(env)) throw notHolder(env, 'it lost the Lease');
      const [head] = await this.deps.source.fetch([{ env, branch: envConfig.branch }]);
      if (head?.kind !== 'revision')
        throw new CairnError(`environment ${env} has no revision to plan`, {
          code: 'source.no-revision',
          phase: 'fetch',
          subject: `environment ${env}`,
          hint: `check that branch ${envConfig.branch} exists`,
        });
      const workspace = await this.deps.source.checkout(head.revision);
      return planEnvironment(envConfig, head.revision, workspace, this.deps.appliers(envConfig));
    });
  }

  /** A periodic drift pass for an environment whose head is applied and that is not stalled. */
  drift(env: string): void {
    if (this.suspendedNow(env)) return;
    if (needsRun(this.runState(env), 'drift', 'queue')) this.enqueue(env, 'drift');
  }

  /** What `needsRun` looks at for `env`. */
  private runState(env: string): RunState {
    const state = this.state(env);
    return {
      headSha: state.head?.sha ?? null,
      lastAppliedSha: state.lastAppliedSha,
      stalledSha: state.stalledSha,
      force: state.force,
      running: state.running,
      retryWaitingSha: this.retries.waiting(env)?.sha ?? null,
    };
  }

  private enqueue(env: string, trigger: Trigger): void {
    if (!this.holds(env)) return;
    this.queue.enqueue(env, trigger);
    this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
  }

  private async reconcile(env: string, trigger: Trigger): Promise<void> {
    const state = this.state(env);
    // The newest head wins: triggers that queued up behind a running reconcile all run this one.
    const revision = state.head;
    if (!revision) return;
    // A request queued behind a reconcile that already applied this sha has nothing left to do.
    if (state.released && trigger !== 'retry' && trigger !== 'manual') return;
    if (!this.holds(env)) return;
    // needsRun is pure and cheap: a trigger with nothing to do costs no read of the shared ledger.
    if (!needsRun(this.runState(env), trigger, 'run')) return;
    // The holder obeys a suspension another replica recorded: it reads the shared ledger first.
    if (this.deps.shard)
      await this.deps.audit
        .refresh?.(env)
        .catch((error: unknown) =>
          this.deps.log.warn({ env, phase: 'record', err: errorMessage(error) }, 'could not read the ledger'),
        );
    if (this.suspendedNow(env)) return;
    const envConfig = this.deps.config.environments.find((e) => e.name === env)!;
    if (!(await this.promotionOpen(envConfig, revision))) return;
    state.running = true;
    state.force = false;
    // Every sync handed over before this run started is answered by it.
    const answer = this.syncs.take(env);
    const started = Date.now();
    // What is posted about this reconcile (a commit status, a notification) is fenced like its writes.
    const reportFence = this.writeFence(env);
    this.tell((o) => o.started(env, revision.sha, trigger, reportFence));
    try {
      const result = await this.lock.run(env, async () => {
        // Back from a release: the attempt whose `end` could not be written is closed first.
        if (state.released && !this.deps.shard) await this.deps.audit.interrupted(env);
        return reconcileEnvironment(
          {
            env: envConfig,
            source: this.deps.source,
            audit: this.deps.audit,
            log: this.deps.log,
            now: this.now,
            ...fencesOf(this.deps.shard ?? this.deps.heartbeat, env),
            ...this.deps.appliers(envConfig),
          },
          revision,
          trigger,
        );
      });
      if (state.released) this.recovered(env);
      const durationMs = Date.now() - started;
      this.settle(env, revision, result, durationMs);
      const report: ReconcileReport = {
        outcome: result.outcome,
        durationMs,
        entryId: result.entry.id,
        ...(result.failure ? { failure: result.failure } : {}),
        drifted: result.changes.filter((c) => c.reason === DRIFT_REPAIRED).length,
      };
      this.tell((o) => o.finished(env, revision.sha, trigger, report, reportFence));
      if (result.failure && !result.failure.retryable) void this.proposeRevert(env, result.entry);
      answer({
        outcome: result.outcome,
        entry: result.entry,
        ...(result.failure ? { failure: result.failure } : {}),
      });
    } catch (error) {
      answer({ outcome: 'failed', failure: failureFrom(error, 'record') });
      if (isCairnError(error) && error.code === 'audit.not-open') {
        // Another replica closed this reconcile as interrupted: it holds the environment now.
        // Stop reconciling it here (no retry) until this replica takes it again.
        this.deps.log.error(
          { env, phase: 'record', code: error.code, err: errorMessage(error) },
          'another replica took this environment over; this replica stops reconciling it',
        );
        state.superseded = true;
        this.lost(env);
        return;
      }
      if (isCairnError(error) && error.code === 'shard.lost') {
        // Fenced before its start record (this replica was paused past its Lease): nothing was
        // recorded or applied, and the holder reconciles the environment now.
        this.deps.log.error(
          { env, phase: 'record', code: error.code, err: errorMessage(error) },
          'this replica lost the Lease before the reconcile started; nothing was recorded or applied',
        );
        // Retried here only while this replica still holds it (a heartbeat renewed late): otherwise
        // the holder reconciles it, and a "retry scheduled" line would promise what never runs.
        if (this.holds(env)) this.scheduleRetry(env, revision.sha);
        return;
      }
      // The audit itself failed (disk full, lock lost): nothing was recorded, so retry the same sha.
      this.deps.log.error(
        { env, phase: 'record', err: errorMessage(error) },
        'reconcile could not be recorded',
      );
      if (isCairnError(error) && error.code === 'audit.unwritable') this.release(env, error.message);
      this.scheduleRetry(env, revision.sha);
      this.tell((o) =>
        o.finished(
          env,
          revision.sha,
          trigger,
          {
            outcome: 'failed',
            durationMs: Date.now() - started,
            failure: { code: 'audit.append', phase: 'record', retryable: true, message: errorMessage(error) },
          },
          reportFence,
        ),
      );
    } finally {
      state.running = false;
      this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
    }
  }

  /** Status, metrics and what comes next (nothing, a retry, a stall), from the reconcile's result. */
  private settle(env: string, revision: Revision, result: ReconcileResult, durationMs: number): void {
    const state = this.state(env);
    const drifted = result.changes.filter((c) => c.reason === DRIFT_REPAIRED).length;
    state.last = {
      outcome: result.outcome,
      finishedAt: result.entry.finishedAt,
      ...(result.failure ? { failure: result.failure } : {}),
      drifted: drifted > 0,
    };
    this.deps.metrics?.observeReconcile(env, result.outcome, durationMs);
    for (const phase of result.phases)
      this.deps.metrics?.observePhase(env, phase.name, result.outcome, phase.durationMs);
    if (result.failure?.retryable) {
      this.scheduleRetry(env, revision.sha);
    } else if (result.failure) {
      this.retries.reset(env);
      this.stall(env, revision.sha);
      this.deps.log.warn(
        {
          env,
          sha: revision.sha.slice(0, 12),
          phase: result.failure.phase,
          code: result.failure.code,
          subject: result.failure.subject,
        },
        'environment stalled: retrying cannot fix this failure; waiting for a new commit or a manual sync',
      );
    } else {
      state.lastAppliedSha = revision.sha;
      // A release that went through (the revert, or a fix) ends what status.revert was about.
      state.revert = null;
      this.retries.reset(env);
      if (state.stalledSha !== null) this.unstall(env);
      this.deps.metrics?.setLastSuccess(env, this.now());
      const releaseMs = this.releases.applied(env, revision.sha, this.now().getTime());
      if (releaseMs !== undefined) this.deps.metrics?.observeRelease?.(env, releaseMs);
      this.deps.metrics?.incDrift(env, drifted);
      // An environment whose promotion waits for this one looks again.
      for (const gated of this.deps.config.environments)
        if (gated.promotion?.after === env && this.state(gated.name).waiting)
          this.enqueue(gated.name, 'promotion');
    }
  }

  /** Whether the promotion gate of `envConfig` (if any) lets `revision` through now (promotion-waits.ts). */
  private promotionOpen(envConfig: EnvironmentConfig, revision: Revision): Promise<boolean> {
    const context = {
      ledger: this.deps.audit,
      log: this.deps.log,
      sharded: this.deps.shard !== undefined,
      timers: this.timers(),
      now: this.now,
      lookAgain: (env: string) => this.enqueue(env, 'promotion'),
      fence: this.writeFence(envConfig.name),
    };
    return promotionOpen(context, envConfig, revision, this.state(envConfig.name));
  }

  /**
   * ControllerPort: lets the current head of `env` through its promotion gate once (a `promote`
   * record in its ledger, naming the head, so that every replica obeys), and queues its reconcile.
   */
  async promote(env: string, by: string, reason: string): Promise<{ sha: string }> {
    const state = this.state(env);
    const gate = this.deps.config.environments.find((e) => e.name === env)?.promotion;
    if (!gate)
      throw new CairnError(`environment ${env} has no promotion gate; there is nothing to force`, {
        code: 'promotion.no-gate',
        subject: `environment ${env}`,
        hint: 'promote applies only to environments with a promotion section',
      });
    // Sharded, a replica that does not hold `env` has not fetched its branch: it asks once.
    const sha = state.waiting?.sha ?? state.head?.sha ?? (await this.fetchedHead(env));
    if (!sha)
      throw new CairnError(`environment ${env} has no head to promote yet`, {
        code: 'source.no-revision',
        subject: `environment ${env}`,
        hint: 'wait for the first fetch, then try again',
      });
    await this.record(env, 'promote', by, reason, { sha });
    this.deps.log.warn({ env, sha: sha.slice(0, 12), by, reason }, 'promotion forced');
    this.trigger(env, 'manual');
    return { sha };
  }

  /** The branch head of `env` from a fetch of its branch alone; null when it has none. */
  private async fetchedHead(env: string): Promise<string | null> {
    const branch = this.deps.config.environments.find((e) => e.name === env)!.branch;
    const [head] = await this.deps.source.fetch([{ env, branch }]);
    return head?.kind === 'revision' ? head.revision.sha : null;
  }

  private timers(): Timers {
    return this.deps.timers ?? realTimers;
  }

  /**
   * failure-revert: the revert of a terminally failed entry, after the reconcile (it never delays,
   * fails or blocks one); shown in the status and told to the observers (the notifications).
   */
  private async proposeRevert(env: string, entry: AuditEntry): Promise<void> {
    if (!this.deps.failureRevert) return;
    // Its push, its pull request and its message are fenced like the reconcile's writes: a replica
    // paused past the Lease (before the push, or between it and the message) sends none of them.
    const fence = this.writeFence(env);
    const result = await this.deps.failureRevert(entry, fence);
    if (result.kind === 'skipped') return;
    const told: { revert?: string; url?: string; failure?: Failure } =
      result.kind === 'proposed'
        ? { revert: result.sha, ...(result.url ? { url: result.url } : {}) }
        : { failure: result.failure };
    const { revert, ...rest } = told;
    this.state(env).revert = { entry: entry.id, ...(revert ? { sha: revert } : {}), ...rest };
    this.tell((o) => o.revertProposed?.(env, entry.toSha, entry.id, told, fence));
  }

  /**
   * The write fence of what this replica writes about `env` besides its reconciles' own writes
   * (commit statuses, notifications, an automatic revert): the same Lease or heartbeat; none
   * without either.
   */
  private writeFence(env: string): WriteFence | undefined {
    return fencesOf(this.deps.shard ?? this.deps.heartbeat, env).writeFence?.('record');
  }

  /** Calls every observer; one that throws is logged and never fails the reconcile. */
  private tell(call: (observer: ReconcileObserver) => void): void {
    for (const observer of this.deps.observers ?? []) {
      try {
        call(observer);
      } catch (error) {
        this.deps.log.warn({ err: errorMessage(error) }, 'reconcile observer failed');
      }
    }
  }

  /**
   * The ledger refused `env`'s appends even after the audit log's own retries: stop reconciling it
   * (its queue is dropped; sharded, its Lease is given up so another replica may take it), say why
   * in its status and in readiness, and let the backoff retry probe the ledger again.
   */
  private release(env: string, reason: string): void {
    const state = this.state(env);
    state.released = { reason, since: state.released?.since ?? this.now().toISOString() };
    state.force = true;
    this.queue.cancel(env);
    const fields = { env, phase: 'record', code: 'audit.unwritable', err: reason };
    if (!this.deps.shard) {
      this.deps.log.error(
        fields,
        'environment released: its audit chain cannot be written; retrying with backoff',
      );
      return;
    }
    // Sharded, the backoff's retry is dropped once the Lease is given up (see `enqueue`): whichever
    // replica takes it next, this one included, tries afresh (see `gained`).
    this.deps.log.error(
      fields,
      'environment released: its audit chain cannot be written; its Lease is given up and its next holder retries',
    );
    void this.deps.shard.release([env]);
  }

  /** Sharded: whether, as this replica last saw its Lease, another replica holds `env`. */
  private heldElsewhere(env: string): boolean {
    const holder = this.deps.shard?.status(env).holder;
    return holder !== undefined && holder !== null && holder !== this.deps.shard!.identity;
  }

  /** An append landed again after a release: the environment is reconciled as usual. */
  private recovered(env: string): void {
    const state = this.state(env);
    this.deps.log.info(
      { env, since: state.released?.since },
      'audit chain writable again; environment resumed',
    );
    state.released = null;
  }

  private stall(env: string, sha: string): void {
    this.state(env).stalledSha = sha;
    this.deps.metrics?.setStalled(env, true);
  }

  private unstall(env: string): void {
    this.state(env).stalledSha = null;
    this.deps.metrics?.setStalled(env, false);
  }

  private scheduleRetry(env: string, sha: string): void {
    const retry = this.retries.failed(env, sha);
    this.deps.log.info(
      { env, sha: sha.slice(0, 12), attempt: retry.attempt, delayMs: retry.delayMs },
      'retry scheduled',
    );
  }

  /**
   * ControllerPort: suspends `env` (a `control` record in its ledger, so every replica obeys):
   * nothing of it is reconciled, not even drift, until it is resumed. A reconcile already running
   * finishes. Returns the suspension in force.
   */
  async suspend(env: string, by: string, reason: string): Promise<Suspension> {
    const suspension = await this.record(env, 'suspend', by, reason);
    this.queue.cancel(env);
    this.retries.reset(env);
    this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
    this.suspendedNow(env);
    this.deps.log.warn({ env, by, reason }, 'environment suspended');
    this.tell((o) => o.suspended?.(env, by, reason));
    return suspension ?? { by, reason, since: this.now().toISOString() };
  }

  /**
   * ControllerPort: resumes `env`: its branch head is reconciled, and any hand edit made meanwhile
   * is put back (the reconcile looks for drift even when the head did not move).
   */
  async resume(env: string, by: string, reason = ''): Promise<void> {
    await this.record(env, 'resume', by, reason);
    this.suspendedNow(env);
    this.deps.log.info({ env, by }, 'environment resumed');
    this.tell((o) => o.resumed?.(env, by));
    this.trigger(env, 'manual');
  }

  private async record(
    env: string,
    action: ControlAction,
    by: string,
    reason: string,
    details?: ControlDetails,
  ): Promise<Suspension | null> {
    this.state(env);
    if (!this.deps.audit.control) {
      throw new CairnError(`this audit trail cannot record a ${action} of ${env}`, {
        code: 'audit.read-only',
        phase: 'record',
        subject: `environment ${env}`,
        hint: 'run cairn with a writable audit trail (audit.dir or audit.dynamodb)',
      });
    }
    return this.deps.audit.control(env, action, by, reason, details);
  }

  /**
   * "Is this environment suspended?", answered here only, from the ledger's records. When it
   * finds a suspension lifted (a resume, possibly recorded by another replica), the next run is
   * forced so that a hand edit made while suspended is put back even if the head did not move.
   */
  private suspendedNow(env: string): boolean {
    const state = this.state(env);
    const now = this.deps.audit.suspension?.(env) ?? null;
    if ((state.suspended === null) !== (now === null)) {
      this.deps.metrics?.setSuspended?.(env, now !== null);
      if (now === null) state.force = true;
    }
    state.suspended = now;
    return now !== null;
  }

  /** Waits until no reconcile is queued or running (tests, `cairn sync`). */
  async idle(): Promise<void> {
    if (this.fetching) await this.fetching;
    await this.queue.idle();
  }

  /**
   * Stops timers and waits for running reconciles to finish. Sharded, the Leases of idle
   * environments are released at once (another replica takes them within its next balance), and
   * those of running ones as soon as their reconcile ends.
   */
  async stop(): Promise<void> {
    this.retries.stop();
    for (const state of this.states.values()) this.timers().clearTimeout(state.waitTimer);
    const shard = this.deps.shard;
    const stopping = this.queue.stop();
    if (!shard) return stopping;
    const held = shard.heldEnvironments();
    await Promise.all([
      shard.stop(),
      shard.release(held.filter((env) => !this.queue.busy(env))),
      stopping.then(() => shard.release(held)),
    ]);
  }

  /** True once the first fetch is done. */
  ready(): boolean {
    return this.isReady && this.notReady() === null;
  }

  /** Why the controller is not ready (a broken audit chain, or the first fetch not done); null when it is. */
  notReady(): NotReady | null {
    const released = [...this.states].flatMap(([env, state]) =>
      // The storage error (a table ARN, an account) stays in the log and the authenticated API.
      // Sharded, its Lease is given up: once another replica holds it, it is no longer this one's to report.
      state.released && !this.heldElsewhere(env)
        ? [
            `environment ${env} is released since ${state.released.since}: its audit chain cannot be written (appends failed after retries; see /api/environments and the controller log); cairn retries with backoff`,
          ]
        : [],
    );
    if (released.length > 0) return { cause: 'audit-trail', detail: released.join('; ') };
    // Only the config's environments: a removed one's broken chain is reported at start, not here.
    // Sharded, only those this replica holds: it is ready when it can serve what it holds, and a
    // chain held elsewhere is its holder's to report (found in review: one broken chain in the
    // shared ledger took every replica that had read it out of service).
    const audit = this.deps.audit.health?.(
      this.deps.config.environments.map((e) => e.name).filter((env) => !this.deps.shard || this.holds(env)),
    );
    if (audit && !audit.ready)
      return { cause: 'audit-trail', detail: audit.reason ?? 'the audit trail takes no appends' };
    return this.isReady ? null : { cause: 'first-fetch', detail: 'the first fetch is not done' };
  }

  /** Environments whose branch is `branch`. */
  environmentsForBranch(branch: string): readonly string[] {
    return this.deps.config.environments.filter((e) => e.branch === branch).map((e) => e.name);
  }

  /** The status of every environment, in config order. */
  environments(): readonly EnvironmentStatus[] {
    return this.deps.config.environments.map((env) => {
      this.suspendedNow(env.name);
      return environmentStatus(env, this.state(env.name), {
        queueDepth: this.queue.depth(env.name),
        lastChecked: this.deps.audit.lastChecked?.(env.name) ?? null,
        ...(this.deps.shard ? { shard: this.deps.shard.status(env.name) } : {}),
      });
    });
  }

  private state(env: string): EnvState {
    const state = this.states.get(env);
    if (!state) throw new Error(`unknown environment ${env}`);
    return state;
  }
}
