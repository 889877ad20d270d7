import { declaredOutputs } from '../../cdk/declared-outputs';
import type { Assembly, AwsApplier } from '../../cdk/types';
import type { EnvironmentConfig } from '../config/types';
import {
  bindingKey,
  bindingTransform,
  KNOWN_AFTER_APPLY,
  outputMissing,
  outputsTransform,
  SECRET_VALUE,
  shownValue,
  valuesInSecrets,
  type BindingRef,
  type StackOutputs,
} from '../kube/aws-bindings';
import type { KubeApplier, Manifest } from '../kube/types';
import { CairnError } from '../model/errors';
import { encodedForms } from '../model/secret-forms';
import type { Change, PlaneResult } from '../model';

/** The manifests of a commit read with its AWS bindings checked, before anything is applied. */
export interface CheckedManifests {
  /** The objects, each reference standing as `(known after apply)` (the final objects when there is none). */
  readonly manifests: readonly Manifest[];
  /** Every `${aws:…}` reference, in file order. */
  readonly refs: readonly BindingRef[];
}

/**
 * One binding as `cairn plan` shows it: where, what, and the value (masked), `(known after apply)`,
 * or `(secret)` when the value lands in a Secret.
 */
export interface PlannedBinding {
  readonly file: string;
  readonly line: number;
  readonly key: string;
  readonly value: string;
}

/**
 * Reads `k8s-resources/` and checks every `${aws:<stack>.<key>}` in it before anything is applied:
 * a stack of this commit's app must declare the output, any other stack must be a live stack of
 * this environment holding it. A reference that cannot be bound throws `aws.output-missing`
 * (naming file, line and key); a config that applies Kubernetes first is refused (`env` absent:
 * a pull-request plan, which leaves that refusal to the reconcile).
 */
export async function checkBindings(
  env: Pick<EnvironmentConfig, 'name' | 'order'> | undefined,
  kube: KubeApplier,
  workspaceDir: string,
  aws: AwsApplier | undefined,
  assembly: Assembly | undefined,
  /** A pull request's plan's: a render under way is killed once the plan is abandoned. */
  signal?: AbortSignal,
): Promise<CheckedManifests> {
  const refs: BindingRef[] = [];
  const manifests = await kube.load(workspaceDir, {
    transform: bindingTransform((ref) => (refs.push(ref), KNOWN_AFTER_APPLY)),
    ...(signal ? { signal } : {}),
  });
  if (refs.length === 0) return { manifests, refs };
  if (env?.order === 'kubernetes-first') throw orderRefused(env, refs[0]!);
  const declared = assembly ? declaredOutputs(assembly) : new Map<string, ReadonlySet<string>>();
  const live = await liveFor(
    aws,
    refs.filter((r) => !declared.has(r.stackName)),
  );
  for (const ref of refs) {
    const known =
      declared.get(ref.stackName)?.has(ref.outputKey) ?? live.get(ref.stackName)?.has(ref.outputKey);
    if (!known) throw outputMissing(ref, whyMissing(ref, declared, live, aws));
  }
  return { manifests, refs };
}

/**
 * The final manifests, read again with each reference replaced by its stack's live output, once
 * the AWS half of this reconcile is applied (or was unchanged); and the values that landed in a
 * Secret, which the apply's diffs (the ledger entry) must not show either.
 */
export async function bindOutputs(
  kube: KubeApplier,
  workspaceDir: string,
  aws: AwsApplier | undefined,
  refs: readonly BindingRef[],
): Promise<{ readonly manifests: readonly Manifest[]; readonly secretValues: readonly string[] }> {
  const live = await liveFor(aws, refs);
  const manifests = await kube.load(workspaceDir, { transform: outputsTransform(live) });
  const values = refs.flatMap((r) => live.get(r.stackName)?.get(r.outputKey) ?? []);
  return { manifests, secretValues: [...valuesInSecrets(manifests, values)] };
}

/** What `plannedBindings` answers: the manifests for the server dry runs and the bindings to show. */
export interface PlannedManifests {
  readonly manifests: readonly Manifest[];
  readonly bindings: readonly PlannedBinding[];
  /** The bound values that land in a Secret: shown nowhere, not even in that Secret's diff. */
  readonly secretValues: readonly string[];
  /** Every live output value bound (not the `(known after apply)` ones): a pull request's plan shows none. */
  readonly liveValues: readonly string[];
}

/**
 * For `cairn plan`: each reference with its live value, or `(known after apply)` when the plan
 * creates or changes its stack, or `(secret)` when the value lands in a Secret; and the manifests
 * with those values, for the server dry runs (which need the real value).
 */
export async function plannedBindings(
  kube: KubeApplier,
  workspaceDir: string,
  aws: AwsApplier | undefined,
  checked: CheckedManifests,
  awsPlan: PlaneResult | undefined,
  /** As checkBindings': a render under way is killed once a pull request's plan is abandoned. */
  signal?: AbortSignal,
): Promise<PlannedManifests> {
  if (checked.refs.length === 0)
    return { manifests: checked.manifests, bindings: [], secretValues: [], liveValues: [] };
  const changing = new Set(
    (awsPlan?.changes ?? [])
      .filter((c) => !c.subject.includes('/') && c.action !== 'unchanged')
      .map((c) => c.subject),
  );
  const live = await liveFor(aws, checked.refs);
  const valueOf = (ref: BindingRef): string =>
    changing.has(ref.stackName)
      ? KNOWN_AFTER_APPLY
      : (live.get(ref.stackName)?.get(ref.outputKey) ?? KNOWN_AFTER_APPLY);
  const manifests = await kube.load(workspaceDir, {
    transform: bindingTransform(valueOf),
    ...(signal ? { signal } : {}),
  });
  // Found by value in the objects as read, so a reference in a chart's values or a kustomize input
  // is traced to the Secret it renders into, wherever in the tree the reference is written.
  const known = checked.refs.map(valueOf).filter((v) => v !== KNOWN_AFTER_APPLY);
  const secret = valuesInSecrets(manifests, known);
  const bindings = checked.refs.map((ref) => {
    const value = valueOf(ref);
    return {
      file: ref.file,
      line: ref.line,
      key: bindingKey(ref),
      value: secret.has(value) ? SECRET_VALUE : shownValue(value),
    };
  });
  return { manifests, bindings, secretValues: [...secret], liveValues: [...new Set(known)] };
}

/** What a live AWS output bound into a pull request's manifests reads as in its plan. */
export const OUTPUT_VALUE = '(aws output)';

// Shorter values would hide ordinary words all over the diffs (the secret masker's bound too).
const MIN_HIDDEN_LENGTH = 6;

/**
 * A pull request's Kubernetes plan with every value of `values` (live AWS outputs the tree bound),
 * in each spelling the secret masker knows, replaced by `(aws output)` wherever the plan shows
 * text: subjects, diffs, reasons, types and the failure. The tree is the pull request author's, so
 * where it binds an output is too: into a ConfigMap, or a field whose refusal quotes the value.
 */
export function hideBoundValues(plan: PlaneResult, values: readonly string[]): PlaneResult {
  return hideIn(plan, values, {
    replacement: OUTPUT_VALUE,
    minLength: MIN_HIDDEN_LENGTH,
    secretDiffsOnly: false,
  });
}

/**
 * A Kubernetes plan (or apply result) with each value in `secretValues`, in each spelling the
 * masker knows, replaced by `(secret)` in the diffs of Secrets. Their `data` and `stringData` are
 * redacted already; this covers a value bound into a Secret's labels or annotations, which a diff
 * shows.
 */
export function hideSecretValues(plan: PlaneResult, secretValues: readonly string[]): PlaneResult {
  return hideIn(plan, secretValues, { replacement: SECRET_VALUE, minLength: 1, secretDiffsOnly: true });
}

/** The one replacement behind both: every form of every value long enough, longest forms first. */
function hideIn(
  plan: PlaneResult,
  values: readonly string[],
  options: { readonly replacement: string; readonly minLength: number; readonly secretDiffsOnly: boolean },
): PlaneResult {
  // A value too short for the masker's spellings (its base64 would match ordinary text) is hidden
  // as written only.
  const forms = [
    ...new Set(
      values.flatMap((v) =>
        v.length >= MIN_HIDDEN_LENGTH ? encodedForms(v) : v.length >= options.minLength ? [v] : [],
      ),
    ),
  ].sort((a, b) => b.length - a.length);
  if (forms.length === 0) return plan;
  const hide = (text: string): string =>
    forms.reduce((t, form) => t.replaceAll(form, options.replacement), text);
  if (options.secretDiffsOnly) {
    const hideDiff = (c: Change): Change =>
      c.subject.startsWith('Secret/') && (c.diff || c.warnings)
        ? {
            ...c,
            ...(c.diff === undefined ? {} : { diff: hide(c.diff) }),
            ...(c.warnings === undefined ? {} : { warnings: c.warnings.map(hide) }),
          }
        : c;
    return { ...plan, changes: plan.changes.map(hideDiff) };
  }
  const hideChange = (c: Change): Change => ({
    ...c,
    subject: hide(c.subject),
    ...(c.diff === undefined ? {} : { diff: hide(c.diff) }),
    ...(c.reason === undefined ? {} : { reason: hide(c.reason) }),
    ...(c.type === undefined ? {} : { type: hide(c.type) }),
    // A webhook's warning may quote the field's value.
    ...(c.warnings === undefined ? {} : { warnings: c.warnings.map(hide) }),
  });
  const failure = plan.failure && {
    ...plan.failure,
    message: hide(plan.failure.message),
    ...(plan.failure.subject === undefined ? {} : { subject: hide(plan.failure.subject) }),
  };
  return { changes: plan.changes.map(hideChange), ...(failure ? { failure } : {}) };
}

async function liveFor(aws: AwsApplier | undefined, refs: readonly BindingRef[]): Promise<StackOutputs> {
  if (!aws || refs.length === 0) return new Map();
  return aws.outputs([...new Set(refs.map((r) => r.stackName))]);
}

function whyMissing(
  ref: BindingRef,
  declared: ReadonlyMap<string, ReadonlySet<string>>,
  live: StackOutputs,
  aws: AwsApplier | undefined,
): string {
  if (!aws) return 'this environment has no aws target';
  if (declared.has(ref.stackName))
    return `stack ${ref.stackName} of this commit's app declares no output ${ref.outputKey}`;
  if (live.has(ref.stackName)) return `stack ${ref.stackName} has no output ${ref.outputKey}`;
  return `no stack ${ref.stackName} in this commit's app nor among this environment's live stacks`;
}

function orderRefused(env: Pick<EnvironmentConfig, 'name'>, ref: BindingRef): CairnError {
  return new CairnError(
    `${ref.file}:${ref.line} binds an AWS output, but the environment applies Kubernetes first`,
    {
      code: 'config.order',
      phase: 'plan',
      subject: `environment ${env.name}`,
      hint: `remove order: kubernetes-first from environment ${env.name} (bindings need AWS applied first)`,
    },
  );
}
