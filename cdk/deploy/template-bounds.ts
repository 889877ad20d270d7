import { CairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';

/**
 * A stack's template as cairn read it from the assembly: the text CloudFormation is sent, and its
 * JSON, parsed once for every check and reading of it (the macro check, a new stack's plan).
 */
export interface StackTemplate {
  readonly body: string;
  /** The parsed JSON; undefined for a template that is not JSON (the CDK writes JSON; CloudFormation also reads YAML). */
  readonly parsed: unknown;
}

/** The template `body`, parsed once. */
export function stackTemplate(body: string): StackTemplate {
  try {
    return { body, parsed: JSON.parse(body) as unknown };
  } catch {
    return { body, parsed: undefined };
  }
}

/**
 * Where a template calls a macro, as a path for messages (`Transform`, or the path of an
 * `Fn::Transform`), or undefined when it calls none. A template that is not JSON is searched as
 * text, so any mention of a transform counts.
 */
function macroCall(template: StackTemplate): string | undefined {
  const { parsed } = template;
  if (parsed === undefined)
    return /Transform/.test(template.body)
      ? 'Transform (a template that is not JSON, searched as text)'
      : undefined;
  if (parsed && typeof parsed === 'object' && 'Transform' in parsed) return 'Transform';
  const pending: { node: unknown; path: string }[] = [{ node: parsed, path: '' }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (!item.node || typeof item.node !== 'object') continue;
    for (const [key, value] of Object.entries(item.node)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (key === 'Fn::Transform') return path;
      pending.push({ node: value, path });
    }
  }
  return undefined;
}

/**
 * Refuses a template that calls a CloudFormation macro (a top-level `Transform`, `AWS::Include`
 * and `AWS::Serverless` among them, or an `Fn::Transform` anywhere) unless `allowed`: the
 * environment lists CAPABILITY_AUTO_EXPAND and this is a deploy, never a plan. CloudFormation runs
 * macros when it creates a change set whatever the capabilities sent ("this capability doesn't
 * apply to creating change sets", the API reference says), so leaving the capability out of a
 * change set keeps no macro from running: found in review, a pull request's plan had CloudFormation
 * invoke any macro of the account (another environment's Lambda, with the request's input) and
 * read S3 objects for `AWS::Include` with the deploy identity. cairn decides it here, before any
 * change set is created.
 */
export function assertNoMacros(
  stackName: string,
  template: StackTemplate,
  allowed: boolean,
  phase: 'plan' | 'apply-aws',
): void {
  if (allowed) return;
  const where = macroCall(template);
  if (!where) return;
  throw new CairnError(
    `template calls a CloudFormation macro (${safeOutput(where, 200)}), which ${phase === 'plan' ? 'a plan never runs' : 'this environment does not allow'}`,
    {
      code: 'aws.macro-refused',
      phase,
      retryable: false,
      subject: `stack ${stackName}`,
      hint:
        phase === 'plan'
          ? 'CloudFormation runs macros while it makes a change set, so no plan is made of a template with a Transform; an apply runs it when aws.capabilities lists CAPABILITY_AUTO_EXPAND'
          : 'list CAPABILITY_AUTO_EXPAND in aws.capabilities to let this environment run macros, or remove the Transform',
    },
  );
}

/**
 * Refuses a template that defines a CloudFormation macro (an `AWS::CloudFormation::Macro`
 * resource) unless the environment is trusted with macros (`aws.capabilities` lists
 * CAPABILITY_AUTO_EXPAND), in a plan as in an apply. A macro's name is shared by the whole account
 * and region, and every template that calls it is handed to its Lambda and deployed as that
 * Lambda returns it: an environment could define, before another environment that allows macros
 * first calls it, a name that environment's templates use, and then rewrite what it deploys with
 * its own execution role. Defining one needs no capability, so only this check keeps it to the
 * environments already trusted with macros.
 */
export function assertNoMacroDefinitions(
  stackName: string,
  template: StackTemplate,
  trusted: boolean,
  phase: 'plan' | 'apply-aws',
): void {
  if (trusted) return;
  const resources = (template.parsed as { Resources?: unknown } | undefined)?.Resources;
  const defined =
    template.parsed === undefined
      ? /AWS::CloudFormation::Macro/.test(template.body)
        ? 'AWS::CloudFormation::Macro (a template that is not JSON, searched as text)'
        : undefined
      : resources && typeof resources === 'object'
        ? Object.entries(resources)
            .filter(([, r]) => (r as { Type?: unknown } | null)?.Type === 'AWS::CloudFormation::Macro')
            .map(([id]) => `Resources.${id}`)[0]
        : undefined;
  if (!defined) return;
  throw new CairnError(
    `template defines a CloudFormation macro (${safeOutput(defined, 200)}), which this environment is not trusted with: a macro's name is shared by the account and region`,
    {
      code: 'aws.macro-refused',
      phase,
      retryable: false,
      subject: `stack ${stackName}`,
      hint: 'define macros only in an environment whose aws.capabilities lists CAPABILITY_AUTO_EXPAND, or outside cairn',
    },
  );
}

/**
 * The export names a template always makes: `Outputs.<key>.Export.Name` as literal text (as the
 * CDK writes them), of outputs without a `Condition` (one that is false makes no export, and the
 * name would then import whatever else the account exports under it).
 */
export function declaredExports(template: StackTemplate): string[] {
  const outputs = (template.parsed as { Outputs?: unknown } | undefined)?.Outputs;
  if (!outputs || typeof outputs !== 'object') return [];
  return Object.values(outputs).flatMap((output: unknown) => {
    const o = output as { Condition?: unknown; Export?: { Name?: unknown } } | null;
    const name = o?.Export?.Name;
    return typeof name === 'string' && o?.Condition === undefined ? [name] : [];
  });
}

/**
 * Where a template imports something other than one of `own` exports, and why, or undefined when
 * it does not. A template that is not JSON is searched as text, so any mention of an import counts.
 */
function foreignImport(
  template: StackTemplate,
  own: ReadonlySet<string>,
  allowed: readonly string[],
): { readonly path: string; readonly why: string } | undefined {
  const { parsed } = template;
  if (parsed === undefined)
    return /ImportValue/.test(template.body)
      ? { path: 'Fn::ImportValue (a template that is not JSON, searched as text)', why: 'cannot be checked' }
      : undefined;
  const pending: { node: unknown; path: string }[] = [{ node: parsed, path: '' }];
  for (let item = pending.pop(); item; item = pending.pop()) {
    if (!item.node || typeof item.node !== 'object') continue;
    for (const [key, value] of Object.entries(item.node)) {
      const path = item.path ? `${item.path}.${key}` : key;
      if (key === 'Fn::ImportValue') {
        if (typeof value !== 'string') return { path, why: 'is not a literal export name' };
        if (!own.has(value) && !allowedImport(value, allowed))
          return { path, why: "is neither an export of this app's stacks nor listed in aws.imports" };
        continue;
      }
      pending.push({ node: value, path });
    }
  }
  return undefined;
}

/**
 * Refuses a template that imports (`Fn::ImportValue`) anything but `own`: the exports that stacks
 * of the commit's own app it depends on always make (see importableExports). CloudFormation resolves an import against every export of the account and region, with
 * no IAM check, so no role given to the environment keeps its template from another environment's
 * exports: found in review, on moto, environment a's stack put environment b's exported value into
 * an output of its own, which a's manifests could then bind (`${aws:…}`, which binds only a's own
 * stacks), and on CloudFormation an export in use can be neither changed nor removed, nor its stack
 * deleted, so the import would also pin b's stack. The CDK's cross-stack references import exports
 * of the same app by literal name, and pass. Checked before any change set, in a plan and a deploy.
 */
export function assertImportsInBounds(
  stackName: string,
  template: StackTemplate,
  own: ReadonlySet<string>,
  allowed: readonly string[],
  phase: 'plan' | 'apply-aws',
): void {
  const found = foreignImport(template, own, allowed);
  if (!found) return;
  throw new CairnError(
    `template imports a value (${safeOutput(found.path, 200)}) that ${found.why}: an environment imports only what its own app exports`,
    {
      code: 'aws.out-of-bounds',
      phase,
      retryable: false,
      subject: `stack ${stackName}`,
      hint: "import only exports of this app's own stacks, named literally (the CDK's cross-stack references do), or list an export from outside the app (a platform team's) in the environment's aws.imports",
    },
  );
}

/**
 * Whether the config lets an environment import `name` from outside its app (`aws.imports`): an
 * exact name, or a prefix ending in `*`. Decided here only.
 */
export function allowedImport(name: string, allowed: readonly string[]): boolean {
  return allowed.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry,
  );
}

/** A nested stack a template declares: its path for messages, and its `TemplateURL` as written. */
export interface NestedStack {
  readonly path: string;
  readonly templateUrl: unknown;
}

/** Every nested stack (`AWS::CloudFormation::Stack`) a template declares. */
export function nestedStacks(template: StackTemplate): NestedStack[] {
  const resources = (template.parsed as { Resources?: unknown } | undefined)?.Resources;
  if (!resources || typeof resources !== 'object') return [];
  return Object.entries(resources).flatMap(([id, resource]: [string, unknown]) => {
    const r = resource as { Type?: unknown; Properties?: { TemplateURL?: unknown } } | null;
    if (r?.Type !== 'AWS::CloudFormation::Stack') return [];
    return [{ path: `Resources.${id}.Properties.TemplateURL`, templateUrl: r.Properties?.TemplateURL }];
  });
}

/**
 * The text a `TemplateURL` comes to, given the pseudo parameters' values (`AWS::Region`,
 * `AWS::URLSuffix`, …): a string, an `Fn::Join` of such, a `Ref` to a pseudo parameter, an
 * `Fn::Sub` of a string naming only pseudo parameters. Undefined for anything else (a parameter,
 * a resource attribute), whose value cairn cannot know before CloudFormation does.
 */
export function literalText(value: unknown, pseudo: Readonly<Record<string, string>>): string | undefined {
  if (typeof value === 'string') return value;
  if (!value || typeof value !== 'object' || Array.isArray(value)) return undefined;
  const entries = Object.entries(value);
  if (entries.length !== 1) return undefined;
  const [fn, arg] = entries[0]!;
  if (fn === 'Ref') return typeof arg === 'string' ? pseudo[arg] : undefined;
  if (fn === 'Fn::Sub') {
    if (typeof arg !== 'string') return undefined;
    let unknown = false;
    const text = arg.replace(/\$\{([^}]*)\}/g, (_, name: string) => {
      const known = pseudo[name];
      if (known === undefined) unknown = true;
      return known ?? '';
    });
    return unknown ? undefined : text;
  }
  if (fn === 'Fn::Join') {
    if (!Array.isArray(arg) || typeof arg[0] !== 'string' || !Array.isArray(arg[1])) return undefined;
    const parts = (arg[1] as unknown[]).map((part) => literalText(part, pseudo));
    return parts.every((p) => p !== undefined) ? parts.join(arg[0]) : undefined;
  }
  return undefined;
}

/**
 * The bucket and key of an S3 object URL, path style (`https://s3.<region>.<suffix>/<bucket>/<key>`)
 * or virtual-hosted (`https://<bucket>.s3.<region>.<suffix>/<key>`), on AWS's own domains; undefined
 * for anything else.
 */
export function s3Object(url: string): { readonly bucket: string; readonly key: string } | undefined {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== 'https:' || parsed.search || parsed.hash || parsed.port) return undefined;
  if (!/\.amazonaws\.com(\.cn)?$/.test(parsed.hostname)) return undefined;
  const path = decodeURIComponent(parsed.pathname.replace(/^\//, ''));
  if (/^s3[.-]/.test(parsed.hostname)) {
    const slash = path.indexOf('/');
    return slash > 0 ? { bucket: path.slice(0, slash), key: path.slice(slash + 1) } : undefined;
  }
  const hosted = /^(.+)\.s3[.-]/.exec(parsed.hostname);
  return hosted && path ? { bucket: hosted[1]!, key: path } : undefined;
}
