import { CairnError } from '../model/errors';
import { maskSecrets } from '../model/secret-mask';

import type { InputTransform } from './render/types';
import type { Manifest } from './types';

export type { InputTransform };

/** One `${aws:<stackName>.<OutputKey>}` found in a file: where it is and what it names. */
export interface BindingRef {
  readonly file: string;
  /** 1-based line of the reference in the file. */
  readonly line: number;
  readonly stackName: string;
  readonly outputKey: string;
}

/** The outputs of the stacks a commit's manifests name: stack name → output key → value. */
export type StackOutputs = ReadonlyMap<string, ReadonlyMap<string, string>>;

/** What a value the plan cannot know yet reads as, in the plan and in its server dry runs. */
export const KNOWN_AFTER_APPLY = '(known after apply)';

/**
 * What a value bound into a Secret reads as wherever a plan shows it (the binding, the Secret's
 * diff): the Secret is there to keep it, and a plan is printed, handed between replicas and read
 * by anyone with access to a CI log.
 */
export const SECRET_VALUE = '(secret)';

// `$${aws:…}` is the escape (kept as the literal `${aws:…}`); any other `$${` is left alone, so no
// manifest without bindings changes meaning. Stack names are CloudFormation's, output keys alphanumeric.
const REFERENCE = /(\$?)\$\{aws:([A-Za-z][A-Za-z0-9-]{0,127})\.([A-Za-z0-9]{1,255})\}/g;

/** The key a reference is written with: `<stackName>.<OutputKey>`. */
export function bindingKey(ref: Pick<BindingRef, 'stackName' | 'outputKey'>): string {
  return `${ref.stackName}.${ref.outputKey}`;
}

/** Every reference in a file's text, escapes left out, in order. */
export function findBindings(file: string, text: string): BindingRef[] {
  const refs: BindingRef[] = [];
  for (const m of text.matchAll(REFERENCE)) {
    if (m[1] === '$') continue;
    refs.push({ file, line: lineAt(text, m.index), stackName: m[2]!, outputKey: m[3]! });
  }
  return refs;
}

/**
 * The transform that puts each referenced output's value in place of its reference (and turns the
 * escape `$${aws:` into `${aws:`). `valueOf` answers a reference's value, or undefined when the
 * stack or output does not exist, which throws a terminal `aws.output-missing` naming file, line and key.
 */
export function bindingTransform(valueOf: (ref: BindingRef) => string | undefined): InputTransform {
  return (file, text) => {
    if (!text.includes('{aws:')) return text;
    return text.replace(
      REFERENCE,
      (whole, escape: string, stackName: string, outputKey: string, at: number) => {
        if (escape === '$') return whole.slice(1);
        const ref: BindingRef = { file, line: lineAt(text, at), stackName, outputKey };
        const value = valueOf(ref);
        if (value === undefined) throw outputMissing(ref, 'the stack or the output does not exist');
        // A line break would let a value add YAML structure (keys, documents) to the manifest.
        if (/[\r\n]/.test(value))
          throw outputMissing(ref, 'its value spans lines, which a manifest cannot take');
        return value;
      },
    );
  };
}

/** The transform over known outputs: a value from `outputs`, or undefined (missing). */
export function outputsTransform(outputs: StackOutputs): InputTransform {
  return bindingTransform((ref) => outputs.get(ref.stackName)?.get(ref.outputKey));
}

/** The terminal failure of a reference that cannot be bound. */
export function outputMissing(ref: BindingRef, why: string): CairnError {
  return new CairnError(`\${aws:${bindingKey(ref)}} cannot be bound: ${why}`, {
    code: 'aws.output-missing',
    phase: 'plan',
    subject: `${ref.file}:${ref.line}`,
    hint: `declare the output ${ref.outputKey} on stack ${ref.stackName} of this environment's CDK app (CfnOutput), or fix the reference; write $\${aws:…} for a literal`,
  });
}

/** A value as it may be shown (plan, log): masked like any text a repository produced. */
export function shownValue(value: string): string {
  return maskSecrets(value);
}

/**
 * The values among `values` that land in a Secret of `manifests`: anywhere in it (a key, a label,
 * `stringData`) or in one of its `data` values once decoded, so a value a chart base64-encodes is
 * found too. A value that a Secret merely happens to contain counts as well: hiding it costs
 * nothing, showing it would publish the Secret's text.
 */
export function valuesInSecrets(
  manifests: readonly Manifest[],
  values: Iterable<string>,
): ReadonlySet<string> {
  const texts: string[] = [];
  for (const { object } of manifests) if (object.kind === 'Secret') texts.push(...secretTexts(object));
  const found = new Set<string>();
  if (texts.length === 0) return found;
  for (const value of values) if (texts.some((t) => t.includes(value))) found.add(value);
  return found;
}

/**
 * Every string of a Secret (keys, values, numbers as written), and its `data` values decoded.
 * Its apiVersion and kind are left out: a short value such as `1` would match `v1` in every Secret.
 */
function secretTexts(object: Manifest['object']): string[] {
  const out: string[] = [];
  const { apiVersion: _apiVersion, kind: _kind, ...rest } = object;
  const stack: unknown[] = [rest];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node === 'string') out.push(node);
    else if (typeof node === 'number' || typeof node === 'boolean') out.push(String(node));
    else if (Array.isArray(node)) stack.push(...node);
    else if (node !== null && typeof node === 'object')
      for (const [key, child] of Object.entries(node)) stack.push(key, child);
  }
  const data = object.data;
  if (data && typeof data === 'object')
    for (const v of Object.values(data))
      if (typeof v === 'string') out.push(Buffer.from(v, 'base64').toString('utf8'));
  return out;
}

function lineAt(text: string, index: number): number {
  let line = 1;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) line++;
  return line;
}
