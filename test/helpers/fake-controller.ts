import type { AuditEntry, AuditReader, Trigger } from '../../controller/model';
import type { ControllerPort, EnvironmentStatus } from '../../controller/server/types';

/** An AuditReader over an array, newest first, for tests that need no audit files. */
export class ArrayAuditReader implements AuditReader {
  constructor(readonly entries: AuditEntry[] = []) {}
  async list(filter: {
    readonly env?: string;
    readonly limit?: number;
    readonly offset?: number;
  }): Promise<readonly AuditEntry[]> {
    const from = filter.offset ?? 0;
    const to = filter.limit === undefined ? undefined : from + filter.limit;
    return this.entries.filter((e) => !filter.env || e.env === filter.env).slice(from, to);
  }
  count(env: string): number {
    return this.entries.filter((e) => e.env === env).length;
  }
  async get(id: string): Promise<AuditEntry | undefined> {
    return this.entries.find((e) => e.id === id);
  }
}

/**
 * A ControllerPort that records every trigger instead of reconciling, for server tests: a test
 * asserts exactly which environments were triggered, and why (none for a refused request).
 */
export class FakeController implements ControllerPort {
  readonly triggers: [string, Trigger][] = [];
  isReady = true;

  /** `branches` maps environment name to branch; `audit` defaults to an empty array reader. */
  constructor(
    private readonly branches: Readonly<Record<string, string>> = { dev: 'dev', prod: 'main' },
    readonly audit: AuditReader = new ArrayAuditReader(),
  ) {}

  environments(): readonly EnvironmentStatus[] {
    return Object.entries(this.branches).map(([name, branch]) => ({
      name,
      branch,
      lastAppliedSha: null,
      headSha: null,
      status: 'unknown',
      lastReconcileAt: null,
      lastOutcome: null,
      lastCheckedAt: null,
      failure: null,
      queueDepth: this.triggers.filter(([env]) => env === name).length,
    }));
  }

  environmentsForBranch(branch: string): readonly string[] {
    return Object.entries(this.branches)
      .filter(([, b]) => b === branch)
      .map(([name]) => name);
  }

  trigger(env: string, trigger: Trigger): void {
    this.triggers.push([env, trigger]);
  }

  ready(): boolean {
    return this.isReady;
  }
}
