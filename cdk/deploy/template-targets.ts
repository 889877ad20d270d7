import { CairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import { INSTANCE_PROFILE_PROPERTIES, ROLE_PROPERTIES } from './role-properties.generated';
import {
  exportsWith,
  listed,
  literalText,
  resourcesOf,
  typeName,
  type StackTemplate,
  writtenWhole,
} from './template-bounds';

// Resources that attach to, or change, a resource a property names rather than one they create (a
// bucket policy, a policy on a role, a Lambda permission, a subscription): the property must name
// the environment's own. The template checks of template-bounds.ts run beside this one.

/**
 * What a value names of the app's own, as targetKind reads it: `arn` for the ARN of one of its
 * resources (an ARN names one resource of one type), the type (as typeName gives it) of the
 * resource whose name or id it is (a name is unique only among resources of one type: an SSM
 * parameter of the app's may be named like another environment's role), or `listed` for what
 * `aws.externalTargets` lists.
 */
export type TargetKind = string;

/** What decides whether a property naming an existing resource names one of the environment's own. */
export interface TargetBounds {
  /** `aws.externalTargets`: resources from outside the app, exact names or ARNs, or prefixes ending in `*`. */
  readonly listed: readonly string[];
  /** The pseudo parameters' values, for a listed ARN written with `Fn::Sub` or `Fn::Join`. */
  readonly pseudo: Readonly<Record<string, string>>;
  /** Exports of the app's stacks this stack depends on that name their own resource, by name (see targetExports). */
  readonly imported?: ReadonlyMap<string, TargetKind>;
  /** For a nested stack: what of its own the parent passes as the parameter named. */
  readonly fromParent?: (parameter: string) => TargetKind | undefined;
  /** For a nested stack: the values its parent passes to its parameters, as the parent writes them. */
  readonly passed?: Readonly<Record<string, unknown>>;
  /** What of its own output `output` of the template's nested stack `logicalId` names. */
  readonly nestedOutput?: (logicalId: string, output: string) => TargetKind | undefined;
}

/** Bounds that admit only a template's own resources. */
const NO_TARGETS: TargetBounds = { listed: [], pseudo: {} };

/** The attributes that are the ARN of the resource they are read of. */
const ARN_ATTRIBUTE = /^\w*Arn$/;

/**
 * The attributes that are a name, id or URL of the resource they are read of. Not one that echoes
 * a property the template chose (an SSM parameter's `Value`), nor a nested stack's outputs.
 */
const NAMING_ATTRIBUTE = /^\w*(Name|Id|Url)$/;

/**
 * ARNs the CDK writes as an `Fn::Join` of a literal prefix and a `Ref` of a resource of the type,
 * for types with no ARN attribute (a log group as a rule's target, a pipeline): the prefix each
 * type's ARN has, so that only that type's `Ref` completes it.
 */
const JOINED_ARNS: ReadonlyMap<string, RegExp> = new Map([
  ['aws::logs::loggroup', /^arn:[\w-]+:logs:[\w-]+:\d{12}:log-group:$/],
  ['aws::codepipeline::pipeline', /^arn:[\w-]+:codepipeline:[\w-]+:\d{12}:$/],
]);

/**
 * What `value` names of the environment's own (see TargetKind), or undefined: a `Ref` to, or an
 * `Fn::GetAtt` of an ARN, name, id or URL of, a resource of the same template (not a custom
 * resource, which answers what its provider likes, nor a nested stack, unless its output is read
 * the same way); an ARN joined from its type's prefix and such a `Ref` (JOINED_ARNS); a parameter
 * the parent stack passes such a value as (the CDK's NestedStack); an import of such a value
 * another stack of the app exports (the CDK's cross-stack references); or a name or ARN the
 * environment lists. A resource of the template that itself attaches to another is held to this
 * by assertTargetsInBounds, so naming it is naming the environment's own.
 */
export function targetKind(
  template: StackTemplate,
  value: unknown,
  bounds: TargetBounds,
): TargetKind | undefined {
  const types = new Map(resourcesOf(template).map(([id, r]) => [id, typeName(r)]));
  const made = (id: string) => {
    const type = types.get(id);
    const own =
      type !== undefined &&
      type !== 'aws::cloudformation::stack' &&
      type !== 'aws::cloudformation::customresource' &&
      !type.startsWith('custom::');
    return own ? type : undefined;
  };
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const [[fn, arg]] = Object.entries(value) as [[string, unknown]];
    if (fn === 'Ref' && typeof arg === 'string') {
      if (made(arg)) return made(arg);
      const parameters = (template.parsed as { Parameters?: unknown } | undefined)?.Parameters;
      if (parameters && typeof parameters === 'object' && Object.hasOwn(parameters, arg))
        return bounds.fromParent?.(arg);
    }
    if (fn === 'Fn::GetAtt') {
      const getAtt = typeof arg === 'string' ? arg.split(/\.(.*)/s).slice(0, 2) : arg;
      if (Array.isArray(getAtt) && getAtt.length === 2 && typeof getAtt[1] === 'string') {
        const [id, attribute] = [String(getAtt[0]), getAtt[1]];
        const type = made(id);
        if (type)
          return ARN_ATTRIBUTE.test(attribute) ? 'arn' : NAMING_ATTRIBUTE.test(attribute) ? type : undefined;
        const output = /^Outputs\.(.+)$/s.exec(attribute)?.[1];
        if (types.get(id) === 'aws::cloudformation::stack' && output !== undefined)
          return bounds.nestedOutput?.(id, output);
      }
    }
    if (fn === 'Fn::ImportValue') return typeof arg === 'string' ? bounds.imported?.get(arg) : undefined;
    if (
      fn === 'Fn::Join' &&
      Array.isArray(arg) &&
      arg[0] === '' &&
      Array.isArray(arg[1]) &&
      arg[1].length > 1
    ) {
      const parts = arg[1] as unknown[];
      const last = parts[parts.length - 1] as { Ref?: unknown } | null;
      const type = typeof last?.Ref === 'string' ? made(last.Ref) : undefined;
      const prefix = literalText({ 'Fn::Join': ['', parts.slice(0, -1)] }, bounds.pseudo);
      if (type && prefix !== undefined && JOINED_ARNS.get(type)?.test(prefix)) return 'arn';
    }
  }
  const text = literalText(value, bounds.pseudo);
  return text !== undefined && listed(text, bounds.listed) ? 'listed' : undefined;
}

/**
 * The export names a template always makes (see declaredExports) whose value names a resource of
 * its own (see targetKind), with what it names: the CDK's cross-stack reference to a bucket,
 * queue, role or function.
 */
export function targetExports(template: StackTemplate): [string, TargetKind][] {
  return exportsWith(template, (value) => targetKind(template, value, NO_TARGETS));
}

/**
 * A property of a type that names an existing resource the resource attaches to or changes,
 * rather than one it creates: a path of property names, `[]` for each item of a list, `{}` for
 * each value of a map (a list or map that is not written as one, an `Fn::If` or a parameter, is
 * checked as one value, so only a listed name passes), and the types whose name or id (a `Ref`, or
 * a naming attribute) it takes; an ARN of the app's own always fits. `when` limits a path to
 * resources whose properties it accepts. `actsAs` marks a role (or instance profile) the service
 * acts as, where a role AWS keeps (AWS_KEPT_ROLE) fits too.
 */
interface TargetProperty {
  readonly path: string;
  readonly names: readonly string[];
  readonly when?: (properties: Record<string, unknown>) => boolean;
  readonly actsAs?: true;
}

/**
 * Values a property taking a role may name that are no environment's: a service-linked role
 * (`role/aws-service-role/...`: created and defined by AWS for one service, trusted by that service
 * only, one per account for all environments; customers cannot create roles under that path, so
 * an environment's own role is never one), and API Gateway's `arn:aws:iam::*:user/*`, which passes
 * the caller's own identity through rather than naming a role. The CDK writes both (Batch's and
 * Auto Scaling's service roles, an integration's credentialsPassthrough).
 */
const AWS_KEPT_ROLE =
  /^arn:[\w-]+:iam::(\d{12}:role\/aws-service-role\/[\w.+=,@-]+\/[\w+=,.@-]+|\*:user\/\*)$/;

/** An SNS subscription's endpoint is a resource of the account for these protocols (not a URL or address). */
const deliversToResource = (properties: Record<string, unknown>) =>
  typeof properties.Protocol !== 'string' ||
  ['lambda', 'sqs', 'firehose', 'application'].includes(properties.Protocol.toLowerCase());

const ROLE = ['aws::iam::role'];
const USER = ['aws::iam::user'];
const GROUP = ['aws::iam::group'];
const BUCKET = ['aws::s3::bucket'];
const TOPIC = ['aws::sns::topic'];
/** A function, or its alias or version (whose `Ref` is an ARN). */
const FUNCTION = ['aws::lambda::function', 'aws::lambda::alias', 'aws::lambda::version'];
const SECURITY_GROUP = ['aws::ec2::securitygroup'];
const HOSTED_ZONE = ['aws::route53::hostedzone'];
const INSTANCE_PROFILE = ['aws::iam::instanceprofile'];
const ARN_ONLY: readonly string[] = [];
const IAM_POLICY: readonly TargetProperty[] = [
  { path: 'Roles[]', names: ROLE },
  { path: 'Users[]', names: USER },
  { path: 'Groups[]', names: GROUP },
];
const REST_API: readonly TargetProperty[] = [{ path: 'RestApiId', names: ['aws::apigateway::restapi'] }];
const HTTP_API: readonly TargetProperty[] = [{ path: 'ApiId', names: ['aws::apigatewayv2::api'] }];

/**
 * The types that attach to, or change, a resource a property names, and those properties. With
 * the CDK's default execution role (AdministratorAccess), a stack could otherwise name another
 * environment's bucket, queue, topic, role or function there and rewrite its policy, attach a
 * policy to it, or wire it to its own events. What runs as a role is actingAs's.
 */
const NAMING: ReadonlyMap<string, readonly TargetProperty[]> = new Map<string, readonly TargetProperty[]>([
  ['aws::s3::bucketpolicy', [{ path: 'Bucket', names: BUCKET }]],
  ['aws::s3::accesspoint', [{ path: 'Bucket', names: BUCKET }]],
  ['aws::sqs::queuepolicy', [{ path: 'Queues[]', names: ['aws::sqs::queue'] }]],
  // Its dead letters go to the queue named: another environment's would receive them.
  ['aws::sqs::queue', [{ path: 'RedrivePolicy.deadLetterTargetArn', names: ARN_ONLY }]],
  // The CDK's handler of bucket.addEventNotification replaces the notification configuration of
  // the bucket named. The type is the CDK's name for it: an app's own provider under another type
  // name does what its role may (see SECURITY.md, Not covered yet).
  ['custom::s3bucketnotifications', [{ path: 'BucketName', names: BUCKET }]],
  ['aws::sqs::queueinlinepolicy', [{ path: 'Queue', names: ['aws::sqs::queue'] }]],
  ['aws::sns::topicpolicy', [{ path: 'Topics[]', names: TOPIC }]],
  ['aws::sns::topicinlinepolicy', [{ path: 'TopicArn', names: TOPIC }]],
  [
    'aws::sns::subscription',
    [
      { path: 'TopicArn', names: TOPIC },
      { path: 'Endpoint', names: FUNCTION, when: deliversToResource },
    ],
  ],
  ['aws::iam::policy', IAM_POLICY],
  ['aws::iam::managedpolicy', IAM_POLICY],
  ['aws::iam::rolepolicy', [{ path: 'RoleName', names: ROLE }]],
  ['aws::iam::userpolicy', [{ path: 'UserName', names: USER }]],
  ['aws::iam::grouppolicy', [{ path: 'GroupName', names: GROUP }]],
  [
    'aws::iam::usertogroupaddition',
    [
      { path: 'GroupName', names: GROUP },
      { path: 'Users[]', names: USER },
    ],
  ],
  ['aws::iam::instanceprofile', [{ path: 'Roles[]', names: ROLE }]],
  // A key for the user named: another environment's user's credentials, its secret an attribute
  // the stack may output.
  ['aws::iam::accesskey', [{ path: 'UserName', names: USER }]],
  // A user of the app's own in the groups named has their policies: another environment's group
  // would lend it that environment's rights.
  ['aws::iam::user', [{ path: 'Groups[]', names: GROUP }]],
  // A device of the app's (its seed the stack's, `Base32StringSeed`) as the MFA of the users named:
  // another environment's user would answer its MFA with the app's device, and lose it with the stack.
  ['aws::iam::virtualmfadevice', [{ path: 'Users[]', names: USER }]],
  ['aws::lambda::permission', [{ path: 'FunctionName', names: FUNCTION }]],
  [
    'aws::lambda::eventsourcemapping',
    [
      { path: 'FunctionName', names: FUNCTION },
      { path: 'EventSourceArn', names: ARN_ONLY },
      { path: 'DestinationConfig.OnFailure.Destination', names: TOPIC },
    ],
  ],
  [
    'aws::lambda::eventinvokeconfig',
    [
      { path: 'FunctionName', names: FUNCTION },
      // What the function's invocations are sent to: a queue, topic, function or event bus (by ARN).
      { path: 'DestinationConfig.OnSuccess.Destination', names: [...TOPIC, ...FUNCTION] },
      { path: 'DestinationConfig.OnFailure.Destination', names: [...TOPIC, ...FUNCTION] },
    ],
  ],
  ['aws::lambda::url', [{ path: 'TargetFunctionArn', names: FUNCTION }]],
  ['aws::lambda::alias', [{ path: 'FunctionName', names: ['aws::lambda::function'] }]],
  ['aws::lambda::version', [{ path: 'FunctionName', names: ['aws::lambda::function'] }]],
  [
    'aws::lambda::layerversionpermission',
    [{ path: 'LayerVersionArn', names: ['aws::lambda::layerversion'] }],
  ],
  [
    'aws::logs::subscriptionfilter',
    [
      { path: 'LogGroupName', names: ['aws::logs::loggroup'] },
      { path: 'DestinationArn', names: ARN_ONLY },
    ],
  ],
  [
    'aws::events::rule',
    [
      { path: 'EventBusName', names: ['aws::events::eventbus'] },
      // Types whose Ref is their ARN, as the CDK's targets name them.
      {
        path: 'Targets[].Arn',
        names: [...TOPIC, ...FUNCTION, 'aws::stepfunctions::statemachine', 'aws::batch::jobqueue'],
      },
    ],
  ],
  [
    'aws::ec2::securitygroupingress',
    [
      { path: 'GroupId', names: SECURITY_GROUP },
      { path: 'GroupName', names: SECURITY_GROUP },
    ],
  ],
  ['aws::ec2::securitygroupegress', [{ path: 'GroupId', names: SECURITY_GROUP }]],
  [
    'aws::route53::recordset',
    [
      { path: 'HostedZoneId', names: HOSTED_ZONE },
      { path: 'HostedZoneName', names: HOSTED_ZONE },
    ],
  ],
  [
    'aws::route53::recordsetgroup',
    [
      { path: 'HostedZoneId', names: HOSTED_ZONE },
      { path: 'HostedZoneName', names: HOSTED_ZONE },
    ],
  ],
  ['aws::kms::alias', [{ path: 'TargetKeyId', names: ['aws::kms::key'] }]],
  ['aws::secretsmanager::resourcepolicy', [{ path: 'SecretId', names: ['aws::secretsmanager::secret'] }]],
  [
    'aws::secretsmanager::secrettargetattachment',
    [{ path: 'SecretId', names: ['aws::secretsmanager::secret'] }],
  ],
  ['aws::secretsmanager::rotationschedule', [{ path: 'SecretId', names: ['aws::secretsmanager::secret'] }]],
  ...[
    'resource',
    'method',
    'deployment',
    'stage',
    'authorizer',
    'model',
    'requestvalidator',
    'gatewayresponse',
    'documentationpart',
    'documentationversion',
  ].map((t) => [`aws::apigateway::${t}`, REST_API] as const),
  ...[
    'route',
    'integration',
    'stage',
    'deployment',
    'authorizer',
    'model',
    'routeresponse',
    'integrationresponse',
  ].map((t) => [`aws::apigatewayv2::${t}`, HTTP_API] as const),
]);

/**
 * What runs as the role (or instance profile) a property names: every such property of every type
 * the CloudFormation spec knows (role-properties.generated.ts, derived by
 * test/tools/role-properties.ts: a Lambda function's `Role`, a delivery stream's destinations'
 * `RoleARN`, an API Gateway integration's `Credentials`, a Batch compute environment's
 * `ServiceRole` and `InstanceRole`, ...), by ARN (an own role's Fn::GetAtt Arn, as the CDK writes
 * it) or by the name of an own role or instance profile. Another environment's role would lend
 * what the commit makes that environment's identity.
 */
function actingAs(): Map<string, TargetProperty[]> {
  const rows = new Map<string, TargetProperty[]>();
  const add = (table: Readonly<Record<string, readonly string[]>>, names: readonly string[]) => {
    for (const [type, paths] of Object.entries(table))
      rows.set(type, [
        ...(rows.get(type) ?? []),
        ...paths.map((path) => ({ path, names, actsAs: true as const })),
      ]);
  };
  add(ROLE_PROPERTIES, ROLE);
  add(INSTANCE_PROFILE_PROPERTIES, INSTANCE_PROFILE);
  return rows;
}

/**
 * The properties checked, by type: NAMING's, and every property naming a role a service acts as
 * (actingAs) that NAMING does not already hold to a narrower rule (an IAM policy's `Roles`).
 */
const ATTACHING: ReadonlyMap<string, readonly TargetProperty[]> = (() => {
  const merged = new Map<string, readonly TargetProperty[]>(NAMING);
  for (const [type, rows] of actingAs()) {
    const named = new Set((merged.get(type) ?? []).map((row) => row.path));
    merged.set(type, [...(merged.get(type) ?? []), ...rows.filter((row) => !named.has(row.path))]);
  }
  return merged;
})();

/**
 * The items of each value for `each` (`[]` for a list's items, `{}` for a map's values, in turn, as
 * an AppConfig extension's `Actions{}[]`); a value not written as a list or map is checked whole.
 */
function eachOf(
  values: { where: string; value: unknown }[],
  each: string,
): { where: string; value: unknown }[] {
  if (each === '') return values;
  const list = each.startsWith('[]');
  return eachOf(
    values.flatMap(({ where, value }) => {
      if (list && Array.isArray(value)) return value.map((v, i) => ({ where: `${where}.${i}`, value: v }));
      if (!list && value && typeof value === 'object' && !Array.isArray(value) && !writtenWhole(value))
        return Object.entries(value).map(([k, v]) => ({ where: `${where}.${k}`, value: v }));
      return [{ where, value }];
    }),
    each.slice(2),
  );
}

/** The values at `path` (see TargetProperty) of a resource's properties, each with its path for messages. */
function valuesAt(node: unknown, path: string, where: string): { where: string; value: unknown }[] {
  // Properties or a list item written as an intrinsic (an Fn::If) cannot be read into: checked whole.
  if (writtenWhole(node)) return [{ where, value: node }];
  // A Json property (a queue's RedrivePolicy) may be written as its text: read into it as
  // CloudFormation does, and check text that is not JSON whole (so only a listed name passes).
  if (typeof node === 'string') {
    let parsed: unknown;
    try {
      parsed = JSON.parse(node);
    } catch {
      return [{ where, value: node }];
    }
    return valuesAt(parsed, path, where);
  }
  if (!node || typeof node !== 'object' || Array.isArray(node)) return [];
  const [head, ...rest] = path.split('.');
  const each = /(\[\]|\{\})+$/.exec(head!)?.[0] ?? '';
  const key = head!.slice(0, head!.length - each.length);
  if (!Object.hasOwn(node, key)) return [];
  const here = `${where}.${key}`;
  const items = eachOf([{ where: here, value: (node as Record<string, unknown>)[key] }], each);
  return rest.length === 0
    ? items
    : items.flatMap((item) => valuesAt(item.value, rest.join('.'), item.where));
}

/**
 * Refuses a resource that attaches to, or changes, a resource its properties name (a bucket
 * policy's `Bucket`, an IAM policy's `Roles`, a Lambda permission's `FunctionName`, a rule's
 * targets: see ATTACHING) unless that resource is the environment's own, of a type the property
 * takes (see targetKind), or listed
 * in `aws.externalTargets`. CloudFormation creates such a resource on whatever it names, with the
 * execution role, and deleting the stack later deletes it from there: found in review, on moto,
 * environment a's stack replaced environment b's bucket policy and attached a policy of its own to
 * b's role (test/integration/cdk/target-bounds.test.ts). Checked before any change set, in a plan
 * and a deploy.
 */
export function assertTargetsInBounds(
  stackName: string,
  template: StackTemplate,
  bounds: TargetBounds,
  phase: 'plan' | 'apply-aws',
): void {
  for (const [id, resource] of resourcesOf(template)) {
    const targets = ATTACHING.get(typeName(resource));
    if (!targets) continue;
    const properties = (resource.Properties ?? {}) as Record<string, unknown>;
    for (const { path, names, when, actsAs } of targets) {
      if (when && !when(properties)) continue;
      for (const { where, value } of valuesAt(properties, path, `Resources.${id}.Properties`)) {
        const kind = targetKind(template, value, bounds);
        if (kind === 'arn' || kind === 'listed' || (kind !== undefined && names.includes(kind))) continue;
        const text = literalText(value, bounds.pseudo);
        if (actsAs && text !== undefined && AWS_KEPT_ROLE.test(text)) continue;
        const consequence = actsAs
          ? 'what it makes would act as whatever role that names, with its permissions'
          : 'CloudFormation would attach it to, or change, whatever that names, with the execution role';
        throw new CairnError(
          `${safeOutput(where, 200)} of ${safeOutput(String(resource.Type), 200)} ${text === undefined ? 'is not a resource of this app' : `names ${safeOutput(JSON.stringify(text), 200)}, which is not a resource of this app`}: ${consequence}`,
          {
            code: 'aws.out-of-bounds',
            phase,
            retryable: false,
            subject: `stack ${stackName}`,
            hint: "name a resource of the same stack (Ref or Fn::GetAtt), of a parent stack (a NestedStack's parameter) or of another stack of this app (its export), as the CDK does for constructs it creates; a resource from outside the app (a CDK Role.fromRoleArn or Bucket.fromBucketName given grant*) must be listed, as the template names it, in the environment's aws.externalTargets",
          },
        );
      }
    }
  }
}
