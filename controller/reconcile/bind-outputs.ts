import { declaredOutputs } from '../../cdk/declared-outputs';
import type { Assembly, AwsApplier } from '../../cdk/types';
import type { EnvironmentConfig } from '../config/types';
import {
  bindingKey,
  bindingTransform,
  KNOWN_AFTER_APPLY,
  outputMissing,
  outputsTransform,
  shownValue,
  type BindingRef,
  type StackOutputs,
} from '../kube/aws-bindings';
import type { KubeApplier, Manifest } from '../kube/types';
import { CairnError } from '../model/errors';
import type { PlaneResult } from '../model';

/** The manifests of a commit read with its AWS bindings checked, before anything is applied. */
export interface CheckedManifests {
  /** The objects, each reference standing as `(known after apply)` (the final objects when there is none). */
  readonly manifests: readonly Manifest[];
  /** Every `${aws:…}` reference, in file order. */
  readonly refs: readonly BindingRef[];
}

/** One binding as `cairn plan` shows it: where, what, and the value (masked) or `(known after apply)`. */
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
): Promise<CheckedManifests> {
  const refs: BindingRef[] = [];
  const manifests = await kube.load(workspaceDir, {
    transform: bindingTransform((ref) => (refs.push(ref), KNOWN_AFTER_APPLY)),
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
 * the AWS half of this reconcile is applied (or was unchanged).
 */
export async function bindOutputs(
  kube: KubeApplier,
  workspaceDir: string,
  aws: AwsApplier | undefined,
  refs: readonly BindingRef[],
): Promise<readonly Manifest[]> {
  const live = await liveFor(aws, refs);
  return kube.load(workspaceDir, { transform: outputsTransform(live) });
}

/**
 * For `cairn plan`: each reference with its live value, or `(known after apply)` when the plan
 * creates or changes its stack; and the manifests with those values, for the server dry runs.
 */
export async function plannedBindings(
  kube: KubeApplier,
  workspaceDir: string,
  aws: AwsApplier | undefined,
  checked: CheckedManifests,
  awsPlan: PlaneResult | undefined,
): Promise<{ readonly manifests: readonly Manifest[]; readonly bindings: readonly PlannedBinding[] }> {
  if (checked.refs.length === 0) return { manifests: checked.manifests, bindings: [] };
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
  const manifests = await kube.load(workspaceDir, { transform: bindingTransform(valueOf) });
  const bindings = checked.refs.map((ref) => ({
    file: ref.file,
    line: ref.line,
    key: bindingKey(ref),
    value: shownValue(valueOf(ref)),
  }));
  return { manifests, bindings };
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
