import { CairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import { ACCOUNT_SETTINGS } from './account-settings';
import { RESOURCELESS_ACTIONS, RESOURCELESS_READS } from './resourceless-actions.generated';
import { RESOURCELESS_TAG_WRITES } from './resourceless-tagging';
import { RESOURCELESS_WRITES_BY_ID } from './resourceless-writes';
import {
  listed,
  literalText,
  resourcesOf,
  typeName,
  writtenWhole,
  type StackTemplate,
} from './template-bounds';
import { targetKind, type TargetBounds } from './template-targets';

// What an identity policy of the app's own role, user or group grants: the data of the app's own
// buckets, queues, secrets, tables, ... and nothing of another environment's; the app's own roles
// to pass or assume, and no other identity; no identity to rewrite; its own stacks and no other
// environment's to read, change or delete through CloudFormation. The attach checks of
// template-targets.ts decide what a policy is attached to; this decides what it grants.

/** What decides whether a policy statement's resource is the environment's own. */
export interface GrantBounds extends TargetBounds {
  /** The environment's CDK bootstrap asset bucket (`cdk-<qualifier>-assets-<account>-<region>`), which its BucketDeployments read. */
  readonly bootstrapBucket: string;
  /**
   * The names the app's stacks this stack depends on give their resources (see namedResources),
   * which a grant may name by ARN (the CDK's `Table.fromTableName` of another stack's table).
   */
  readonly named?: ReadonlySet<string>;
  /**
   * The name of the app's stack whose template (or nested template) this is, which a grant of a
   * CloudFormation action may name by ARN (see ownStack). Absent: only `AWS::StackId`, `AWS::StackName`
   * and a nested stack's `Ref` name the stack's own.
   */
  readonly stackName?: string;
  /**
   * The environment's `aws.accountWideReads`: its roles may be granted the reads that answer with
   * every environment's data of the account (ACCOUNT_WIDE_READS). Absent or false: refused.
   */
  readonly accountWideReads?: boolean;
}

/** The property that gives a resource of a data-bearing type its name, by type. */
const NAME_PROPERTY: ReadonlyMap<string, string> = new Map([
  ['aws::s3::bucket', 'BucketName'],
  ['aws::sqs::queue', 'QueueName'],
  ['aws::sns::topic', 'TopicName'],
  ['aws::dynamodb::table', 'TableName'],
  ['aws::kinesis::stream', 'Name'],
  ['aws::lambda::function', 'FunctionName'],
  ['aws::stepfunctions::statemachine', 'StateMachineName'],
  ['aws::ssm::parameter', 'Name'],
  ['aws::secretsmanager::secret', 'Name'],
]);

/**
 * The literal names a template gives its resources of data-bearing types (NAME_PROPERTY), each as
 * `<type> <name>`: what another stack of the app that depends on it may grant by ARN.
 */
export function namedResources(template: StackTemplate): string[] {
  return resourcesOf(template).flatMap(([, resource]) => {
    const type = typeName(resource);
    const property = NAME_PROPERTY.get(type);
    const name = property && (resource.Properties as Record<string, unknown> | undefined)?.[property];
    return typeof name === 'string' && name !== '' ? [`${type} ${name}`] : [];
  });
}

/** The ARN of a resource namedResources lists, in the environment's region and account. */
export function namedArn(named: string, pseudo: Readonly<Record<string, string>>): string {
  const [type, name] = named.split(/ (.*)/s) as [string, string];
  const at = (service: string) =>
    `arn:${pseudo['AWS::Partition']}:${service}:${pseudo['AWS::Region']}:${pseudo['AWS::AccountId']}:`;
  // A parameter's ARN has one slash before its name, which may start with one; a secret's ends in
  // the six characters Secrets Manager adds (the CDK's fromSecretNameV2 writes them as `??????`).
  if (type === 'aws::ssm::parameter') return `${at('ssm')}parameter/${name.replace(/^\//, '')}`;
  if (type === 'aws::secretsmanager::secret') return `${at('secretsmanager')}secret:${name}-??????`;
  return `${namePrefixes(type, pseudo)[0]}${name}`;
}

/**
 * The services whose resources hold data another environment must not read or write (`lambda` and
 * `states`: invoking or starting runs another environment's code with its role). Every action of
 * these services counts, but those in HARMLESS_ON_ANY.
 */
const DATA_SERVICES: readonly string[] = [
  's3',
  'sqs',
  'sns',
  'secretsmanager',
  'ssm',
  'dynamodb',
  'kms',
  'kinesis',
  'lambda',
  'states',
];

/**
 * Actions of DATA_SERVICES and CloudFormation that read no resource's data (account-level lists,
 * IAM's "resource type: none"), lower case: the CDK grants some of them on `*`
 * (`dynamodb:ListStreams` with grantStreamRead, `states:ListActivities` and
 * `states:DescribeStateMachine` with a state machine's grantRead). Not `lambda:ListFunctions` (it
 * returns every function's environment). Of CloudFormation: `ValidateTemplate` and
 * `EstimateTemplateCost` read only the template the caller sends, `DescribeAccountLimits` the
 * account's quotas, `ListStacks` each stack's name, id, status and description (as
 * `s3:ListAllMyBuckets` names every bucket), `ListTypes` and `DescribeType` the registry's public
 * schemas. Not `DescribeStacks` (every stack's outputs and parameters), `ListExports` (every export's
 * value), `GetTemplate` or `GetTemplateSummary` (another stack's template, by its name).
 */
const HARMLESS_ON_ANY: ReadonlySet<string> = new Set([
  's3:listallmybuckets',
  'sqs:listqueues',
  'sns:listtopics',
  'secretsmanager:listsecrets',
  'secretsmanager:getrandompassword',
  'ssm:describeparameters',
  'dynamodb:liststreams',
  'dynamodb:listtables',
  'dynamodb:describelimits',
  'dynamodb:describeendpoints',
  'kms:listkeys',
  'kms:listaliases',
  'kinesis:liststreams',
  'kinesis:describelimits',
  'states:liststatemachines',
  'states:listactivities',
  'states:describestatemachine',
  'states:describeactivity',
  'cloudformation:validatetemplate',
  'cloudformation:estimatetemplatecost',
  'cloudformation:describeaccountlimits',
  'cloudformation:liststacks',
  'cloudformation:listtypes',
  'cloudformation:describetype',
]);

/**
 * AWS managed policies (`arn:<partition>:iam::aws:policy/<name>`) that grant no data of
 * DATA_SERVICES, which the CDK attaches to the roles it makes (functions', a RestApi's). Any other managed policy (an AWS
 * one like `AmazonS3ReadOnlyAccess`, or another environment's) is held to the same bounds as a
 * resource: listed in `aws.externalTargets`, or the app's own `AWS::IAM::ManagedPolicy`.
 */
const HARMLESS_MANAGED_POLICIES: ReadonlySet<string> = new Set([
  'service-role/AWSLambdaBasicExecutionRole',
  'service-role/AWSLambdaVPCAccessExecutionRole',
  'CloudWatchLambdaInsightsExecutionRolePolicy',
  'AWSXRayDaemonWriteAccess',
  'AWSXrayWriteOnlyAccess',
  'service-role/AmazonECSTaskExecutionRolePolicy',
  'service-role/AmazonAPIGatewayPushToCloudWatchLogs', // a RestApi's cloudWatchRole
  'service-role/AWSAppSyncPushToCloudWatchLogs',
]);

/**
 * The services whose actions have bounds of their own above (DATA_SERVICES, IAM and STS,
 * CloudFormation). Every other service's action is bounded as a whole class (see reachesAccount):
 * a table of services written by hand never ends, and each left out (ECR, CloudWatch Logs, RDS,
 * EFS, Glue, EventBridge, OpenSearch, ...) was another environment's images, logs or databases.
 */
export const BOUNDED_APART: readonly string[] = [...DATA_SERVICES, 'iam', 'sts', 'cloudformation'];

/** `<service>:<action>` of each action of a generated table (service to space-separated names). */
const actionsOf = (table: Readonly<Record<string, string>>): string[] =>
  Object.entries(table).flatMap(([service, names]) => names.split(' ').map((name) => `${service}:${name}`));

/** Every action that takes no resource type, as `<service>:<action>` lower case (see RESOURCELESS_ACTIONS). */
const RESOURCELESS: ReadonlySet<string> = new Set(actionsOf(RESOURCELESS_ACTIONS));

/**
 * The reads that take no resource type and that AWS files under List or Write, not Read, although
 * they answer with contents another environment keeps (configuration with its user data or
 * secrets, documents, traces, query texts), not only names, ids, statuses or quotas: each with what
 * it answers with, lower case; the refusal names it. Found by reading, against AWS's API reference,
 * every action outside BOUNDED_APART that takes no resource type and is filed under List
 * (2,053 in the release RESOURCELESS_ACTIONS is generated from) and those filed under Write or
 * Permissions management whose names read (Get, Describe, Search, Query, Batch, Download,
 * Retrieve). Those filed under Read are in RESOURCELESS_READS already: `ecs:DescribeTaskDefinition`
 * (every task definition's container environment), `batch:DescribeJobDefinitions` and
 * `DescribeJobs`, `glue:GetJobs`, `sagemaker:Search`, `xray:GetTraceSummaries`, ... Not here, as
 * they answer with names, ids, states, settings or findings and no other environment's contents:
 * `ec2:DescribeInstances` (no user data: that is `DescribeInstanceAttribute`, which takes an
 * instance), `DescribeLaunchTemplates`, `DescribeFleets` (launch template ids), `DescribeKeyPairs`
 * (public keys), `autoscaling:DescribeAutoScalingGroups`, AppStream's `DescribeDirectoryConfigs`
 * (AWS returns no password), Compute Optimizer's recommendations, the events of RDS, ElastiCache
 * and Redshift, `redshift-data:ListStatements` (the caller's own statements), DBQMS (the console
 * user's own query history). The CDK grants none of these on `*` (aws-cdk-lib 2.276); a
 * cluster-autoscaler's role, written by hand, needs `ec2:DescribeLaunchTemplateVersions` and
 * `autoscaling:DescribeLaunchConfigurations`, and so `aws.accountWideReads`.
 */
export const READS_FILED_ELSEWHERE: ReadonlyMap<string, string> = new Map([
  ['xray:batchgettraces', "every environment's traces by id, their segments' annotations and metadata"],
  ['xray:listretrievedtraces', "every environment's traces a Transaction Search retrieval found"],
  ['cloudwatch:querytraces', "every environment's traces, filed under Write"],
  ['logs:describequeries', "every Logs Insights query's text and the log groups it ran on"],
  ['logs:describequerydefinitions', "every saved Logs Insights query's text"],
  [
    'ec2:describelaunchtemplateversions',
    "every launch template version's data, its user data (which commonly holds bootstrap secrets) included",
  ],
  ['autoscaling:describelaunchconfigurations', "every launch configuration's user data"],
  [
    'ec2:describespotfleetrequests',
    "every Spot Fleet request's launch specifications, their user data included",
  ],
  [
    'ec2:describespotinstancerequests',
    "every Spot Instance request's launch specification, its user data included",
  ],
  [
    'ec2:describevpnconnections',
    "every Site-to-Site VPN connection's customer gateway configuration, its tunnels' pre-shared keys included",
  ],
  ['ec2:describeverifiedaccesstrustproviders', "every Verified Access trust provider's OIDC client secret"],
  ['appsync:listapikeys', "every GraphQL API's API keys (a key's id is the key a client sends)"],
  [
    'lightsail:downloaddefaultkeypair',
    "the private key of the Region's default Lightsail key pair, which opens every instance launched with it; filed under Write",
  ],
  [
    'route53domains:retrievedomainauthcode',
    "any registered domain's transfer authorization code, which moves it to another registrar; filed under Write",
  ],
  ['workdocs:describedocumentversions', "every document's versions with a URL to download each"],
  ['workdocs:describecomments', "every document version's comments"],
  ['workdocs:searchresources', "a search of every document's content"],
]);

/**
 * The hand-judged tables of actions that take no resource type and reach every environment, with
 * the bound each is refused under: an action (not a pattern: a wildcard already counts as taking a
 * resource) found in one is bounded as that table says (one admit rule, `listedOrNamedWhole`, and
 * each table's own sentence).
 */
const JUDGED_TABLES: readonly (readonly [ReadonlyMap<string, string>, 'settings' | 'tags' | 'by-id'])[] = [
  [ACCOUNT_SETTINGS, 'settings'],
  [RESOURCELESS_TAG_WRITES, 'tags'],
  [RESOURCELESS_WRITES_BY_ID, 'by-id'],
];

/**
 * The reads of RESOURCELESS_READS that answer with no environment's data and that the CDK grants
 * on `*`, lower case: `ecr:GetAuthorizationToken` and `ecr-public:GetAuthorizationToken` (a token
 * for the caller's own pulls, which ECR's grants bound), X-Ray's sampling rules and targets (which
 * every traced function reads), `logs:GetLogDelivery` (a log delivery's settings, which a state
 * machine's logging reads).
 */
const READS_OF_NO_DATA: ReadonlySet<string> = new Set([
  'ecr:getauthorizationtoken',
  'ecr-public:getauthorizationtoken',
  'xray:getsamplingrules',
  'xray:getsamplingtargets',
  'xray:getsamplingstatisticsummaries',
  'logs:getlogdelivery',
]);

/**
 * The reads that take no resource type and answer with what the account holds of every
 * environment, where a service keeps data by account, not by resource: X-Ray's traces
 * (`GetTraceSummaries`, `GetServiceGraph`), CloudWatch's metric statistics (`GetMetricStatistics`),
 * ECS's task definitions, ..., lower case. Decided here, and only here: every action of
 * RESOURCELESS_READS (access level Read in AWS's service authorization reference; a `List` action
 * lists names, as `s3:ListAllMyBuckets` does), with READS_FILED_ELSEWHERE and without
 * READS_OF_NO_DATA. Of services outside BOUNDED_APART only: those have bounds of their own.
 */
const ACCOUNT_WIDE_READS: ReadonlySet<string> = new Set(
  [...actionsOf(RESOURCELESS_READS), ...READS_FILED_ELSEWHERE.keys()].filter(
    (action) => !READS_OF_NO_DATA.has(action) && !BOUNDED_APART.includes(action.split(':')[0]!),
  ),
);

/** Whether an action (not a pattern: a wildcard already counts as taking a resource) is one of ACCOUNT_WIDE_READS. */
function readsAccountWide(action: string): boolean {
  return ACCOUNT_WIDE_READS.has(action.toLowerCase());
}

/**
 * Actions of other services that take a resource type but that the CDK grants on `*` by itself,
 * lower case, so that they pass as account-level ones do: `Metric.grantPutMetricData` (its
 * `dataset` resource type is optional), the log writes of an ECS service's execute command and a
 * Synthetics canary (`CreateLogStream`, `PutLogEvents`, `DescribeLogStreams`, on `*` and on every
 * canary's log group), and `logs:CreateLogGroup` (all in `AWSLambdaBasicExecutionRole`, which apps
 * write inline; a group another environment has fails to be made). None reads another
 * environment's data; what they still reach is in SECURITY.md (Not covered yet). The CDK's other
 * grants on `*` reach every environment's resource of their kind and are in ON_ANY_ONLY_IF.
 */
const CDK_ON_ANY: ReadonlySet<string> = new Set([
  'cloudwatch:putmetricdata',
  'logs:createloggroup',
  'logs:createlogstream',
  'logs:putlogevents',
  'logs:describelogstreams',
]);

/**
 * Actions of other services that the CDK grants on `*` but that reach every environment's resource
 * of their kind, lower case: each passes on `*` only where the statement's `Condition` pins `key`
 * (the condition key naming the resource acted on) to the app's own (see pinnedToOwn), and a
 * refusal says `fix`. Seen in a synthesized app (aws-cdk-lib 2.276): a function's EFS access point
 * (`ClientMount` on `*` on the condition of its own access point's ARN); a Step Functions ECS
 * run-task, every integration pattern (`StopTask` and `DescribeTasks` on `*`, no condition: a's
 * state machine could stop b's tasks and read their overrides); `logRetention`'s provider
 * (`PutRetentionPolicy` and `DeleteRetentionPolicy` on `*`, no condition and no condition key to
 * give one: a's function could set b's log groups' retention to a day, and so delete b's logs).
 */
const ON_ANY_ONLY_IF: ReadonlyMap<string, { readonly key?: string; readonly fix: string }> = (() => {
  const efs = {
    key: 'elasticfilesystem:AccessPointArn',
    fix: "give it a Condition StringEquals elasticfilesystem:AccessPointArn naming an access point of this app (the CDK's lambda.FileSystem.fromEfsAccessPoint writes one)",
  };
  const ecs = {
    key: 'ecs:cluster',
    fix: "give it a Condition ArnEquals ecs:cluster naming this app's own cluster (the CDK's EcsRunTask writes none: add it to the state machine role's policy with addPropertyOverride)",
  };
  const retention = {
    fix: "no Condition bounds it to this app's log groups: give the function a log group of its own with its retention (logGroup: new LogGroup(this, 'Logs', { retention })) instead of the CDK's deprecated logRetention",
  };
  return new Map([
    ['elasticfilesystem:clientmount', efs],
    ['elasticfilesystem:clientwrite', efs],
    ['elasticfilesystem:clientrootaccess', efs],
    ['ecs:stoptask', ecs],
    ['ecs:describetasks', ecs],
    ['logs:putretentionpolicy', retention],
    ['logs:deleteretentionpolicy', retention],
  ]);
})();

/**
 * The condition operators that pin a key to the values they list: a request whose key is another
 * value, or absent, is denied. Every other operator (`StringLike` with `*`, `StringNotEquals`,
 * `...IfExists`, which passes a request without the key, `ForAnyValue:`/`ForAllValues:`, `Null`,
 * ...) pins nothing, so a `Condition` can only narrow what cairn reads, never widen it. `ArnEquals`
 * matches wildcards as `ArnLike` does: what pins is the value, which must be the app's own ARN
 * whole (ownResource refuses any wildcard written into it).
 */
const PINNING_OPERATORS: ReadonlySet<string> = new Set(['stringequals', 'arnequals']);

/**
 * Whether a statement's `Condition` pins the condition key `key` to resources of the app's own
 * only: some operator of PINNING_OPERATORS (the operators of a Condition must all hold) names the
 * key (keys compare case-insensitively, as IAM does) with one value or a list of values, and each
 * is the app's own or listed by its whole ARN (ownResource). Anything cairn cannot read pins
 * nothing.
 */
function pinnedToOwn(
  template: StackTemplate,
  statement: Record<string, unknown>,
  key: string,
  bounds: GrantBounds,
): boolean {
  const condition = statement.Condition;
  if (!condition || typeof condition !== 'object' || Array.isArray(condition)) return false;
  return Object.entries(condition as Record<string, unknown>).some(([operator, keys]) => {
    if (!PINNING_OPERATORS.has(operator.toLowerCase())) return false;
    if (!keys || typeof keys !== 'object' || Array.isArray(keys)) return false;
    return Object.entries(keys as Record<string, unknown>).some(([name, values]) => {
      if (name.toLowerCase() !== key.toLowerCase()) return false;
      const list = Array.isArray(values) ? values : [values];
      return list.length > 0 && list.every((value) => ownResource(template, value, bounds, true));
    });
  });
}

/**
 * ARNs with no account of resources that are AWS's, not an environment's, which an action of
 * another service may name: Bedrock's foundation models (`arn:<partition>:bedrock:<region>::foundation-model/<id>`),
 * and the rules Step Functions makes for an integration that waits for its job
 * (`rule/StepFunctionsGetEventsFor…`, which the CDK grants `events:PutRule` and `PutTargets` on).
 */
const AWS_OWNED: readonly RegExp[] = [
  /^arn:[\w-]+:bedrock:[\w-]*::foundation-model\//,
  /^arn:[\w-]+:events:[\w-]+:\d{12}:rule\/StepFunctionsGetEventsFor\w+$/,
];

/** Whether an IAM pattern (`*` and `?` wildcards, case-insensitive as IAM compares actions) matches `text`. */
export function iamPatternMatches(pattern: string, text: string): boolean {
  const source = pattern
    .replace(/[.+^${}()|[\]\\]/g, '\\$&')
    .replace(/\*/g, '.*')
    .replace(/\?/g, '.');
  return new RegExp(`^${source}$`, 'is').test(text);
}

/**
 * The DATA_SERVICES an action pattern reaches data of: those its service part matches (all for
 * `*`), unless it is one of HARMLESS_ON_ANY.
 */
function dataServicesOf(action: string): string[] {
  if (HARMLESS_ON_ANY.has(action.toLowerCase())) return [];
  const service = action === '*' ? '*' : action.split(':')[0]!;
  return DATA_SERVICES.filter((s) => iamPatternMatches(service, s));
}

/**
 * The actions of IAM and STS that change no identity and lend none, by how their names start
 * (lower case), so that a pattern counts only when what it is written with before any wildcard
 * starts so (`iam:Get*`, not `iam:G*`). IAM's reads return policies and trust documents, never a
 * credential nor any data of DATA_SERVICES; a service-linked role's trust and policy are AWS's, and
 * the CDK creates one on `*` (an EKS cluster, an EMR task). STS's `Get…` and
 * `DecodeAuthorizationMessage` act on the caller's own identity (`GetCallerIdentity`,
 * `GetSessionToken`): no other identity is taken on.
 */
const IDENTITY_FREE: Readonly<Record<'iam' | 'sts', readonly string[]>> = {
  iam: ['get', 'list', 'generate', 'simulate', 'createservicelinkedrole'],
  sts: ['get', 'decodeauthorizationmessage'],
};

/**
 * What an action pattern does to identities, as the grant check bounds it: `lend` for taking on a
 * role or handing one to a service (every STS action but IDENTITY_FREE's: `AssumeRole`,
 * `AssumeRoleWithWebIdentity`, `TagSession`, `SetSourceIdentity`, ...; and `iam:PassRole`),
 * `rewrite` for every other IAM action but IDENTITY_FREE's (`PutRolePolicy`, `CreateAccessKey`,
 * `UpdateAssumeRolePolicy`, `CreateRole`, ...). A wildcard can do both.
 */
function identityBoundsOf(action: string): ('lend' | 'rewrite')[] {
  const [service, name = '*'] = action === '*' ? ['*'] : action.split(/:(.*)/s);
  const free = (of: 'iam' | 'sts') => {
    const written = name.toLowerCase().split(/[*?]/)[0]!;
    return IDENTITY_FREE[of].some((start) => written.startsWith(start));
  };
  const found = new Set<'lend' | 'rewrite'>();
  if (iamPatternMatches(service!, 'sts') && !free('sts')) found.add('lend');
  if (iamPatternMatches(service!, 'iam') && !free('iam')) {
    if (iamPatternMatches(name, 'passrole')) found.add('lend');
    if (name.toLowerCase() !== 'passrole') found.add('rewrite');
  }
  return [...found];
}

/** What an action does that the grant check bounds, and so what its resource must be (see BOUNDS). */
type Bound =
  'data' | 'lend' | 'rewrite' | 'stack' | 'stack-tags' | 'account' | 'reads' | 'settings' | 'tags' | 'by-id';

/** The ARN services an IAM or STS action's resources are named in (a role's ARN for `sts:AssumeRole`). */
const IDENTITY_SERVICES: readonly string[] = ['iam', 'sts'];

/**
 * Whether an action pattern reaches CloudFormation's stacks, change sets or stack sets: every
 * CloudFormation action but HARMLESS_ON_ANY's. `UpdateStack`, `CreateChangeSet` and `DeleteStack`
 * without a `RoleARN` act with the role the stack was last deployed with (AWS documents so), so
 * neither the caller's rights nor `iam:PassRole` bound what they deploy; `DescribeStacks`,
 * `ListExports` and `GetTemplate` read another stack's outputs, exports and template.
 */
function reachesStacks(action: string): boolean {
  const service = action === '*' ? '*' : action.split(':')[0]!;
  return iamPatternMatches(service, 'cloudformation') && !HARMLESS_ON_ANY.has(action.toLowerCase());
}

/**
 * The CloudFormation actions that set a stack's tags, lower case: `TagResource` and
 * `UntagResource` (which the Tagging API's `tag:TagResources` needs), and `CreateStack`,
 * `UpdateStack` and `CreateChangeSet`, which take `Tags` (without a `RoleARN`, an update deploys
 * with the role the stack was last deployed with). cairn's ownership tag (`cairn:environment`,
 * stack-owner.ts) is one of them: a role of the app that retags even its own stack with another
 * environment's value makes that environment's cairn update, prune and read outputs of a stack it
 * did not make (a stack named as b will name one, keeping a's notification topics and stack
 * policy, its resources with their grants to a's roles). Bounded on every stack, its own too.
 */
const RETAGS_STACKS: readonly string[] = [
  'cloudformation:tagresource',
  'cloudformation:untagresource',
  'cloudformation:createstack',
  'cloudformation:updatestack',
  'cloudformation:createchangeset',
];

/** Whether an action pattern may be one of RETAGS_STACKS (`cloudformation:*`, `*` and `cloudformation:Update*` are). */
function retagsStacks(action: string): boolean {
  return RETAGS_STACKS.some((retag) => iamPatternMatches(action, retag));
}

/**
 * Whether an action pattern may be an action of a service outside BOUNDED_APART that takes a
 * resource: every such action but one that takes none (RESOURCELESS, which names no resource, so
 * that on `*` it reaches no other environment's) or one of CDK_ON_ANY. A pattern with a wildcard
 * in its name (`ecr:*`, `ec2:Describe*`, which holds `DescribeInstanceAttribute` and so other
 * instances' user data) counts, and so does an action the table does not know yet.
 */
function reachesAccount(action: string): boolean {
  const service = action.split(':')[0]!;
  const lower = action.toLowerCase();
  if (!/[*?]/.test(service) && BOUNDED_APART.includes(service.toLowerCase())) return false;
  return /[*?]/.test(action) || !(RESOURCELESS.has(lower) || CDK_ON_ANY.has(lower));
}

/** What an action pattern does that is bounded: each bound, with the ARN services it holds for (`*`: any). */
function boundsOf(action: string): { readonly bound: Bound; readonly services: readonly string[] }[] {
  const data = dataServicesOf(action);
  return [
    ...(data.length > 0 ? [{ bound: 'data' as const, services: data }] : []),
    ...identityBoundsOf(action).map((bound) => ({ bound, services: IDENTITY_SERVICES })),
    ...(reachesStacks(action) ? [{ bound: 'stack' as const, services: ['cloudformation'] }] : []),
    ...(retagsStacks(action) ? [{ bound: 'stack-tags' as const, services: ['cloudformation'] }] : []),
    ...(reachesAccount(action) ? [{ bound: 'account' as const, services: ['*'] }] : []),
    ...(readsAccountWide(action) ? [{ bound: 'reads' as const, services: ['*'] }] : []),
    ...JUDGED_TABLES.filter(([table]) => table.has(action.toLowerCase())).map(([, bound]) => ({
      bound,
      services: ['*'],
    })),
  ];
}

/**
 * Whether a policy statement's `Resource` item is an ARN outside the environment's account, which
 * only a resource policy there can open (another account's, or AWS_OWNED), and so no other
 * environment's of this account. An ARN with no account (a Route 53 zone, an API Gateway API) or a
 * wildcard one is this account's; so is anything cairn cannot read as text.
 */
function elsewhere(value: unknown, bounds: GrantBounds): boolean {
  const text = literalText(value, bounds.pseudo);
  const account = text === undefined ? undefined : /^arn:[^:]*:[^:]*:[^:]*:([^:]*):/.exec(text)?.[1];
  if (account === undefined) return false;
  if (AWS_OWNED.some((owned) => owned.test(text!))) return true;
  return account !== '' && !iamPatternMatches(account, bounds.pseudo['AWS::AccountId'] ?? '');
}

/**
 * Stands for the stack's own name and id where a template writes `AWS::StackName` or `AWS::StackId`
 * (CloudFormation's values are known only when it deploys): no stack's name can hold a NUL.
 */
const THIS_STACK = '\u0000this stack';

/**
 * Whether a policy statement's `Resource` item names a stack of the environment's own, as the CDK
 * writes one: `Ref` `AWS::StackId` (cfn-init's and an Auto Scaling group's `SignalResource`), the
 * `Ref` of a nested stack of the template (its stack id), or a stack ARN in the environment's region
 * and account whose name is the stack's own (`AWS::StackName`, or `bounds.stackName` literally: a
 * weak cross-stack reference's `DescribeStacks`) and whose id is one, or `*` (that name's stacks,
 * past and to come); or what `aws.externalTargets` lists. Not a change set's or stack set's ARN
 * (not the stack's own), nor a name with a wildcard (`stack/a-*` is also `a-b`'s).
 */
function ownStack(template: StackTemplate, value: unknown, bounds: GrantBounds): boolean {
  if (targetKind(template, value, bounds) === 'listed') return true;
  if (value && typeof value === 'object' && !Array.isArray(value) && Object.keys(value).length === 1) {
    const ref = (value as { Ref?: unknown }).Ref;
    if (ref === 'AWS::StackId') return true;
    const nested = resourcesOf(template).find(([id]) => id === ref)?.[1];
    if (nested && typeName(nested) === 'aws::cloudformation::stack') return true;
  }
  const { pseudo } = bounds;
  const at = `arn:${pseudo['AWS::Partition']}:cloudformation:${pseudo['AWS::Region']}:${pseudo['AWS::AccountId']}:stack/`;
  const text = literalText(value, {
    ...pseudo,
    'AWS::StackName': THIS_STACK,
    'AWS::StackId': `${at}${THIS_STACK}/${THIS_STACK}`,
  });
  if (text === undefined || !text.startsWith(at)) return false;
  const [name, id, ...rest] = text.slice(at.length).split('/');
  const own = name === THIS_STACK || (bounds.stackName !== undefined && name === bounds.stackName);
  return own && rest.length === 0 && (id === '*' || id === THIS_STACK || /^[0-9a-f-]+$/i.test(id ?? ''));
}

/**
 * The ARN prefixes, as `arn:<partition>:…` for the environment's region and account, that a `Ref`
 * (or naming attribute) of one of the app's resources of a type completes to that resource's ARN:
 * how the CDK writes an SSM parameter's (`…:parameter` and its name, which starts with `/` or not)
 * and a state machine's executions (`…:execution:` and its name). Any other prefix with such a
 * name names someone else's resource of that name (an SSM parameter of the app's named like
 * another environment's bucket, joined to `arn:aws:s3:::`).
 */
function namePrefixes(type: string, pseudo: Readonly<Record<string, string>>): string[] {
  const at = (service: string) =>
    `arn:${pseudo['AWS::Partition']}:${service}:${pseudo['AWS::Region']}:${pseudo['AWS::AccountId']}:`;
  switch (type) {
    case 'aws::s3::bucket':
      return [`arn:${pseudo['AWS::Partition']}:s3:::`];
    case 'aws::ssm::parameter':
      return [`${at('ssm')}parameter`, `${at('ssm')}parameter/`];
    case 'aws::dynamodb::table':
      return [`${at('dynamodb')}table/`];
    case 'aws::sqs::queue':
      return [at('sqs')];
    case 'aws::sns::topic':
      return [at('sns')];
    case 'aws::kinesis::stream':
      return [`${at('kinesis')}stream/`];
    case 'aws::lambda::function':
      return [`${at('lambda')}function:`];
    case 'aws::kms::key':
      return [`${at('kms')}key/`];
    case 'aws::stepfunctions::statemachine':
      return [`${at('states')}stateMachine:`, `${at('states')}execution:`];
    // Of other services, the CDK's grants by a name or id (an EFS file system's, a RestApi's for
    // execute-api, a CodeBuild project's log group and report groups), a name taken failing the create.
    case 'aws::logs::loggroup':
      return [`${at('logs')}log-group:`];
    case 'aws::ecr::repository':
      return [`${at('ecr')}repository/`];
    case 'aws::events::eventbus':
      return [`${at('events')}event-bus/`];
    case 'aws::rds::dbcluster':
      return [`${at('rds')}cluster:`];
    case 'aws::rds::dbinstance':
      return [`${at('rds')}db:`];
    case 'aws::efs::filesystem':
      return [`${at('elasticfilesystem')}file-system/`];
    case 'aws::efs::accesspoint':
      return [`${at('elasticfilesystem')}access-point/`];
    case 'aws::apigateway::restapi':
      return [at('execute-api')];
    case 'aws::codebuild::project':
      return [`${at('logs')}log-group:/aws/codebuild/`, `${at('codebuild')}report-group/`];
    // IAM's ARNs have no region (the CDK's Role.fromRoleName of its own role's Ref).
    case 'aws::iam::role':
      return [`arn:${pseudo['AWS::Partition']}:iam::${pseudo['AWS::AccountId']}:role/`];
    case 'aws::iam::user':
      return [`arn:${pseudo['AWS::Partition']}:iam::${pseudo['AWS::AccountId']}:user/`];
    case 'aws::iam::group':
      return [`arn:${pseudo['AWS::Partition']}:iam::${pseudo['AWS::AccountId']}:group/`];
    default:
      return [];
  }
}

/**
 * The type whose names are paths: what lies under a parameter's name (`/app/*` under `/app`) are
 * other parameters, anyone's, so its ARN counts only whole.
 */
const HIERARCHICAL = 'aws::ssm::parameter';

/**
 * The types whose names may hold `/` with no hierarchy in it (a log group `/aws/lambda/a`, an ECR
 * repository `team/app`, an event bus, a CodeBuild project's log group): what follows such a name
 * or ARN and a `/` is another resource's name, anyone's, so only `:` (a log group's streams) runs
 * on within it.
 */
const SLASHED: ReadonlySet<string> = new Set([
  'aws::logs::loggroup',
  'aws::ecr::repository',
  'aws::events::eventbus',
  'aws::codebuild::project',
]);

/** The types whose `Ref` is their ARN, so that a `Ref` of one names it as an `Fn::GetAtt` `Arn` does. */
const REF_IS_ARN: ReadonlySet<string> = new Set([
  'aws::sns::topic',
  'aws::secretsmanager::secret',
  'aws::stepfunctions::statemachine',
  'aws::lambda::alias',
  'aws::lambda::version',
  'aws::iam::managedpolicy',
  'aws::ecs::taskdefinition',
  // Its Ref is the ARN of the secret it attaches, which assertTargetsInBounds holds to the app's own.
  'aws::secretsmanager::secrettargetattachment',
]);

/**
 * The ARN prefixes that an attribute of one of the app's resources other than its name completes
 * to an ARN of what lies in it, by `<type> <attribute>`: an RDS instance's or cluster's resource id
 * in `rds-db:connect`'s database user ARN (the CDK's grantConnect), which AWS gives and a name
 * cannot equal.
 */
function attributePrefixes(typeAndAttribute: string, pseudo: Readonly<Record<string, string>>): string[] {
  const dbUser = `arn:${pseudo['AWS::Partition']}:rds-db:${pseudo['AWS::Region']}:${pseudo['AWS::AccountId']}:dbuser:`;
  return ['aws::rds::dbinstance DbiResourceId', 'aws::rds::dbcluster DBClusterResourceId'].includes(
    typeAndAttribute,
  )
    ? [dbUser]
    : [];
}

/**
 * The ARNs the CDK takes apart with `Fn::Select` of `Fn::Split` and joins again without their last
 * part: an ECS task definition's `Ref`, joined without its revision and followed by `:*` for every
 * revision of its family (a Step Functions ECS run-task). For each such resource of the template,
 * the text its `Ref` stands for here and its own part through its name, both marked with a NUL (no
 * ARN holds one) so that only the `Ref` can bring it.
 */
function takenApart(
  template: StackTemplate,
  pseudo: Readonly<Record<string, string>>,
): { readonly refs: Record<string, string>; readonly own: string[] } {
  const refs: Record<string, string> = {};
  const own: string[] = [];
  for (const [id, resource] of resourcesOf(template)) {
    if (typeName(resource) !== 'aws::ecs::taskdefinition') continue;
    const family = `arn:${pseudo['AWS::Partition']}:ecs:${pseudo['AWS::Region']}:${pseudo['AWS::AccountId']}:task-definition/\u0000${id}\u0000`;
    refs[id] = `${family}:\u0000revision\u0000`;
    own.push(family);
  }
  return { refs, own };
}

/**
 * A state machine's name as the CDK reads it from its ARN (`Fn::Select` 6 of `Fn::Split` `:` of its
 * `Ref`): the type of the app's resource it is the name of, or undefined.
 */
function selectedName(template: StackTemplate, value: unknown, bounds: TargetBounds): string | undefined {
  const select = (value as { 'Fn::Select'?: unknown } | null)?.['Fn::Select'];
  if (!Array.isArray(select) || select.length !== 2 || Number(select[0]) !== 6) return undefined;
  const split = (select[1] as { 'Fn::Split'?: unknown } | null)?.['Fn::Split'];
  if (!Array.isArray(split) || split.length !== 2 || split[0] !== ':') return undefined;
  const kind = targetKind(template, split[1], bounds);
  return kind === 'aws::stepfunctions::statemachine' ? kind : undefined;
}

/**
 * An `Fn::Sub` written as the `Fn::Join` of its parts (`${X}` a `Ref`, `${X.Attr}` an
 * `Fn::GetAtt`, a variable of its map its value), or undefined for anything else.
 */
export function subAsJoin(value: unknown): unknown[] | undefined {
  const sub = (value as { 'Fn::Sub'?: unknown } | null)?.['Fn::Sub'];
  const [text, variables] = Array.isArray(sub) ? sub : [sub, {}];
  if (typeof text !== 'string' || !variables || typeof variables !== 'object') return undefined;
  const parts: unknown[] = [];
  let last = 0;
  for (const match of text.matchAll(/\$\{([^}]*)\}/g)) {
    parts.push(text.slice(last, match.index));
    last = match.index + match[0].length;
    const name = match[1]!;
    if (name.startsWith('!')) parts.push(`\${${name.slice(1)}}`);
    else if (Object.hasOwn(variables, name)) parts.push((variables as Record<string, unknown>)[name]);
    else if (name.includes('.')) parts.push({ 'Fn::GetAtt': name.split(/\.(.*)/s).slice(0, 2) });
    else parts.push({ Ref: name });
  }
  parts.push(text.slice(last));
  return parts;
}

/**
 * Whether a policy statement's `Resource` item names only the environment's own (or a listed)
 * resource or what lies inside it: a value targetKind reads as the ARN of one of the app's
 * resources (an `Fn::GetAtt` `Arn`, a `Ref` of a type in REF_IS_ARN, a parameter its parent passes
 * as one, an import of one another of its stacks exports) or as listed; such an ARN followed by
 * a literal path or qualifier starting with `/` or `:` (the CDK's `arnForObjects('*')`, a table's `/index/*`, a function's `:*`: not any other
 * text, since `<own bucket ARN>-b` is another bucket); a type's ARN prefix and the name of one of
 * the app's resources of that type (namePrefixes); the ARN of a resource this template or a stack
 * it depends on names literally (namedResources: whoever else has that name, the app's create of
 * it fails or, for an idempotent create, takes it over: see SECURITY.md, Not covered yet); a
 * listed ARN's objects or qualifiers; the environment's bootstrap bucket and its objects.
 * `whole`: only such an ARN itself, nothing under it (an IAM ARN's `/…` is a path, and
 * `role/<own role's name>/*` is every role under that path: `role/service-role/*` for an own role
 * named `service-role`).
 */
function ownResource(template: StackTemplate, value: unknown, bounds: GrantBounds, whole = false): boolean {
  // A name or id of the app's own (a bucket's Ref) is no ARN, and one that spells an ARN (an IoT
  // thing may be named `arn:aws:s3:::b-data`) names someone else's: only ARNs count here.
  const kind = targetKind(template, value, bounds);
  if (kind === 'arn' || kind === 'listed' || (kind !== undefined && REF_IS_ARN.has(kind))) return true;
  const text = literalText(value, bounds.pseudo);
  if (text !== undefined) {
    const bucket = `arn:${bounds.pseudo['AWS::Partition']}:s3:::${bounds.bootstrapBucket}`;
    const within = (arn: string) =>
      text === arn || (!whole && (text.startsWith(`${arn}/`) || text.startsWith(`${arn}:`)));
    const named = [...(bounds.named ?? []), ...namedResources(template)].map((n) => ({
      arn: namedArn(n, bounds.pseudo),
      path: n.startsWith(`${HIERARCHICAL} `),
    }));
    return (
      within(bucket) ||
      named.some(({ arn, path }) => (path ? text === arn : within(arn))) ||
      bounds.listed.some((entry) => !entry.endsWith('*') && within(entry))
    );
  }
  const apart = takenApart(template, bounds.pseudo);
  const rejoined = apart.own.length > 0 ? literalText(value, { ...bounds.pseudo, ...apart.refs }) : undefined;
  if (rejoined !== undefined)
    return apart.own.some(
      (arn) =>
        (rejoined === arn || (!whole && rejoined.startsWith(`${arn}:`))) &&
        !rejoined.slice(arn.length).includes('\u0000'),
    );
  const join = (value as { 'Fn::Join'?: unknown } | null)?.['Fn::Join'];
  const parts =
    Array.isArray(join) && join[0] === '' && Array.isArray(join[1])
      ? (join[1] as unknown[])
      : subAsJoin(value);
  if (!parts) return false;
  const literal = parts.map((part) => literalText(part, bounds.pseudo));
  const core = literal.findIndex((t) => t === undefined);
  if (core < 0) return false;
  const prefix = literal.slice(0, core).join('');
  // What follows the own resource's name or ARN and a literal `/` or `:` lies within it, whatever
  // it is (a RestApi's stage by its Ref); anything else must be literal, and is checked whole.
  const after = literal.slice(core + 1);
  const within = after.length > 0 && after[0] !== undefined && /^[/:]/.test(after[0]);
  if (!within && after.some((t) => t === undefined)) return false;
  const suffix = after.map((t) => t ?? '\u0000').join('');
  const coreKind = targetKind(template, parts[core], bounds) ?? selectedName(template, parts[core], bounds);
  if (coreKind === undefined || (coreKind === HIERARCHICAL && suffix !== '')) return false;
  const named = (parts[core] as { Ref?: unknown; 'Fn::GetAtt'?: unknown } | null) ?? {};
  const id = typeof named.Ref === 'string' ? named.Ref : (named['Fn::GetAtt'] as unknown[] | undefined)?.[0];
  const type = resourcesOf(template).find(([own]) => own === id)?.[1];
  if (type && SLASHED.has(typeName(type)) && suffix.startsWith('/')) return false;
  const reportGroups = coreKind === 'aws::codebuild::project' && prefix.endsWith(':report-group/');
  // CodeBuild names a project's report groups `<project>-<group>`, and the CDK grants them so.
  if (suffix !== '' && (whole || !(within || (reportGroups && suffix === '-*')))) return false;
  if (prefix === '') return coreKind === 'arn' || REF_IS_ARN.has(coreKind);
  const attribute = (parts[core] as { 'Fn::GetAtt'?: unknown } | null)?.['Fn::GetAtt'];
  if (
    Array.isArray(attribute) &&
    attributePrefixes(`${coreKind} ${String(attribute[1])}`, bounds.pseudo).includes(prefix)
  )
    return true;
  return namePrefixes(coreKind, bounds.pseudo).includes(prefix);
}

/** One policy document of an identity policy, with its path for messages. */
interface PolicyDocument {
  readonly where: string;
  readonly document: unknown;
}

/** The identity policies a resource declares: an IAM policy's document, or a role's, user's or group's inline `Policies`. */
function policyDocuments(id: string, type: string, properties: Record<string, unknown>): PolicyDocument[] {
  const where = `Resources.${id}.Properties`;
  if (
    [
      'aws::iam::policy',
      'aws::iam::managedpolicy',
      'aws::iam::rolepolicy',
      'aws::iam::userpolicy',
      'aws::iam::grouppolicy',
    ].includes(type)
  )
    return Object.hasOwn(properties, 'PolicyDocument')
      ? [{ where: `${where}.PolicyDocument`, document: properties.PolicyDocument }]
      : [];
  if (!['aws::iam::role', 'aws::iam::user', 'aws::iam::group'].includes(type)) return [];
  const policies = properties.Policies;
  if (policies === undefined) return [];
  // A list cairn cannot read (an Fn::If) is checked as one policy that allows everything.
  if (!Array.isArray(policies)) return [{ where: `${where}.Policies`, document: undefined }];
  return policies.map((policy: unknown, i) => ({
    where: `${where}.Policies.${i}.PolicyDocument`,
    document: (policy as { PolicyDocument?: unknown } | null)?.PolicyDocument,
  }));
}

/** A statement cairn cannot read, taken as one that allows every action on every resource. */
const UNREADABLE = { Effect: 'Allow', Action: '*', Resource: '*' };

/** A policy document's statements, each with its name for messages (its Sid, else its index). */
function statementsOf(
  document: unknown,
): { readonly name: string; readonly statement: Record<string, unknown> }[] {
  let parsed = document;
  if (typeof parsed === 'string') {
    try {
      parsed = JSON.parse(parsed) as unknown;
    } catch {
      parsed = undefined;
    }
  }
  const statements = (parsed as { Statement?: unknown } | null | undefined)?.Statement;
  if (!parsed || typeof parsed !== 'object' || statements === undefined)
    return [{ name: 'the document (not readable)', statement: UNREADABLE }];
  const list = Array.isArray(statements) ? statements : [statements];
  return list.map((s: unknown, i) => {
    const readable = !!s && typeof s === 'object' && !Array.isArray(s) && !writtenWhole(s);
    const statement: Record<string, unknown> = readable ? (s as Record<string, unknown>) : UNREADABLE;
    const sid = typeof statement.Sid === 'string' && readable ? ` (Sid ${statement.Sid})` : '';
    return { name: `Statement ${i}${sid}${readable ? '' : ' (not readable)'}`, statement };
  });
}

/** A statement's `Action` or `Resource` items as written; one that is not a list of strings is taken as `*`. */
function itemsOf(value: unknown): unknown[] {
  if (typeof value === 'string') return [value];
  return Array.isArray(value) ? value : [value];
}

/**
 * What an action that takes no resource type and writes (ACCOUNT_SETTINGS, RESOURCELESS_TAG_WRITES,
 * RESOURCELESS_WRITES_BY_ID)
 * is admitted on: a resource `aws.externalTargets` lists, or one named whole (IAM grants such an
 * action nothing on a Resource that names something: only `*` reaches it; a wildcard is taken as
 * `*`).
 */
function listedOrNamedWhole(template: StackTemplate, resource: unknown, bounds: GrantBounds): boolean {
  if (targetKind(template, resource, bounds) === 'listed') return true;
  const text = literalText(resource, bounds.pseudo);
  return text === undefined ? ownResource(template, resource, bounds) : !/[*?]/.test(text);
}

/**
 * What each Bound admits as a statement's resource, and what a refusal says. `data`: the app's own
 * data (ownResource). `lend`: the app's own role, user or group by its whole ARN (an own role is
 * bounded by this check, so taking it on or passing it gains nothing), or a listed one; not
 * another environment's role, nor the CDK's bootstrap roles, which trust the account root and so
 * any principal whose identity policy allows it. `rewrite`: only what `aws.externalTargets`
 * lists, the app's own identities included: a role that may write its own policy, or another
 * role's of the app, gives itself at run time what this check refuses at deploy. `stack`: the
 * stack's own (ownStack), or a listed one. `account`: the app's own resource of any other service,
 * or one outside the account (elsewhere). `reads`: on a Resource that may be `*`, nothing but for
 * an environment that sets `aws.accountWideReads`, since such a read names no resource to hold to
 * the app's own.
 */
const BOUNDS: Readonly<
  Record<
    Bound,
    {
      readonly admits: (template: StackTemplate, resource: unknown, bounds: GrantBounds) => boolean;
      readonly which: string;
      readonly why: string;
    }
  >
> = {
  data: {
    admits: (template, resource, bounds) => ownResource(template, resource, bounds),
    which: "which is not this app's own",
    why: "a role of this environment could read or change another environment's data",
  },
  lend: {
    admits: (template, resource, bounds) => ownResource(template, resource, bounds, true),
    which: "which is not this app's own role",
    why: "a role of this environment could take on, or hand a service, another environment's role or the CDK's deploy role, and act as it",
  },
  rewrite: {
    admits: (template, resource, bounds) => targetKind(template, resource, bounds) === 'listed',
    which: 'which aws.externalTargets does not list',
    why: "a role of this environment could write identities at run time (its own policy included) and give itself what this check refuses, another environment's data or roles",
  },
  stack: {
    admits: ownStack,
    which: "which is not this stack's own",
    why: "a role of this environment could update or delete another environment's stacks (an update without a RoleARN deploys with the role the stack was last deployed with, no iam:PassRole needed) or read their outputs, exports and templates",
  },
  'stack-tags': {
    admits: (template, resource, bounds) => targetKind(template, resource, bounds) === 'listed',
    which: "which sets a stack's tags (its own too), and aws.externalTargets does not list the stack",
    why: "a role of this environment could retag a stack with another environment's cairn:environment, and that environment's cairn would then update, prune and bind outputs of a stack it did not make, keeping what this one left in it",
  },
  account: {
    admits: (template, resource, bounds) =>
      ownResource(template, resource, bounds) || elsewhere(resource, bounds),
    which: "which is not this app's own",
    why: "a role of this environment could read or change another environment's resources of the account (its images, logs, databases, file systems, event buses, APIs, ...)",
  },
  reads: {
    // IAM allows an action that takes no resource type only by a Resource of `*`: one naming a
    // resource (the CDK's MSK event source names its cluster) grants it nothing. Any wildcard is
    // taken as `*`.
    admits: (template, resource, bounds) => {
      if (bounds.accountWideReads === true) return true;
      const text = literalText(resource, bounds.pseudo);
      return text === undefined ? ownResource(template, resource, bounds) : !/[*?]/.test(text);
    },
    which: "which answers with every environment's data of the account, and aws.accountWideReads is not set",
    why: "a role of this environment could read what the service answers with for the whole account, the action naming no resource to hold to this app's own: every environment's traces, metric statistics, log query texts, task and job definitions with their environment, launch templates' user data, ...",
  },
  settings: {
    // Only an environment trusted with the whole account lists it.
    admits: listedOrNamedWhole,
    which:
      'which changes a setting of the account or Region every environment shares, and aws.externalTargets does not list it',
    why: "a role of this environment could change what every other environment's resources run under, the action naming no resource to hold to this app's own: EBS encryption by default, instance metadata defaults, block public access, the account's organization, its security services and their findings, its registered domains, IAM Identity Center's users and groups, or another environment's SES identity or resource policy by its name or ARN, ...",
  },
  tags: {
    admits: listedOrNamedWhole,
    which:
      'which tags or untags any resource of its service by the ARN or id in the request, and aws.externalTargets does not list it',
    why: "a role of this environment could tag or untag another environment's resources, the action naming no resource to hold to this app's own: tags are authority (policies with aws:ResourceTag conditions scope one environment's roles to its own resources; cost allocation reads them)",
  },
  'by-id': {
    admits: listedOrNamedWhole,
    which:
      'which changes, stops or deletes any resource of its service by the id or name in the request, and aws.externalTargets does not list it',
    why: "a role of this environment could change, disable, stop or delete another environment's resources, the action naming no resource to hold to this app's own: its AppStream users, AppSync resolvers, identity pools' roles, Glue job bookmarks, task definitions, deployments, ...",
  },
};

/** What an identity policy statement grants out of bounds: the first resource and action, and its Bound, or undefined. */
function reachOf(
  template: StackTemplate,
  statement: Record<string, unknown>,
  bounds: GrantBounds,
):
  | { readonly resource: string; readonly action: string; readonly bound: Bound; readonly fix?: string }
  | undefined {
  if (statement.Effect === 'Deny') return undefined;
  // NotAction and NotResource grant everything they do not name: taken as `*`.
  const actions = Object.hasOwn(statement, 'NotAction')
    ? ['*']
    : itemsOf(statement.Action).map((a) => (typeof a === 'string' ? a : '*'));
  const reaching = actions.flatMap((action) => boundsOf(action).map((b) => ({ action, ...b })));
  if (reaching.length === 0) return undefined;
  // An action whose resource a condition key names is bounded by its Condition where it pins the key.
  const pinnedByCondition = (action: string) => {
    const key = ON_ANY_ONLY_IF.get(action.toLowerCase())?.key;
    return key !== undefined && pinnedToOwn(template, statement, key, bounds);
  };
  const resources = Object.hasOwn(statement, 'NotResource') ? ['*'] : itemsOf(statement.Resource);
  for (const resource of resources) {
    const text = literalText(resource, bounds.pseudo);
    // An ARN of another service (a log group, an X-Ray group) is none of what an action is bounded on.
    // One too short to name a service (`arn:*`) is read as a glob over every ARN, not skipped: were
    // IAM to take it, it would reach every service's resources. Anything else is no ARN: IAM refuses it.
    const service =
      text === undefined || text === '*'
        ? '*'
        : (/^arn:[^:]*:([^:]*):/.exec(text)?.[1] ?? (text.startsWith('arn:') ? '*' : undefined));
    if (service === undefined) continue;
    const out = reaching.find(
      ({ action, bound, services }) =>
        services.some((s) => s === '*' || iamPatternMatches(service, s)) &&
        !BOUNDS[bound].admits(template, resource, bounds) &&
        !pinnedByCondition(action),
    );
    if (out)
      return {
        resource: text ?? JSON.stringify(resource) ?? 'nothing',
        action: out.action,
        bound: out.bound,
        fix:
          ON_ANY_ONLY_IF.get(out.action.toLowerCase())?.fix ??
          (out.bound === 'reads' && READS_FILED_ELSEWHERE.has(out.action.toLowerCase())
            ? `${out.action} answers with ${READS_FILED_ELSEWHERE.get(out.action.toLowerCase())!}`
            : out.bound === 'settings'
              ? `${out.action} changes ${ACCOUNT_SETTINGS.get(out.action.toLowerCase())!}`
              : out.bound === 'tags'
                ? `${out.action} changes ${RESOURCELESS_TAG_WRITES.get(out.action.toLowerCase())!}`
                : out.bound === 'by-id'
                  ? `${out.action} changes ${RESOURCELESS_WRITES_BY_ID.get(out.action.toLowerCase())!}`
                  : undefined),
      };
  }
  return undefined;
}

/**
 * Refuses an `Allow` statement of an identity policy the template declares (`AWS::IAM::Policy`,
 * `ManagedPolicy`, `RolePolicy`/`UserPolicy`/`GroupPolicy`, a role's, user's or group's inline
 * `Policies`) that grants an action of a data-bearing service (DATA_SERVICES) on a resource that is
 * not the app's own (see ownResource) nor listed in `aws.externalTargets`: `*`, a wildcard ARN,
 * another environment's bucket, queue, secret, ... And a managed policy (`ManagedPolicyArns`) that
 * is neither the app's own, listed, nor one of HARMLESS_MANAGED_POLICIES. Within one account no
 * resource policy is needed for a role to read a bucket, queue or secret its identity policy
 * names: found in review, on moto, environment a's role was given `s3:GetObject` on environment
 * b's bucket and `secretsmanager:GetSecretValue` on b's secret, and a's Lambda could then read
 * them with the role (test/integration/cdk/grant-bounds.test.ts). And a CloudFormation action on
 * a stack that is not the stack's own (see ownStack): on moto, a's role was given
 * `cloudformation:*` on b's stack. And an action the CDK grants on `*` that reaches every
 * environment's resource of its kind, unless its Condition pins it to the app's own
 * (ON_ANY_ONLY_IF): on moto, a's role was given `logs:PutRetentionPolicy` and `ecs:StopTask` on
 * `*`; and an account-wide read (ACCOUNT_WIDE_READS) unless `aws.accountWideReads`: on moto, a's
 * role was given `xray:BatchGetTraces` on `*`, and `ec2:DescribeLaunchTemplateVersions`,
 * `autoscaling:DescribeLaunchConfigurations` and `ec2:DescribeVpnConnections` on `*`, which AWS
 * files under List (READS_FILED_ELSEWHERE); and a change of a setting of the account or Region
 * (ACCOUNT_SETTINGS) unless listed: on moto, a's role was given `ec2:DisableEbsEncryptionByDefault`
 * on `*`; and a tagging action that takes no resource type (RESOURCELESS_TAG_WRITES) unless
 * listed: on moto, a's role was given `servicediscovery:TagResource` and `workspaces:CreateTags` on
 * `*`; and a write that changes any resource of its service by the id or name in the request
 * (RESOURCELESS_WRITES_BY_ID) unless listed: on moto, a's role was given `appstream:DisableUser`,
 * `appsync:UpdateResolver` and `cognito-identity:SetIdentityPoolRoles` on `*`; and a
 * CloudFormation action that sets a stack's tags (RETAGS_STACKS) on any stack, its own
 * too, unless listed. Checked before any change set, in a plan and a deploy.
 */
export function assertGrantsInBounds(
  stackName: string,
  template: StackTemplate,
  bounds: GrantBounds,
  phase: 'plan' | 'apply-aws',
): void {
  const refuse = (what: string, bound: Bound = 'data', fix?: string) =>
    new CairnError(`${what}, ${BOUNDS[bound].which}: ${BOUNDS[bound].why}${fix ? `; ${fix}` : ''}`, {
      code: 'aws.out-of-bounds',
      phase,
      retryable: false,
      subject: `stack ${stackName}`,
      hint: "grant only resources of this app (the CDK's grant* on its own constructs does; its own roles to pass or assume by their ARN), or list the resource from outside the app, as the template writes it (its ARN, or `*` for an environment trusted with the whole account), in the environment's aws.externalTargets; an identity to write (iam: other than Get*, List*, PassRole) must be listed even when it is the app's own; a CloudFormation action names the stack's own (AWS::StackId, or its ARN by AWS::StackName) or a listed stack; a read of every environment's data of the account (xray:GetTraceSummaries, ecs:DescribeTaskDefinition or ec2:DescribeLaunchTemplateVersions on *) needs the environment's aws.accountWideReads, not a list; a change of a setting of the account or Region every environment shares (ec2:DisableEbsEncryptionByDefault, organizations:LeaveOrganization on *), a tagging action that takes no resource (servicediscovery:TagResource, workspaces:CreateTags on *), or a write of any resource by the id in the request (appstream:DisableUser, glue:ResetJobBookmark on *), only `*` in aws.externalTargets opens, for an environment trusted with the whole account; a CloudFormation action that sets a stack's tags (TagResource, UpdateStack, CreateChangeSet, CreateStack) passes only on a listed stack, its own included",
    });
  for (const [id, resource] of resourcesOf(template)) {
    const type = typeName(resource);
    const properties = (
      resource.Properties && typeof resource.Properties === 'object' ? resource.Properties : {}
    ) as Record<string, unknown>;
    const of = `of ${safeOutput(String(resource.Type), 200)}`;
    for (const { where, document } of policyDocuments(id, type, properties)) {
      for (const { name, statement } of statementsOf(document)) {
        const reach = reachOf(template, statement, bounds);
        if (!reach) continue;
        throw refuse(
          `${safeOutput(where, 200)} ${safeOutput(name, 200)} ${of} allows ${safeOutput(reach.action, 200)} on ${safeOutput(reach.resource, 200)}`,
          reach.bound,
          reach.fix,
        );
      }
    }
    if (!['aws::iam::role', 'aws::iam::user', 'aws::iam::group'].includes(type)) continue;
    if (properties.ManagedPolicyArns === undefined) continue;
    const arns = Array.isArray(properties.ManagedPolicyArns)
      ? properties.ManagedPolicyArns
      : [properties.ManagedPolicyArns];
    arns.forEach((arn: unknown, i) => {
      if (ownResource(template, arn, bounds)) return;
      const text = literalText(arn, bounds.pseudo);
      const awsManaged = text && /^arn:[^:]+:iam::aws:policy\/(.+)$/.exec(text)?.[1];
      if (awsManaged && HARMLESS_MANAGED_POLICIES.has(awsManaged)) return;
      if (text !== undefined && listed(text, bounds.listed)) return;
      throw refuse(
        `Resources.${safeOutput(id, 200)}.Properties.ManagedPolicyArns.${i} ${of} attaches ${safeOutput(text ?? JSON.stringify(arn), 200)}`,
      );
    });
  }
}
