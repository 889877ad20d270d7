import type { Action, Change, PlaneResult, Target } from '../model';
import type { EnvironmentPlan } from '../reconcile/plan-environment';
import { changeLines, warningSection } from './render-audit';

export type { EnvironmentPlan } from '../reconcile/plan-environment';

const SUMMARY: readonly [Action, string][] = [
  ['created', 'to create'],
  ['configured', 'to configure'],
  ['deleted', 'to delete'],
  ['skipped', 'skipped'],
  ['unchanged', 'unchanged'],
];

function summary(changes: readonly Change[]): string {
  return SUMMARY.map(
    ([action, words]) => `${changes.filter((c) => c.action === action).length} ${words}`,
  ).join(', ');
}

function planeLines(plan: PlaneResult | null, target: Target, absent: string): string[] {
  if (!plan) return [`  (${absent})`];
  const lines = changeLines(plan.changes, target);
  if (lines.length === 0) lines.push('  nothing');
  if (plan.failure) lines.push(`  failed: ${plan.failure.message}`);
  return lines;
}

/** The plan for a person: per stack and resource, per object its action, then the diffs and a count. */
export function renderPlan(plan: EnvironmentPlan): string {
  const lines = [`plan for ${plan.env} at ${plan.sha.slice(0, 12)}`, ''];
  lines.push('AWS stacks:', ...planeLines(plan.aws, 'aws', 'no aws-resources/ or no aws target'));
  if (plan.bindings && plan.bindings.length > 0) {
    lines.push('', 'AWS outputs bound into manifests:');
    for (const b of plan.bindings) lines.push(`  \${aws:${b.key}} = ${b.value}  (${b.file}:${b.line})`);
  }
  lines.push('', 'Kubernetes objects:');
  lines.push(...planeLines(plan.kubernetes, 'kubernetes', 'no kubernetes target'));
  const objects = plan.kubernetes?.changes ?? [];
  for (const section of warningSection(objects)) lines.push('', ...section);
  for (const o of objects.filter((x) => x.diff)) {
    lines.push(
      '',
      `--- ${o.subject}${o.file ? ` (${o.file})` : ''}`,
      ...o.diff!.split('\n').map((l) => `  ${l}`),
    );
  }
  // Resources count, and stacks only where no resource speaks for them (a stack deleted or left).
  const counts = (c: Change) => c.subject.includes('/') || c.action === 'deleted' || c.action === 'skipped';
  const counted = [...(plan.aws?.changes ?? []).filter(counts), ...objects];
  lines.push('', summary(counted));
  return lines.join('\n');
}
