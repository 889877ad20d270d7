import { failedStack } from './stack-changes';
import type { StackArtifact, StackOutcome } from '../types';

/**
 * Runs `work` for every stack in dependency order, independent stacks at the same time. A stack
 * whose dependency failed or was skipped is `skipped` (it would deploy against a stale dependency).
 * Dependencies outside the list are ignored: they are not this environment's to wait for.
 */
export async function inDependencyOrder(
  stacks: readonly StackArtifact[],
  work: (stack: StackArtifact) => Promise<StackOutcome>,
): Promise<StackOutcome[]> {
  const results = new Map<string, Promise<StackOutcome>>();
  const byId = new Map(stacks.map((s) => [s.id, s]));
  const run = (stack: StackArtifact, path: readonly string[]): Promise<StackOutcome> => {
    const pending = results.get(stack.id);
    if (pending) return pending;
    const started = (async (): Promise<StackOutcome> => {
      const deps = stack.dependencies.filter((d) => byId.has(d));
      // The CDK refuses cycles at synth, but a hand-edited assembly must not hang the reconcile.
      const cycle = deps.find((d) => path.includes(d));
      if (cycle) {
        // A hand-edited assembly stays broken until the next commit: nothing to retry.
        return failedStack(stack.stackName, 0, {
          code: 'aws.dependency-cycle',
          phase: 'apply-aws',
          retryable: false,
          subject: stack.stackName,
          message: `stack ${stack.stackName} has a dependency cycle through ${cycle}`,
        });
      }
      const outcomes = await Promise.all(deps.map((d) => run(byId.get(d)!, [...path, stack.id])));
      const blocked = outcomes.find((o) => o.action === 'skipped');
      if (blocked) return skipped(stack, `depends on ${blocked.stackName}, which did not deploy`);
      return work(stack);
    })();
    results.set(stack.id, started);
    return started;
  };
  return Promise.all(stacks.map((s) => run(s, [])));
}

function skipped(stack: StackArtifact, why: string): StackOutcome {
  return { stackName: stack.stackName, action: 'skipped', reason: why, changes: [], durationMs: 0 };
}
