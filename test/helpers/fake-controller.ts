import type { AuditEntry, Trigger } from '../../controller/audit/types';
import type { ControllerPort, EnvironmentStatus } from '../../controller/server/types';

/** A ControllerPort that records triggers, for server tests. */
export class FakeController implements ControllerPort {
  readonly triggers: [string, Trigger][] = [];
  isReady = true;
  entries: AuditEntry[] = [];
  constructor(private readonly branches: Readonly<Record<string, string>> = { dev: 'dev', prod: 'main' }) {}
  environments(): readonly EnvironmentStatus[] {
    return Object.entries(this.branches).map(([name, branch]) => ({
      name,
      branch,
      lastAppliedSha: null,
      headSha: null,
      status: 'unknown',
      lastReconcileAt: null,
      lastOutcome: null,
      queueDepth: 0,
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
  readonly audit = {
    list: async (filter: { env?: string; limit?: number }) =>
      this.entries.filter((e) => !filter.env || e.env === filter.env).slice(0, filter.limit),
    get: async (id: string) => this.entries.find((e) => e.id === id),
  };
}
