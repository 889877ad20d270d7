import type { AwsPlan } from '../../cdk/types';
import type { ObjectRef } from '../kube/types';
import type { PlaneResult } from '../model';

/** What `cairn plan` computes for one environment. */
export interface EnvironmentPlan {
  readonly env: string;
  readonly sha: string;
  readonly aws: AwsPlan | null;
  readonly kubernetes: PlaneResult | null;
}

/** `Kind/namespace/name`, or `Kind/name` for a cluster-scoped object. */
export function subjectOf(ref: ObjectRef): string {
  return ref.namespace ? `${ref.kind}/${ref.namespace}/${ref.name}` : `${ref.kind}/${ref.name}`;
}

function pad(rows: readonly (readonly string[])[]): string[] {
  const widths = rows.reduce<number[]>(
    (w, row) => row.map((cell, i) => Math.max(w[i] ?? 0, cell.length)),
    [],
  );
  return rows.map((row) =>
    row.map((cell, i) => (i === row.length - 1 ? cell : cell.padEnd(widths[i] ?? 0))).join('  '),
  );
}

/** The plan for a person: per stack its action and resource changes, per object its action and diff. */
export function renderPlan(plan: EnvironmentPlan): string {
  const lines = [`plan for ${plan.env} at ${plan.sha.slice(0, 12)}`, ''];
  lines.push('AWS stacks:');
  if (!plan.aws) lines.push('  (no aws-resources/ or no aws target)');
  for (const stack of plan.aws?.stacks ?? []) {
    lines.push(`  ${stack.action.padEnd(12)} ${stack.stackName}`);
    const rows = stack.changes.map((c) => [
      `    ${c.action}`,
      c.logicalId,
      c.type,
      c.replacement === 'True' ? 'replace' : c.replacement === 'Conditional' ? 'may replace' : '',
    ]);
    lines.push(...pad(rows));
  }
  lines.push('', 'Kubernetes objects:');
  if (!plan.kubernetes) lines.push('  (no kubernetes target)');
  const objects = plan.kubernetes?.changes ?? [];
  lines.push(
    ...pad(objects.map((o) => [`  ${o.action}`, o.subject, o.file ?? '', o.reason ? `(${o.reason})` : ''])),
  );
  for (const o of objects.filter((x) => x.diff)) {
    lines.push('', `--- ${o.subject}`, ...o.diff!.split('\n').map((l) => `  ${l}`));
  }
  const count = (action: string) => objects.filter((o) => o.action === action).length;
  lines.push(
    '',
    `${count('created')} to create, ${count('configured')} to configure, ${count('deleted')} to delete, ${count('skipped')} skipped, ${count('unchanged')} unchanged`,
  );
  if (plan.kubernetes?.failure) lines.push(`would fail: ${plan.kubernetes.failure.message}`);
  return lines.join('\n');
}
