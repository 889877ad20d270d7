import type { AwsApplier } from '../../cdk/types';
import type { AuditEntry, Trigger } from '../audit/types';
import type { CairnConfig, EnvironmentConfig } from '../config/types';
import { errorMessage } from '../errors';
import type { KubeApplier } from '../kube/types';
import type { Log } from '../log';
import type { Metrics } from '../server/metrics';
import type { AuditReader, ControllerPort, EnvironmentStatus } from '../server/types';
import type { BranchHead, GitSource, Revision } from '../source/types';
import { RetryScheduler } from './backoff';
import { coalesceTriggers, EnvQueue } from './env-queue';
import { reconcileEnvironment, type AuditTrail } from './reconcile-environment';

/** The appliers of one environment; either half may be absent when the environment does not configure it. */
export interface EnvironmentAppliers {
  readonly aws?: AwsApplier;
  readonly kube?: KubeApplier;
}

/** The seams the controller is built from; the CLI wires the real ones, tests may wire fakes. */
export interface ControllerDeps {
  readonly config: CairnConfig;
  readonly source: GitSource;
  readonly audit: AuditTrail &
    AuditReader & {
      interrupted(): Promise<readonly AuditEntry[]>;
      /** Whether the trail takes appends (a broken chain does not); absent means always. */
      health?(): { readonly ready: boolean; readonly reason?: string };
    };
  readonly appliers: (env: EnvironmentConfig) => EnvironmentAppliers;
  readonly log: Log;
  readonly metrics?: Metrics;
  readonly retry?: { readonly baseMs: number; readonly maxMs: number };
}

interface EnvState {
  head: Revision | null;
  lastAppliedSha: string | null;
  lastEntry: AuditEntry | null;
  running: boolean;
  /** Reconcile on the next request even when the head is already applied (startup after a crash, manual sync). */
  force: boolean;
  branchError: string | null;
}

/**
 * The long-running controller: turns branch heads into queued reconciles, one queue per
 * environment, with retries, and answers the HTTP server's questions (it is the ControllerPort).
 */
export class Controller implements ControllerPort {
  private readonly states = new Map<string, EnvState>();
  private readonly queue: EnvQueue<Trigger>;
  private readonly retries: RetryScheduler;
  private isReady = false;
  private fetching: Promise<void> | null = null;
  private refetch = false;

  constructor(private readonly deps: ControllerDeps) {
    for (const env of deps.config.environments) {
      this.states.set(env.name, {
        head: null,
        lastAppliedSha: null,
        lastEntry: null,
        running: false,
        force: false,
        branchError: null,
      });
    }
    // A waiting drift or manual request survives a newer poll, so a drift repair is not lost.
    this.queue = new EnvQueue<Trigger>((env, trigger) => this.reconcile(env, trigger), {
      merge: coalesceTriggers,
      log: deps.log,
    });
    this.retries = new RetryScheduler({
      ...deps.retry,
      onDue: (env, sha) => {
        if (this.state(env).head?.sha === sha) this.enqueue(env, 'retry');
      },
    });
  }

  get audit(): AuditReader {
    return this.deps.audit;
  }

  /** Closes interrupted reconciles, learns what is applied, and does the first fetch. */
  async start(): Promise<void> {
    for (const entry of await this.deps.audit.interrupted()) {
      this.deps.log.warn(
        { env: entry.env, sha: entry.toSha.slice(0, 12) },
        'reconcile was interrupted; reconciling again',
      );
      this.state(entry.env).force = true;
    }
    for (const [env, state] of this.states) {
      const last = await this.deps.audit.lastApplied(env);
      state.lastAppliedSha = last?.sha ?? null;
      state.lastEntry = (await this.deps.audit.list({ env, limit: 1 }))[0] ?? null;
    }
    await this.fetch('startup');
    this.isReady = true;
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
        const branches = this.deps.config.environments.map((e) => ({ env: e.name, branch: e.branch }));
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
      state.branchError =
        head.kind === 'missing-branch' ? `branch ${head.branch} does not exist` : errorMessage(head.error);
      this.deps.log.warn(
        { env: head.env, phase: 'fetch', err: state.branchError },
        'environment has no revision',
      );
      return;
    }
    const revision = head.revision;
    const state = this.state(revision.env);
    state.branchError = null;
    state.head = revision;
    this.retries.headMoved(revision.env, revision.sha);
    // A sha whose retry is waiting is left to its backoff rather than re-queued by every poll.
    const pending =
      revision.sha !== state.lastAppliedSha && this.retries.waiting(revision.env)?.sha !== revision.sha;
    if (pending || state.force) this.enqueue(revision.env, trigger);
  }

  /** ControllerPort: a webhook or the API asks for an environment; fetch at once, then reconcile. */
  trigger(env: string, trigger: Trigger): void {
    const state = this.state(env);
    if (trigger === 'manual') state.force = true;
    void this.fetch(trigger);
  }

  /** A periodic drift pass for an environment whose head is applied. */
  drift(env: string): void {
    const state = this.state(env);
    if (state.head && state.head.sha === state.lastAppliedSha && !state.running) this.enqueue(env, 'drift');
  }

  private enqueue(env: string, trigger: Trigger): void {
    this.queue.enqueue(env, trigger);
    this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
  }

  private async reconcile(env: string, trigger: Trigger): Promise<void> {
    const state = this.state(env);
    const revision = state.head;
    if (!revision) return;
    // A request queued behind a reconcile that already applied this sha has nothing left to do.
    if (revision.sha === state.lastAppliedSha && !state.force && trigger !== 'drift') return;
    state.running = true;
    state.force = false;
    const envConfig = this.deps.config.environments.find((e) => e.name === env)!;
    const started = Date.now();
    try {
      const entry = await reconcileEnvironment(
        {
          env: envConfig,
          source: this.deps.source,
          audit: this.deps.audit,
          log: this.deps.log,
          ...this.deps.appliers(envConfig),
        },
        revision,
        trigger,
      );
      state.lastEntry = entry;
      this.deps.metrics?.observeReconcile(env, entry.outcome, Date.now() - started);
      for (const phase of entry.phases)
        this.deps.metrics?.observePhase(env, phase.name, entry.outcome, phase.durationMs);
      if (entry.outcome === 'failed') {
        this.scheduleRetry(env, revision.sha);
      } else {
        state.lastAppliedSha = revision.sha;
        this.retries.reset(env);
        this.deps.metrics?.setLastSuccess(env, new Date());
        const drifted = entry.kubernetes.objects.filter((o) => o.action === 'drift-repaired').length;
        if (drifted > 0) this.deps.metrics?.incDrift(env, drifted);
      }
    } catch (error) {
      // The audit itself failed (disk full, lock lost): nothing was recorded, so retry the same sha.
      this.deps.log.error(
        { env, phase: 'record', err: errorMessage(error) },
        'reconcile could not be recorded',
      );
      this.scheduleRetry(env, revision.sha);
    } finally {
      state.running = false;
      this.deps.metrics?.setQueueDepth(env, this.queue.depth(env));
    }
  }

  private scheduleRetry(env: string, sha: string): void {
    const retry = this.retries.failed(env, sha);
    this.deps.log.info(
      { env, sha: sha.slice(0, 12), attempt: retry.attempt, delayMs: retry.delayMs },
      'retry scheduled',
    );
  }

  /** Waits until no reconcile is queued or running (tests, `cairn sync`). */
  async idle(): Promise<void> {
    if (this.fetching) await this.fetching;
    await this.queue.idle();
  }

  /** Stops timers and waits for running reconciles to finish. */
  async stop(): Promise<void> {
    this.retries.stop();
    await this.queue.stop();
  }

  ready(): boolean {
    return this.isReady && this.notReadyReason() === null;
  }

  /** Why the controller is not ready (a broken audit chain, or the first fetch not done); null when it is. */
  notReadyReason(): string | null {
    const audit = this.deps.audit.health?.();
    if (audit && !audit.ready) return audit.reason ?? 'the audit trail takes no appends';
    return this.isReady ? null : 'the first fetch is not done';
  }

  environmentsForBranch(branch: string): readonly string[] {
    return this.deps.config.environments.filter((e) => e.branch === branch).map((e) => e.name);
  }

  environments(): readonly EnvironmentStatus[] {
    return this.deps.config.environments.map((env) => {
      const state = this.state(env.name);
      const last = state.lastEntry;
      const drifted =
        last?.trigger === 'drift' && last.kubernetes.objects.some((o) => o.action === 'drift-repaired');
      const status: EnvironmentStatus['status'] = state.running
        ? 'progressing'
        : state.branchError || last?.outcome === 'failed'
          ? 'failed'
          : state.head && state.head.sha === state.lastAppliedSha
            ? drifted
              ? 'drifted'
              : 'synced'
            : state.head
              ? 'progressing'
              : 'unknown';
      return {
        name: env.name,
        branch: env.branch,
        lastAppliedSha: state.lastAppliedSha,
        headSha: state.head?.sha ?? null,
        status,
        lastReconcileAt: last?.finishedAt ?? null,
        lastOutcome: last?.outcome ?? null,
        queueDepth: this.queue.depth(env.name),
      };
    });
  }

  private state(env: string): EnvState {
    const state = this.states.get(env);
    if (!state) throw new Error(`unknown environment ${env}`);
    return state;
  }
}
