import type { AwsApplier, Assembly } from '../../cdk/types';
import type { ControlAction, ControlDetails, Suspension } from '../../controller/audit/types';
import type { CairnConfig, EnvironmentConfig, KubernetesTargetConfig } from '../../controller/config/types';
import type { KubeApplier, KubeApplyOptions, Manifest } from '../../controller/kube/types';
import {
  failureFrom,
  type AuditEntry,
  type AuditReader,
  type PlaneResult,
  type WriteFence,
} from '../../controller/model';
import type { AppliedState, AuditTrail } from '../../controller/reconcile/reconcile-environment';
import type { BranchHead, BranchSpec, GitSource, Revision, Workspace } from '../../controller/source/types';

/** In-memory doubles of the reconcile's seams, implementing the same interfaces as the real ones. */

export function revision(
  sha: string,
  trees: { aws: string | null; k8s: string | null },
  env = 'dev',
): Revision {
  return {
    env,
    branch: env,
    sha: sha.padEnd(40, '0'),
    author: { name: 'Ada', email: 'ada@example.com' },
    committedAt: '2026-11-23T10:00:00.000Z',
    message: `commit ${sha}`,
    trees,
    forcePushed: false,
  };
}

export class FakeSource implements GitSource {
  readonly checkouts: string[] = [];
  heads: BranchHead[] = [];
  async fetch(_branches: readonly BranchSpec[]): Promise<readonly BranchHead[]> {
    return this.heads;
  }
  async checkout(rev: Revision): Promise<Workspace> {
    this.checkouts.push(rev.sha);
    return { sha: rev.sha, dir: `/tmp/fake-${rev.sha}` };
  }
  async close(): Promise<void> {}
}

/** Keeps entries in memory with the same lastApplied rule as the real audit log. */
export class MemoryAudit implements AuditTrail, AuditReader {
  readonly starts: string[] = [];
  readonly entries: AuditEntry[] = [];
  /** What `lastChecked` answers per environment (the real log folds quiet passes into it). */
  readonly checked = new Map<string, string>();
  lastChecked(env: string): string | null {
    return this.checked.get(env) ?? null;
  }
  async start(input: { id: string }): Promise<unknown> {
    this.starts.push(input.id);
    return input.id;
  }
  async end(entry: AuditEntry): Promise<void> {
    this.entries.push(entry);
  }
  /** Finished entries, newest first, like the real log. */
  async list(
    filter: { readonly env?: string; readonly limit?: number } = {},
  ): Promise<readonly AuditEntry[]> {
    return [...this.entries]
      .reverse()
      .filter((e) => !filter.env || e.env === filter.env)
      .slice(0, filter.limit);
  }
  count(env: string): number {
    return this.entries.filter((e) => e.env === env).length;
  }
  async get(id: string): Promise<AuditEntry | undefined> {
    return this.entries.find((e) => e.id === id);
  }
  /** Nothing is ever left unfinished in memory. */
  async interrupted(): Promise<readonly AuditEntry[]> {
    return [];
  }
  /** Suspensions in force, per environment, as this process last read the ledger. */
  readonly suspensions = new Map<string, Suspension>();
  /** Control records another replica appended to a shared ledger, read by the next `refresh`. */
  readonly elsewhere: { env: string; action: ControlAction; by: string; reason: string }[] = [];
  suspension(env: string): Suspension | null {
    return this.suspensions.get(env) ?? null;
  }
  /** Every control record, oldest first, as the real log's `controls` lists them. */
  readonly controlRecords: {
    env: string;
    action: ControlAction;
    by: string;
    reason: string;
    entry?: string;
    sha?: string;
    url?: string;
  }[] = [];
  async control(
    env: string,
    action: ControlAction,
    by: string,
    reason: string,
    details?: ControlDetails,
    fence?: WriteFence,
  ): Promise<Suspension | null> {
    fence?.(); // as the real log checks it right before the write
    this.controlRecords.push({ env, action, by, reason, ...details });
    if (action === 'suspend') this.suspensions.set(env, { by, reason, since: new Date().toISOString() });
    else if (action === 'resume') this.suspensions.delete(env);
    return this.suspension(env);
  }
  controls(env: string): readonly { action: ControlAction; sha?: string }[] {
    return this.controlRecords.filter((c) => c.env === env);
  }
  /** The sha of the newest `promote` of `env`, as the real log's index keeps it. */
  promoted(env: string): string | null {
    return this.controlRecords.findLast((c) => c.env === env && c.action === 'promote')?.sha ?? null;
  }
  /** Reads what other replicas recorded (see `elsewhere`), like the real log's refresh of a shared chain. */
  async refresh(env: string): Promise<void> {
    for (const c of this.elsewhere.splice(0))
      if (c.env === env) await this.control(c.env, c.action, c.by, c.reason);
  }
  async lastApplied(env: string): Promise<AppliedState | null> {
    const mine = this.entries.filter((e) => e.env === env);
    if (mine.length === 0) return null;
    const ok = [...mine].reverse().find((e) => e.outcome === 'succeeded' || e.outcome === 'no-op');
    const tree = (half: 'aws' | 'k8s') =>
      [...mine].reverse().find((e) => e.applied && half in e.applied)?.applied?.[half];
    return { sha: ok?.toSha ?? null, awsTree: tree('aws'), k8sTree: tree('k8s') };
  }
}

export class FakeAws implements AwsApplier {
  readonly calls: string[] = [];
  result: PlaneResult = {
    changes: [{ target: 'aws', subject: 'data', action: 'configured', durationMs: 5 }],
  };
  async synthesize(dir: string, sha: string): Promise<Assembly> {
    this.calls.push(`synthesize ${sha.slice(0, 3)}`);
    return { dir, stacks: [] };
  }
  async plan(): Promise<never> {
    throw new Error('not used');
  }
  async apply(_a: Assembly, sha: string): Promise<PlaneResult> {
    this.calls.push(`apply ${sha.slice(0, 3)}`);
    return this.result;
  }
  /** What `outputs` answers: the live stacks' outputs. */
  live = new Map<string, ReadonlyMap<string, string>>();
  async outputs(names: readonly string[]): Promise<ReadonlyMap<string, ReadonlyMap<string, string>>> {
    this.calls.push(`outputs ${names.join(',')}`);
    return new Map([...this.live].filter(([name]) => names.includes(name)));
  }
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

export class FakeKube implements KubeApplier {
  readonly calls: string[] = [];
  loadError: Error | undefined;
  /** While set, apply waits for it: a test holds a reconcile in flight. */
  gate: Promise<void> | undefined;
  /** What `drifted` answers: subjects changed on the server since the last apply. */
  drift: readonly string[] = [];
  result: PlaneResult = {
    changes: [
      {
        target: 'kubernetes',
        subject: 'ConfigMap/apps/settings',
        action: 'configured',
        type: 'v1',
        durationMs: 3,
      },
    ],
  };
  async load(dir: string): Promise<readonly Manifest[]> {
    this.calls.push(`load ${dir}`);
    if (this.loadError) throw this.loadError;
    return [];
  }
  async plan(): Promise<never> {
    throw new Error('not used');
  }
  async apply(_m: readonly Manifest[], options?: KubeApplyOptions): Promise<PlaneResult> {
    this.calls.push(options?.drift ? 'apply drift' : 'apply');
    if (this.gate) await this.gate;
    // As the real applier: the write fence is checked before the write, and its failure returned.
    try {
      options?.fence?.();
    } catch (error) {
      return { changes: [], failure: failureFrom(error, 'apply-kubernetes') };
    }
    return this.result;
  }
  async drifted(): Promise<readonly string[]> {
    this.calls.push('drifted');
    return this.drift;
  }
  closed = false;
  async close(): Promise<void> {
    this.closed = true;
  }
}

/** A Kubernetes target with the controller unit tests' small limits, in namespace `apps`. */
export function fakeKubeTarget(overrides: Partial<KubernetesTargetConfig> = {}): KubernetesTargetConfig {
  return {
    namespace: 'apps',
    forceConflicts: false,
    pruneMaxShare: 0.5,
    allowMassPrune: false,
    healthTimeoutMs: 1000,
    concurrency: 4,
    adopt: false,
    maxManifestBytes: 1 << 20,
    ...overrides,
  };
}

/** An environment `name` on the branch of that name, applying a fake Kubernetes target, no drift passes. */
export function fakeEnvironment(name: string, overrides: Partial<EnvironmentConfig> = {}): EnvironmentConfig {
  return {
    name,
    branch: name,
    order: 'aws-first',
    driftIntervalMs: 0,
    kubernetes: fakeKubeTarget(),
    ...overrides,
  };
}

/** A config of `environments` with the controller unit tests' defaults (an unkeyed JSONL ledger, a local repository). */
export function fakeConfig(
  environments: readonly EnvironmentConfig[] = [fakeEnvironment('dev')],
  overrides: Partial<CairnConfig> = {},
): CairnConfig {
  return {
    file: 'cairn.yaml',
    repository: { url: '/repo', backend: 'isomorphic', pollIntervalMs: 30_000, watch: false },
    environments: [...environments],
    audit: { backend: 'jsonl', dir: '/audit', witnessDir: '/audit.witness', unkeyed: true },
    server: { port: 0, host: '127.0.0.1', maxBodyBytes: 1024 },
    workspaces: { dir: '/ws', keep: 1, maxFileBytes: 1024 },
    kubernetes: { requireServiceAccount: false, controllerNamespace: 'cairn' },
    ...overrides,
  };
}
