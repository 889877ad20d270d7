import type { Change, PlaneResult } from '../../controller/model';

/** The kind of a Kubernetes change's subject (`Kind/namespace/name` or `Kind/name`). */
export function kindOf(change: Change): string {
  return change.subject.split('/')[0]!;
}

/** The name of a Kubernetes change's subject (its last part). */
export function nameOf(change: Change): string {
  return change.subject.split('/').at(-1)!;
}

/** The stack-level changes of an AWS plane result (subject `stackName`, no `/`). */
export function stacksOf(result: PlaneResult): Change[] {
  return result.changes.filter((c) => c.target === 'aws' && !c.subject.includes('/'));
}

/** `action type` of each resource change of one stack, sorted: a stable summary for assertions. */
export function resourceSummary(result: PlaneResult, stackName: string): string[] {
  return result.changes
    .filter((c) => c.subject.startsWith(`${stackName}/`))
    .map((c) => `${c.action} ${c.type ?? '?'}`)
    .sort();
}
