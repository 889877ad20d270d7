import { CairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import { listed, literalText, type StackTemplate } from './template-bounds';
import { iamPatternMatches, namedArn, subAsJoin } from './template-grants';
import { targetKind, type TargetBounds } from './template-targets';

// What a template reads by a dynamic reference or an SSM-typed parameter: CloudFormation reads
// that secret or parameter itself, with the stack's identity, before any resource is made. The
// grant check of template-grants.ts bounds what the app's roles may read later; this bounds what
// the stack reads as it is deployed, with the same idea of what is the app's own.

/** What decides whether a secret or parameter a template reads is the environment's own. */
export interface ReferenceBounds extends TargetBounds {
  /** The bootstrap's version parameter (`/cdk-bootstrap/<qualifier>/version`), which every synthesized template reads. */
  readonly bootstrapVersion: string;
  /** The names the app's stacks this stack depends on give their resources (see namedResources in template-grants.ts). */
  readonly named?: ReadonlySet<string>;
}

/** What a dynamic reference's service reads, and how many `:`-separated fields its id has when written as an ARN. */
const REFERENCED: ReadonlyMap<
  string,
  { readonly type: string; readonly what: string; readonly arnFields: number }
> = new Map([
  ['secretsmanager', { type: 'aws::secretsmanager::secret', what: 'secret', arnFields: 7 }],
  ['ssm', { type: 'aws::ssm::parameter', what: 'parameter', arnFields: 6 }],
  ['ssm-secure', { type: 'aws::ssm::parameter', what: 'parameter', arnFields: 6 }],
]);

/** The SSM parameter types CloudFormation fills with the value of the parameter their value names. */
const SSM_PARAMETER_TYPE = /^AWS::SSM::Parameter::Value<.+>$/s;

/**
 * A value's text, a string or an `Fn::Join` or `Fn::Sub` of parts, with each part cairn cannot
 * know before CloudFormation does (a `Ref` of a resource) written as a hole, `\0<n>\0` for
 * `holes[n]`; undefined for any other value.
 */
function textWithHoles(
  value: unknown,
  pseudo: Readonly<Record<string, string>>,
): { readonly text: string; readonly holes: unknown[] } | undefined {
  if (typeof value === 'string') return { text: value, holes: [] };
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  const joined =
    Array.isArray(join) && typeof join[0] === 'string' && Array.isArray(join[1])
      ? { delimiter: join[0], parts: join[1] as unknown[] }
      : undefined;
  const parts = joined?.parts ?? subAsJoin(value);
  if (!parts) return undefined;
  const holes: unknown[] = [];
  const text = parts
    .map((part) => {
      const known = literalText(part, pseudo);
      if (known !== undefined) return known;
      holes.push(part);
      return `\0${holes.length - 1}\0`;
    })
    .join(joined?.delimiter ?? '');
  return { text, holes };
}

/**
 * Whether a secret or parameter a template reads by name (or ARN) is the environment's own: one a
 * stack this stack depends on names literally (namedResources), by that name or its ARN, which
 * exists before this stack is deployed; not one this template names, since CloudFormation reads a
 * typed parameter before any resource is made and a reference with no `Ref` waits for none (if
 * another environment holds the name, the create fails only after the value was read). For a
 * parameter, also the bootstrap's version parameter and AWS's public parameters under
 * `/aws/service/` (the CDK's latest AMI; SSM keeps names starting with `aws` to AWS); or one
 * `aws.externalTargets` lists as written.
 */
function ownName(type: string, name: string, bounds: ReferenceBounds): boolean {
  if (listed(name, bounds.listed)) return true;
  if (
    type === 'aws::ssm::parameter' &&
    (name === bounds.bootstrapVersion || name.startsWith('/aws/service/'))
  )
    return true;
  return [...(bounds.named ?? [])].some(
    (named) =>
      named.startsWith(`${type} `) &&
      (named.slice(type.length + 1) === name || iamPatternMatches(namedArn(named, bounds.pseudo), name)),
  );
}

/**
 * Every value of a template with its path for messages, depth first, and whether it is read `whole`
 * with the text it is joined into: a string part of an `Fn::Join` or variable of an `Fn::Sub`
 * (textWithHoles reads it so: the CDK's `{{resolve:secretsmanager:` before its secret's `Ref`).
 */
function valuesOf(
  node: unknown,
  where: string,
  whole = false,
): { readonly where: string; readonly value: unknown; readonly whole: boolean }[] {
  const at = (key: string) => (where ? `${where}.${key}` : key);
  let inner: ReturnType<typeof valuesOf> = [];
  if (Array.isArray(node)) inner = node.flatMap((item, i) => valuesOf(item, at(String(i))));
  else if (node && typeof node === 'object') {
    inner = Object.entries(node).flatMap(([key, value]) => {
      const joined =
        ['Fn::Join', 'Fn::Sub'].includes(key) && Array.isArray(value) ? (value[1] as unknown) : undefined;
      if (!joined || typeof joined !== 'object') return valuesOf(value, at(key));
      return (value as unknown[]).flatMap((arg, i) =>
        i === 1
          ? Object.entries(joined).flatMap(([k, part]) =>
              valuesOf(part, at(`${key}.1.${k}`), typeof part === 'string'),
            )
          : valuesOf(arg, at(`${key}.${i}`)),
      );
    });
  }
  return [{ where, value: node, whole }, ...inner];
}

/** The starts of `{{resolve:` short of it (`{`, `{{`, `{{res`, ...), which a value may end with to be completed by another. */
const OPENINGS = Array.from({ length: '{{resolve:'.length - 1 }, (_, i) => '{{resolve:'.slice(0, i + 1));

/**
 * Refuses a dynamic reference (`{{resolve:secretsmanager:…}}`, `{{resolve:ssm-secure:…}}`,
 * `{{resolve:ssm:…}}`, written as text or joined from parts by `Fn::Join` or `Fn::Sub`) anywhere
 * in the template, and a template parameter of an SSM parameter type
 * (`AWS::SSM::Parameter::Value<…>`) by the parameter its `Default` (or, in a nested stack, what
 * its parent passes) names, unless that secret or parameter is the app's own: a `Ref` of (or, for a
 * secret, an ARN attribute of) one of its resources, as the CDK's `secret.secretValue` joins it;
 * one a stack this stack depends on names literally (see ownName); or one `aws.externalTargets` lists.
 * CloudFormation reads the value with the stack's identity (the execution role, shared by
 * environments of the account) and puts it where the template chose: a tag, an output, a
 * ConfigMap through cairn's bindings. Found in review, on moto: environment a's commit declaring a
 * parameter of that type naming b's SSM parameter was deployed, and a's own parameter held b's
 * value (moto leaves `{{resolve:…}}` as text; CloudFormation resolves it:
 * test/integration/cdk/grant-bounds.test.ts). Checked before any change set, in a plan and a
 * deploy, in nested templates too.
 */
export function assertReferencesInBounds(
  stackName: string,
  template: StackTemplate,
  bounds: ReferenceBounds,
  phase: 'plan' | 'apply-aws',
): void {
  const refuse = (what: string, which = "which is not this app's own") =>
    new CairnError(
      `${what}, ${which}: CloudFormation would read it with the stack's identity and put its value where the template chose`,
      {
        code: 'aws.out-of-bounds',
        phase,
        retryable: false,
        subject: `stack ${stackName}`,
        hint: "read only secrets and parameters of this app (the CDK's secretValue of its own Secret; valueForStringParameter of a parameter a stack of this app names, which this stack depends on), or list the name or ARN, as the template writes it, in the environment's aws.externalTargets",
      },
    );
  // A dynamic reference's start that only another value completes is read whole only as a literal
  // part of the Fn::Join or Fn::Sub that completes it; anywhere else (a mapping's value read by
  // Fn::FindInMap, a parameter's Default, an attribute's value, an Fn::Select by a parameter) the
  // reference is assembled where cairn cannot read what it names.
  const piece = (where: string) =>
    refuse(
      `${safeOutput(where, 200)} holds the start of a dynamic reference ({{resolve:…) that another value completes, where cairn cannot read it whole`,
      "so what it reads cannot be shown to be this app's own",
    );
  for (const { where, value, whole } of valuesOf(template.parsed, '')) {
    const written = textWithHoles(value, bounds.pseudo);
    if (!written) continue;
    if (!whole && OPENINGS.some((opening) => written.text.endsWith(opening))) throw piece(where);
    for (const [match, service, rest] of written.text.matchAll(
      /\{\{resolve:([^:}]*):?((?:(?!\}\}).)*)(\}\})?/gs,
    )) {
      // Unclosed and without a hole that may close it, it is a reference only in a value joining
      // this one to more (the CDK's literal part before its secret's Ref), read whole there.
      if (!match.endsWith('}}') && !match.includes('\0')) {
        if (whole) continue;
        throw piece(where);
      }
      const referenced = REFERENCED.get(service!);
      if (!referenced && !service!.includes('\0')) continue; // no service CloudFormation resolves
      const fields = rest!.split(':');
      const id = fields.slice(0, referenced && rest!.startsWith('arn:') ? referenced.arnFields : 1).join(':');
      const hole = /^\0(\d+)\0$/.exec(id);
      const kind = hole ? targetKind(template, written.holes[Number(hole[1])], bounds) : undefined;
      if (
        referenced &&
        (hole
          ? kind === 'listed' || kind === referenced.type || (referenced.what === 'secret' && kind === 'arn')
          : !id.includes('\0') && ownName(referenced.type, id, bounds))
      )
        continue;
      const named = hole ? JSON.stringify(written.holes[Number(hole[1])]) : id.replace(/\0\d+\0/g, '…');
      throw refuse(
        `${safeOutput(where, 200)} reads ${referenced?.what ?? 'a value'} ${safeOutput(named ?? '', 200)} by a dynamic reference ({{resolve:${safeOutput(service!.replace(/\0\d+\0/g, '…'), 50)}:…}})`,
      );
    }
  }
  const parameters = (template.parsed as { Parameters?: unknown } | undefined)?.Parameters;
  if (!parameters || typeof parameters !== 'object') return;
  for (const [name, parameter] of Object.entries(parameters as Record<string, unknown>)) {
    const type = (parameter as { Type?: unknown } | null)?.Type;
    if (typeof type !== 'string' || !SSM_PARAMETER_TYPE.test(type)) continue;
    const passed = bounds.passed && Object.hasOwn(bounds.passed, name);
    const value = passed ? bounds.passed![name] : (parameter as { Default?: unknown }).Default;
    // With no value CloudFormation reads nothing: it refuses the stack.
    if (value === undefined) continue;
    const kind = passed ? bounds.fromParent?.(name) : undefined;
    if (kind === 'aws::ssm::parameter' || kind === 'listed') continue;
    const text = literalText(value, bounds.pseudo);
    if (text !== undefined && ownName('aws::ssm::parameter', text, bounds)) continue;
    throw refuse(
      `Parameters.${safeOutput(name, 200)}.${passed ? 'Default (as the parent stack passes it)' : 'Default'} reads parameter ${safeOutput(text ?? JSON.stringify(value) ?? '', 200)} by its type ${safeOutput(type, 100)}`,
    );
  }
}
