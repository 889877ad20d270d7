import type { PromotionGate } from '../config/types';
import { formatDuration } from '../duration';
import { maskSecrets, warningLines, type Change, type Failure } from '../model';
import { markdownCode, markdownText as inline } from '../model/markdown';
import { planFailure, type PullRequestPlan } from './pull-request-plan';

/** GitHub's limit on a comment body, the smallest of the three hosts. */
export const COMMENT_LIMIT = 65_536;
/** The most characters of one object's diff shown; a longer one is cut with a note. */
export const DIFF_LIMIT = 4_000;
// Room kept free under the limit for the truncation note and the closing tags.
const RESERVE = 1_000;
// Characters at most naming the changes whose details are left out (the rest are counted).
const NAMES_LIMIT = 8_000;

/** One folded detail section, and the one line that names it when it is left out. */
interface Section {
  readonly name: string;
  readonly text: string;
}

/** The HTML comment that marks cairn's plan comment for `env`, so each push updates the same one. */
export function planMarker(env: string): string {
  return `<!-- cairn:plan:${env} -->`;
}

/** The commit status context of a pull request's plan for `env`. */
export function planContext(env: string): string {
  return `cairn/plan/${env}`;
}

/** A fenced block whose fence no line of `text` can close, masked. */
function fenced(text: string, language = ''): string {
  const body = maskSecrets(text);
  const longest = Math.max(2, ...[...body.matchAll(/`+/g)].map((m) => m[0].length));
  const fence = '`'.repeat(longest + 1);
  return `${fence}${language}\n${body}\n${fence}`;
}

/** A stack's row: its own action and its resources' adds, modifies, removes and replacements. */
function stackRow(stack: Change, resources: readonly Change[]): string {
  const count = (action: Change['action']) => resources.filter((r) => r.action === action).length;
  const replaced = resources.filter((r) => r.replacement === true).length;
  const maybe = resources.filter((r) => r.replacement === 'conditional').length;
  const replacements = maybe > 0 ? `${replaced} (+${maybe} conditional)` : String(replaced);
  const note = stack.reason ? ` (${markdownCode(stack.reason)})` : '';
  return `| \`${inline(stack.subject)}\` | ${stack.action}${note} | ${count('created')} | ${count('configured')} | ${count('deleted')} | ${replacements} |`;
}

function stacksOf(changes: readonly Change[]): { stack: Change; resources: Change[] }[] {
  return changes
    .filter((c) => !c.subject.includes('/'))
    .map((stack) => ({
      stack,
      resources: changes.filter((c) => c.subject.startsWith(`${stack.subject}/`)),
    }));
}

function failureLines(title: string, failure: Failure): string[] {
  const where = failure.subject ? ` in \`${inline(failure.subject)}\`` : '';
  return [
    `**${title} failed**${where} (phase \`${failure.phase}\`, \`${inline(failure.code)}\`):`,
    '',
    fenced(capText(failure.message, DIFF_LIMIT)),
  ];
}

function capText(text: string, limit: number): string {
  return text.length <= limit
    ? text
    : `${text.slice(0, limit)}\n… ${text.length - limit} more characters cut`;
}

function awsSummary(plan: PullRequestPlan): string[] {
  if (!plan.aws)
    return [`**AWS**: not planned (${inline(plan.skipped?.aws ?? 'the plan stopped before it')}).`];
  const stacks = stacksOf(plan.aws.changes);
  const lines = ['**AWS stacks**', ''];
  if (stacks.length === 0) lines.push('No stacks.');
  else
    lines.push(
      '| Stack | Action | Adds | Modifies | Removes | Replacements |',
      '| --- | --- | ---: | ---: | ---: | ---: |',
      ...stacks.map((s) => stackRow(s.stack, s.resources)),
    );
  if (plan.aws.failure) lines.push('', ...failureLines('The AWS plan', plan.aws.failure));
  return lines;
}

function kubeSummary(plan: PullRequestPlan): string[] {
  if (!plan.kubernetes)
    return [
      `**Kubernetes**: not planned (${inline(plan.skipped?.kubernetes ?? 'the plan stopped before it')}).`,
    ];
  const count = (action: Change['action']) =>
    plan.kubernetes!.changes.filter((c) => c.action === action).length;
  const lines = [
    '**Kubernetes objects**',
    '',
    '| Created | Configured | Deleted | Unchanged | Skipped |',
    '| ---: | ---: | ---: | ---: | ---: |',
    `| ${count('created')} | ${count('configured')} | ${count('deleted')} | ${count('unchanged')} | ${count('skipped')} |`,
  ];
  // In the summary, not the folded details: a warning is about an unchanged object too, and a
  // comment cut at its size limit still shows it.
  const warnings = warningLines(plan.kubernetes.changes);
  if (warnings.length > 0)
    lines.push(
      '',
      '**Warnings from the API server** (a warning fails neither the plan nor the apply):',
      '',
      fenced(capText(warnings.join('\n'), DIFF_LIMIT)),
    );
  if (plan.kubernetes.failure)
    lines.push('', ...failureLines('The Kubernetes plan', plan.kubernetes.failure));
  return lines;
}

/** One folded section per stack that changes, listing its resource changes. */
function awsDetails(plan: PullRequestPlan): Section[] {
  return stacksOf(plan.aws?.changes ?? [])
    .filter((s) => s.resources.length > 0)
    .map(({ stack, resources }) => {
      const rows = resources.map((r) => {
        const replacement =
          r.replacement === true ? 'yes' : r.replacement === 'conditional' ? 'conditional' : '';
        return `| ${r.action} | \`${inline(r.subject.slice(stack.subject.length + 1))}\` | ${r.type ? markdownCode(r.type) : ''} | ${replacement} |`;
      });
      return {
        name: `stack \`${inline(stack.subject)}\`: ${resources.length} resource changes`,
        text: [
          `<details><summary>Stack <code>${inline(stack.subject)}</code>: ${resources.length} resource changes</summary>`,
          '',
          '| Action | Logical id | Type | Replacement |',
          '| --- | --- | --- | --- |',
          ...rows,
          '',
          '</details>',
        ].join('\n'),
      };
    });
}

/** One folded section per object that changes, with its diff (a Secret's never shown). */
function kubeDetails(plan: PullRequestPlan): Section[] {
  return (plan.kubernetes?.changes ?? [])
    .filter((c) => c.action !== 'unchanged')
    .map((c) => {
      const file = c.file ? ` from <code>${inline(c.file)}</code>` : '';
      const reason = c.reason ? ` (<code>${inline(c.reason)}</code>)` : '';
      const secret = c.subject.startsWith('Secret/');
      const body = secret
        ? "A Secret's data is never shown."
        : c.diff
          ? fenced(capText(c.diff, DIFF_LIMIT), 'diff')
          : 'No diff.';
      return {
        name: `${c.action} \`${inline(c.subject)}\``,
        text: [
          `<details><summary>${c.action} <code>${inline(c.subject)}</code>${file}${reason}</summary>`,
          '',
          body,
          '',
          '</details>',
        ].join('\n'),
      };
    });
}

/** The list naming left-out sections, at most NAMES_LIMIT characters, counting the rest. */
function leftOut(sections: readonly Section[]): string {
  const lines: string[] = [];
  let used = 0;
  for (const { name } of sections) {
    if (used + name.length + 3 > NAMES_LIMIT - 40) break;
    lines.push(`- ${name}`);
    used += name.length + 3;
  }
  const rest = sections.length - lines.length;
  return [...lines, ...(rest > 0 ? [`\nand ${rest} more.`] : [])].join('\n');
}

function hasChanges(plan: PullRequestPlan): boolean {
  const all = [...(plan.aws?.changes ?? []), ...(plan.kubernetes?.changes ?? [])];
  return all.some((c) => c.action === 'created' || c.action === 'configured' || c.action === 'deleted');
}

/** The one-line description of a plan for its commit status (hosts cap it; GitHub at 140). */
export function planDescription(plan: PullRequestPlan): string {
  const failure = planFailure(plan);
  if (failure) return `plan failed: ${failure.subject ?? failure.code}`.slice(0, 140);
  if (!hasChanges(plan)) return 'no changes';
  const all = [...(plan.aws?.changes ?? []), ...(plan.kubernetes?.changes ?? [])].filter(
    (c) => c.target === 'kubernetes' || c.subject.includes('/'),
  );
  const n = (action: Change['action']) => all.filter((c) => c.action === action).length;
  return `${n('created')} to create, ${n('configured')} to change, ${n('deleted')} to delete`;
}

/**
 * The pull request comment for one environment's plan, in Markdown: the marker, a header naming
 * the environment, base and head, a summary table per plane, the failure (naming the file), and
 * the details folded. Every text from the repository is masked and escaped; the body stays under
 * GitHub's 65,536-character limit (details that do not fit are left out with a note). With a
 * promotion gate, a line says what the merged commit will wait for. Pure.
 */
export function renderPlanComment(plan: PullRequestPlan, gate?: PromotionGate): string {
  const head = [
    planMarker(plan.env),
    `### cairn plan for \`${inline(plan.env)}\``,
    '',
    `Pull request #${plan.number} into \`${inline(plan.base)}\` at \`${plan.sha.slice(0, 12)}\` (planned in ${(plan.durationMs / 1000).toFixed(1)} s; nothing was applied).`,
    '',
    ...(gate
      ? [
          `**Waits for \`${inline(gate.after)}\`**: once merged, this is applied only after \`${inline(gate.after)}\` has applied the same trees and stayed healthy for ${formatDuration(gate.healthyForMs)} (or on \`cairn promote ${inline(plan.env)} --force\`).`,
          '',
        ]
      : []),
  ];
  if (plan.failure) {
    const body = [...head, ...failureLines('The plan', plan.failure)].join('\n');
    return body.length <= COMMENT_LIMIT ? body : `${body.slice(0, COMMENT_LIMIT - 20)}\n…\n`;
  }
  const failed = planFailure(plan) !== undefined;
  const summary = [
    ...head,
    ...(!failed && !hasChanges(plan)
      ? [`**No changes**: merging this changes nothing in \`${inline(plan.env)}\`.`, '']
      : []),
    ...awsSummary(plan),
    '',
    ...kubeSummary(plan),
  ].join('\n');
  const sections = [...awsDetails(plan), ...kubeDetails(plan)];
  const room = COMMENT_LIMIT - RESERVE;
  // When not every section fits, the ones left out are named (up to NAMES_LIMIT): room for that is
  // kept, so that big diffs of some objects cannot push another change out of sight.
  const fitsAll = sections.reduce((n, s) => n + s.text.length + 2, summary.length) <= room;
  const names = fitsAll
    ? 0
    : Math.min(
        NAMES_LIMIT,
        sections.reduce((n, s) => n + s.name.length + 3, 0),
      );
  let body = summary;
  let shown = 0;
  for (const section of sections) {
    if (body.length + section.text.length + 2 > room - names) break;
    body += `\n\n${section.text}`;
    shown++;
  }
  if (shown < sections.length)
    body += `\n\n_${sections.length - shown} of ${sections.length} detail sections are not shown: the comment would be over the host's ${COMMENT_LIMIT}-character limit._\n\n${leftOut(sections.slice(shown))}`;
  // A summary alone over the limit (thousands of stacks) is cut hard rather than refused by the host.
  return body.length < COMMENT_LIMIT
    ? `${body}\n`
    : `${body.slice(0, COMMENT_LIMIT - 40)}\n\n_(cut at the size limit)_\n`;
}
