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
  const defined =
    template.parsed === undefined
      ? /AWS::CloudFormation::Macro/.test(template.body)
        ? 'AWS::CloudFormation::Macro (a template that is not JSON, searched as text)'
        : undefined
      : resourcesOf(template)
          .filter(([, r]) => typeName(r) === 'aws::cloudformation::macro')
          .map(([id]) => `Resources.${id}`)[0];
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
 * The export names a template always makes (see declaredExports) whose value is a provider of its
 * own (see ownProvider): the CDK's cross-stack reference to a custom resource provider of another
 * stack of the app.
 */
export function providerExports(template: StackTemplate): string[] {
  return exportsWith(template, (value) => ownProvider(template, value, NO_PROVIDERS) || undefined).map(
    ([name]) => name,
  );
}

/**
 * The export names a template always makes (see declaredExports), each with what `read` makes of
 * its value, for those whose value it makes something of.
 */
export function exportsWith<T>(
  template: StackTemplate,
  read: (value: unknown) => T | undefined,
): [string, T][] {
  const outputs = (template.parsed as { Outputs?: unknown } | undefined)?.Outputs;
  if (!outputs || typeof outputs !== 'object') return [];
  const exported = new Set(declaredExports(template));
  return Object.values(outputs).flatMap((output: unknown): [string, T][] => {
    const o = output as { Value?: unknown; Export?: { Name?: unknown } } | null;
    const name = o?.Export?.Name;
    const made = typeof name === 'string' && exported.has(name) ? read(o?.Value) : undefined;
    return made === undefined ? [] : [[name as string, made]];
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
  return listed(name, allowed);
}

/** Whether a config list (exact names, or prefixes ending in `*`) holds `name`. */
export function listed(name: string, list: readonly string[]): boolean {
  return list.some((entry) => (entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry));
}

/**
 * Refuses a template cairn cannot read as JSON. Every check here reads the parsed template, and
 * a text search of YAML is no check: a double-quoted YAML string spells any key with escapes
 * (`"Fn::Import\x56alue"`), and CloudFormation reads it unescaped. Found in review, on moto: a
 * YAML template so spelled imported another environment's export into an output of its own past
 * assertImportsInBounds. The CDK writes JSON.
 */
export function assertJsonTemplate(
  stackName: string,
  template: StackTemplate,
  phase: 'plan' | 'apply-aws',
): void {
  const { parsed } = template;
  if (parsed && typeof parsed === 'object' && !Array.isArray(parsed)) return;
  throw new CairnError(
    `template is not JSON${parsed === undefined ? '' : ' of an object'}, so cairn cannot check what it would deploy`,
    {
      code: 'aws.template-invalid',
      phase,
      retryable: false,
      subject: `stack ${stackName}`,
      hint: 'synthesize the template as JSON (the CDK does): cairn deploys no YAML template',
    },
  );
}

/**
 * A resource's type as every check here compares it: without surrounding blanks, in lower case, so
 * that no spelling CloudFormation may accept gets past one check and not another; '' without one.
 */
export function typeName(resource: { Type?: unknown }): string {
  return typeof resource.Type === 'string' ? resource.Type.trim().toLowerCase() : '';
}

/** The `Resources` of a template read as JSON, by logical id; none for anything else. */
export function resourcesOf(template: StackTemplate): [string, { Type?: unknown; Properties?: unknown }][] {
  const resources = (template.parsed as { Resources?: unknown } | undefined)?.Resources;
  if (!resources || typeof resources !== 'object') return [];
  return Object.entries(resources).map(([id, r]) => [
    id,
    (r ?? {}) as { Type?: unknown; Properties?: unknown },
  ]);
}

/**
 * Types that are one setting of the whole account and region, not a resource of the stack's own.
 * The CDK's RestApi makes an `AWS::ApiGateway::Account` unless `cloudWatchRole: false`.
 */
const ACCOUNT_SETTINGS: ReadonlySet<string> = new Set([
  'aws::apigateway::account', // the role every REST API of the account logs with
  'aws::ecr::registrypolicy', // who may replicate or pull into every repository
  'aws::ecr::replicationconfiguration', // where every repository's images are copied
  'aws::ecr::registryscanningconfiguration',
  'aws::ecr::pullthroughcacherule',
  'aws::logs::accountpolicy', // data protection, subscription and field indexes of every log group
  'aws::logs::resourcepolicy', // which services may write to which log groups, any environment's
  'aws::ec2::snapshotblockpublicaccess',
  'aws::ec2::vpcblockpublicaccessoptions',
  'aws::s3::accessgrantsinstance', // the account's one S3 Access Grants instance
  'aws::s3::storagelens', // a dashboard of every bucket of the account
]);

/**
 * Why a resource of type `t` (as typeName gives it) reaches past the environment's own stacks, or
 * undefined when it does not.
 * A macro's definition is decided by assertNoMacroDefinitions, a nested stack by its TemplateURL.
 */
function accountWide(t: string): string | undefined {
  if (
    /^aws::cloudformation::(\w*hook\w*|typeactivation|resourceversion|resourcedefaultversion|moduleversion|moduledefaultversion|publictypeversion|publisher)$/.test(
      t,
    )
  )
    return "changes the account's CloudFormation registry or hooks, which act on every stack of the account and region (another environment's deploys included)";
  if (t === 'aws::cloudformation::stackset')
    return "deploys a template of its own as stacks outside this stack (other accounts and regions included), past cairn's checks and the environment's execution role";
  if (t.startsWith('aws::servicecatalog::'))
    return "is Service Catalog, which provisions products' templates with their launch roles, past cairn's checks and the environment's execution role";
  const service = /^aws::(\w+)::/.exec(t)?.[1];
  if (service === 'config')
    return "is AWS Config, whose recorders, rules, remediations and aggregators watch or act on every resource of the account (another environment's included)";
  if (service && ['organizations', 'ram', 'sso', 'controltower', 'fms'].includes(service))
    return 'changes the organization or shares resources with other accounts (Organizations, RAM, IAM Identity Center, Control Tower, Firewall Manager), past the account';
  if (service === 'cloudtrail')
    return "is CloudTrail, whose trails and event data stores record every environment's API calls of the account";
  if (
    service &&
    ['guardduty', 'securityhub', 'macie', 'detective', 'inspector', 'inspectorv2', 'accessanalyzer'].includes(
      service,
    )
  )
    return 'is a security service of the account (GuardDuty, Security Hub, Macie, Detective, Inspector, Access Analyzer): one per account and region, whose findings and suppressions cover every environment';
  if (ACCOUNT_SETTINGS.has(t))
    return "is a setting of the whole account and region, which every environment's resources of the service share";
  if (!t.startsWith('aws::') && !t.startsWith('custom::'))
    return "is a registry type (private, third-party or a module) registered for the whole account: its handler acts with the type's own role, or its module's template is expanded past cairn's checks";
  return undefined;
}

/**
 * Refuses a template declaring a resource whose effect is account-wide or lands outside the
 * environment's own stacks (see accountWide) unless the environment's `aws.resourceTypes` lists its
 * type (an exact name, or a prefix ending in `*`): hooks and the registry act on every stack
 * operation of the account (a hook can fail or read another environment's deploys), a StackSet or
 * Service Catalog product deploys a template no check here sees, with a role that is not the
 * environment's, and a registry type's handler acts with its own role on properties the template
 * chooses. Found in review: cairn sent each such template in a change set (moto through the
 * recording proxy; moto does not implement these types). The same class as a macro's definition
 * (assertNoMacroDefinitions). Checked before any change set, in a plan and a deploy.
 */
export function assertResourceTypesInBounds(
  stackName: string,
  template: StackTemplate,
  allowed: readonly string[],
  phase: 'plan' | 'apply-aws',
): void {
  for (const [id, resource] of resourcesOf(template)) {
    // A resource without a type is CloudFormation's to refuse (and a new stack's plan's: templateAdds).
    const type = typeof resource.Type === 'string' ? resource.Type : '';
    const why = type ? accountWide(typeName(resource)) : undefined;
    if (!why || listed(type, allowed)) continue;
    throw new CairnError(
      `Resources.${safeOutput(id, 200)} (${safeOutput(type, 200)}) ${why}: an environment deploys only into its own stacks`,
      {
        code: 'aws.out-of-bounds',
        phase,
        retryable: false,
        subject: `stack ${stackName}`,
        hint:
          typeName(resource) === 'aws::apigateway::account'
            ? "the CDK's RestApi declares it for cloudWatchRole (the default before @aws-cdk/aws-apigateway:disableCloudWatchRole): pass cloudWatchRole: false and set the account's API Gateway logging role outside cairn, or list AWS::ApiGateway::Account in the aws.resourceTypes of an environment trusted with the account's setting"
            : 'declare account-wide resources outside cairn, or list the type in the aws.resourceTypes of an environment trusted with the whole account and region',
      },
    );
  }
}

/** What decides whether a custom resource's `ServiceToken` is the environment's own provider. */
export interface ProviderBounds {
  /** `aws.serviceTokens`: providers from outside the app, exact ARNs or prefixes ending in `*`. */
  readonly listed: readonly string[];
  /** The pseudo parameters' values, for a listed ARN written with `Fn::Sub` or `Fn::Join`. */
  readonly pseudo: Readonly<Record<string, string>>;
  /**
   * Exports of the app's stacks this stack depends on whose value is their own provider (see
   * providerExports), which an `Fn::ImportValue` may name.
   */
  readonly imported?: ReadonlySet<string>;
  /**
   * For a nested stack: whether the parent passes its own provider as the parameter named, so
   * that a `Ref` to it is one (the CDK's NestedStack passes its parent's providers so).
   */
  readonly fromParent?: (parameter: string) => boolean;
}

/** The types whose `Arn` is a function of the template's own (SAM's, under a macro, becomes the first). */
const LAMBDA_FUNCTIONS: ReadonlySet<string> = new Set(['AWS::Lambda::Function', 'AWS::Serverless::Function']);

/** Bounds that admit only a template's own Lambda functions and SNS topics. */
const NO_PROVIDERS: ProviderBounds = { listed: [], pseudo: {} };

/**
 * Whether `token` names a provider of `template`'s own: an `Fn::GetAtt` of the `Arn` of one of its
 * Lambda functions or a `Ref` to one of its SNS topics (the CDK's providers), a `Ref` to a parameter
 * the parent stack passes its own provider as, an import of a provider another stack of the app
 * exports (as the CDK shares a provider between stacks), or an ARN the environment lists. Not an
 * alias or version (either may be made of another's function), nor an attribute of any other
 * resource (a custom resource answers what its provider likes), nor a parameter's default.
 */
export function ownProvider(template: StackTemplate, token: unknown, bounds: ProviderBounds): boolean {
  const types = new Map(resourcesOf(template).map(([id, r]) => [id, r.Type]));
  if (token && typeof token === 'object' && !Array.isArray(token) && Object.keys(token).length === 1) {
    const [[fn, arg]] = Object.entries(token) as [[string, unknown]];
    const getAtt = typeof arg === 'string' ? arg.split('.') : arg;
    if (fn === 'Fn::GetAtt' && Array.isArray(getAtt) && getAtt.length === 2 && getAtt[1] === 'Arn')
      return LAMBDA_FUNCTIONS.has(String(types.get(String(getAtt[0]))));
    if (fn === 'Fn::ImportValue') return typeof arg === 'string' && (bounds.imported?.has(arg) ?? false);
    if (fn === 'Ref' && typeof arg === 'string') {
      if (types.get(arg) === 'AWS::SNS::Topic') return true;
      const parameters = (template.parsed as { Parameters?: unknown } | undefined)?.Parameters;
      if (parameters && typeof parameters === 'object' && Object.hasOwn(parameters, arg))
        return bounds.fromParent?.(arg) ?? false;
    }
  }
  const text = literalText(token, bounds.pseudo);
  return text !== undefined && listed(text, bounds.listed);
}

/**
 * Refuses a custom resource (`Custom::*`, `AWS::CloudFormation::CustomResource`) whose
 * `ServiceToken` is not one of the stack's own providers or one the environment lists
 * (`aws.serviceTokens`; see ownProvider). CloudFormation sends the provider the properties the
 * template chooses, and the provider acts with its own role: found in review (moto through the
 * recording proxy), a stack's custom resource named another environment's provider function by
 * its ARN, or by an attribute its own custom resource answered, and cairn sent it in a change set.
 * Checked before any change set, in a plan and a deploy.
 */
export function assertProvidersInBounds(
  stackName: string,
  template: StackTemplate,
  bounds: ProviderBounds,
  phase: 'plan' | 'apply-aws',
): void {
  for (const [id, resource] of resourcesOf(template)) {
    const type = typeName(resource);
    if (!type.startsWith('custom::') && type !== 'aws::cloudformation::customresource') continue;
    const token = (resource.Properties as { ServiceToken?: unknown } | undefined)?.ServiceToken;
    if (ownProvider(template, token, bounds)) continue;
    throw new CairnError(
      `Resources.${safeOutput(id, 200)}.Properties.ServiceToken is not a provider of this stack's own: CloudFormation would call it with this template's properties, and it acts with its own role`,
      {
        code: 'aws.out-of-bounds',
        phase,
        retryable: false,
        subject: `stack ${stackName}`,
        hint: "point ServiceToken at a Lambda function (Fn::GetAtt Arn) or SNS topic (Ref) of the same stack, as the CDK's providers do, or list a shared provider's ARN in the environment's aws.serviceTokens",
      },
    );
  }
}

/**
 * A nested stack a template declares: its path for messages, its `TemplateURL` and the
 * `Parameters` it is passed, as written.
 */
export interface NestedStack {
  readonly logicalId: string;
  readonly path: string;
  readonly templateUrl: unknown;
  readonly parameters: Readonly<Record<string, unknown>>;
}

/** Every nested stack (`AWS::CloudFormation::Stack`) a template declares. */
export function nestedStacks(template: StackTemplate): NestedStack[] {
  return resourcesOf(template).flatMap(([id, r]) => {
    if (typeName(r) !== 'aws::cloudformation::stack') return [];
    const properties = r.Properties as { TemplateURL?: unknown; Parameters?: unknown } | undefined;
    const parameters = properties?.Parameters;
    return [
      {
        logicalId: id,
        path: `Resources.${id}.Properties.TemplateURL`,
        templateUrl: properties?.TemplateURL,
        parameters:
          parameters && typeof parameters === 'object' ? (parameters as Record<string, unknown>) : {},
      },
    ];
  });
}

/**
 * Whether an object is written with an intrinsic function (`Ref`, `Fn::If`, ...), whose result
 * cairn cannot read into before CloudFormation does: the checks then judge it whole. An
 * `Fn::Transform` beside plain keys is not one: what a macro returns is not checked (an environment
 * runs macros only where `aws.capabilities` lists `CAPABILITY_AUTO_EXPAND`; elsewhere the template
 * is refused first, see assertNoMacros), and the keys written beside it are read as they are.
 * Found in CI: read whole, every queue and function of a template calling a macro the environment
 * may run was refused as "not a resource of this app".
 */
export function writtenWhole(value: unknown): boolean {
  return (
    !!value &&
    typeof value === 'object' &&
    !Array.isArray(value) &&
    Object.keys(value).some((key) => key === 'Ref' || (key.startsWith('Fn::') && key !== 'Fn::Transform'))
  );
}

/**
 * The text a `TemplateURL` comes to, given the pseudo parameters' values (`AWS::Region`,
 * `AWS::URLSuffix`, …): a string, an `Fn::Join` of such, a `Ref` to a pseudo parameter, an
 * `Fn::Sub` of a string naming only pseudo parameters, an `Fn::Select` of a list of such or of an
 * `Fn::Split` of one. Undefined for anything else (a parameter,
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
  if (fn === 'Fn::Select') {
    // The CDK takes an ARN apart this way (an ECS task definition's family, a state machine's name).
    if (!Array.isArray(arg) || arg.length !== 2 || !/^\d+$/.test(String(arg[0]))) return undefined;
    const split = (arg[1] as { 'Fn::Split'?: unknown } | null)?.['Fn::Split'];
    const list = Array.isArray(arg[1])
      ? (arg[1] as unknown[]).map((item) => literalText(item, pseudo))
      : Array.isArray(split) && split.length === 2 && typeof split[0] === 'string' && split[0] !== ''
        ? literalText(split[1], pseudo)?.split(split[0])
        : undefined;
    return list?.[Number(arg[0])];
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
