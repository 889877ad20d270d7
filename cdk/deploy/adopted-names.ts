import { ListStackResourcesCommand, type CloudFormationClient } from '@aws-sdk/client-cloudformation';
import type * as Sns from '@aws-sdk/client-sns';
import type * as Sqs from '@aws-sdk/client-sqs';
import { CairnError, errorMessage, isCairnError } from '../../controller/model';
import { safeOutput } from '../../controller/model/secret-mask';
import type { ResourceChange } from '../types';
import type { AwsClients } from './aws-clients';
import { literalText, resourcesOf, typeName, writtenWhole, type StackTemplate } from './template-bounds';

// A resource CloudFormation "creates" under an explicit name, where the create answers with the
// existing resource of that name instead of failing: SQS CreateQueue, SNS CreateTopic and Step
// Functions CreateStateMachine are idempotent, and moto's CloudFormation takes a KMS alias or a
// Lambda function over. The stack then holds another environment's resource as its own, deletes
// it with the stack, and assertTargetsInBounds counts it as the app's. The types whose create
// fails on a taken name (S3, DynamoDB, ECR, IAM, Logs, SSM, Kinesis, ...) are left out: SECURITY.md
// ("Not covered yet") names the handler source and the moto run that show it. This module
// decides, before a change set is executed or planned, whether a name a stack adds is taken by
// something outside the environment.

/** A type whose service create takes over an existing resource of the same name. */
interface AdoptingType {
  /** The property holding the resource's name (absent: CloudFormation makes a unique one). */
  readonly property: string;
  /** The IAM action the environment's identity needs to ask whether the name is taken. */
  readonly permission: string;
  /** Whether a resource of that name exists, read with the environment's own identity. */
  readonly exists: (clients: AwsClients, name: string, target: NameTarget) => Promise<boolean>;
}

/** Where names are looked up: the environment's account, region and partition. */
export interface NameTarget {
  readonly account: string;
  readonly region: string;
  readonly partition: string;
}

const errorName = (error: unknown): string =>
  String((error as { name?: unknown }).name ?? (error as { Code?: unknown }).Code ?? '');

/** Whether a read failed because nothing has the name (`type`: the service's not-found error). */
const notFound = (error: unknown, type: RegExp): boolean => type.test(errorName(error));

/**
 * SQS CreateQueue answers an existing queue's URL when its attributes match (AWS), or whatever
 * they are (moto): no AlreadyExists to rely on. SNS CreateTopic answers an existing topic's ARN.
 * AWS's own SNS handler checks first (CfnAlreadyExistsException, aws-sns-topic CreateHandler in
 * aws-cloudformation-resource-providers-sns); moto, LocalStack and an older handler need not.
 */
const ADOPTING: ReadonlyMap<string, AdoptingType> = new Map<string, AdoptingType>([
  [
    'aws::sqs::queue',
    {
      property: 'QueueName',
      permission: 'sqs:GetQueueUrl',
      exists: async (clients, name) => {
        try {
          // The SDK's modules are loaded here, on first use (see AwsClients.sqs).
          const { GetQueueUrlCommand } = require('@aws-sdk/client-sqs') as typeof Sqs;
          await clients.sqs.send(new GetQueueUrlCommand({ QueueName: name }));
          return true;
        } catch (error) {
          if (/QueueDoesNotExist|NonExistentQueue/.test(errorName(error))) return false;
          throw error;
        }
      },
    },
  ],
  [
    'aws::sns::topic',
    {
      property: 'TopicName',
      permission: 'sns:GetTopicAttributes',
      exists: async (clients, name, { partition, region, account }) => {
        try {
          const arn = `arn:${partition}:sns:${region}:${account}:${name}`;
          const { GetTopicAttributesCommand } = require('@aws-sdk/client-sns') as typeof Sns;
          await clients.sns.send(new GetTopicAttributesCommand({ TopicArn: arn }));
          return true;
        } catch (error) {
          if (/^NotFound/.test(errorName(error))) return false;
          throw error;
        }
      },
    },
  ],
  // CreateStateMachine answers the existing ARN when the name's definition, role and type match
  // (AWS's handler calls it without looking first: statemachine/.../CreateHandler.java in
  // aws-cloudformation-resource-providers-stepfunctions); moto answers it whatever they are.
  [
    'aws::stepfunctions::statemachine',
    {
      property: 'StateMachineName',
      permission: 'states:DescribeStateMachine',
      exists: async (clients, name, { partition, region, account }) => {
        const stateMachineArn = `arn:${partition}:states:${region}:${account}:stateMachine:${name}`;
        return clients.readJson('states', 'DescribeStateMachine', { stateMachineArn }).then(
          () => true,
          (error: unknown) => (notFound(error, /^StateMachineDoesNotExist$/) ? false : Promise.reject(error)),
        );
      },
    },
  ],
  // AWS's CreateFunction fails ResourceConflictException; moto's CloudFormation overwrites b's
  // function with a's code and role, and deletes it with a's stack. GetFunctionConfiguration is the
  // smallest read of a function by name.
  [
    'aws::lambda::function',
    {
      property: 'FunctionName',
      permission: 'lambda:GetFunctionConfiguration',
      exists: async (clients, name) =>
        clients
          .readJson('lambda', `/2015-03-31/functions/${encodeURIComponent(name)}/configuration`, {})
          .then(
            () => true,
            (error: unknown) =>
              notFound(error, /^ResourceNotFoundException$/) ? false : Promise.reject(error),
          ),
    },
  ],
  // AWS's CreateAlias fails AlreadyExistsException; moto's CloudFormation completes a's alias and
  // deletes b's with a's stack. The aliases are listed, not the one read by DescribeKey: that read
  // also needs the alias's key's policy to allow the identity (another environment's key need not),
  // and moto answers it 500 for a key its CloudFormation made. A page holds 100 aliases.
  [
    'aws::kms::alias',
    {
      property: 'AliasName',
      permission: 'kms:ListAliases',
      exists: async (clients, name) => {
        let marker: string | undefined;
        do {
          const page = (await clients.readJson('kms', 'ListAliases', {
            Limit: 100,
            ...(marker ? { Marker: marker } : {}),
          })) as { Aliases?: { AliasName?: string }[]; Truncated?: boolean; NextMarker?: string };
          if ((page.Aliases ?? []).some((a) => a.AliasName === name)) return true;
          marker = page.Truncated ? page.NextMarker : undefined;
        } while (marker);
        return false;
      },
    },
  ],
]);

/**
 * Whether a physical id is the resource of that name: a queue URL's last path segment, a topic's
 * or state machine's ARN's last field, or the id itself (an alias's id is its `alias/...` name).
 */
const physicalIdNames = (physicalId: string, name: string): boolean =>
  physicalId === name || (physicalId.split(/[/:]/).pop() ?? physicalId) === name;

/** What the check needs beyond the template: the reads, as the environment's own identity, and what is its own. */
export interface AdoptionCheck {
  /** The environment's own identity's clients (not the bootstrap's deploy role, which reads no queue). */
  readonly clients: AwsClients;
  readonly target: NameTarget;
  /**
   * The resources of the environment's own stacks (nested ones included), as type and physical id;
   * asked only when a name a stack adds is taken, once per plan or apply (see ownResources).
   */
  readonly own: () => Promise<readonly OwnResource[]>;
}

export interface OwnResource {
  readonly type: string;
  readonly physicalId: string;
}

/**
 * The logical ids of `changes` that make a resource anew under the name the template gives it: an
 * `Add`, or a `Modify` that replaces the resource (True or Conditional). A nested stack's own
 * changes are not listed in its parent's change set: a nested stack that is added or modified here
 * counts as making every resource of its template (see nestedMaking).
 */
export function makingIds(changes: readonly ResourceChange[]): Set<string> {
  const replaces = (c: ResourceChange) => c.replacement !== null && c.replacement !== 'False';
  return new Set(
    changes
      .filter((c) => c.action === 'Add' || (c.action === 'Modify' && replaces(c)))
      .map((c) => c.logicalId),
  );
}

/** Whether the nested stack `logicalId` may make resources in this change: it is added or modified. */
export function nestedMaking(changes: readonly ResourceChange[], logicalId: string): boolean {
  return changes.some((c) => c.logicalId === logicalId && (c.action === 'Add' || c.action === 'Modify'));
}

/**
 * Refuses (`aws.out-of-bounds`) a resource the change set adds (or replaces) whose type's create
 * takes over an existing resource of the same name (ADOPTING), when that name is taken by a
 * resource that is not one of the environment's own stacks'. Found in review, on moto: a's stack
 * declaring b's queue and topic names completed with b's queue URL and topic ARN as its own, and
 * deleting a's stack deleted them (test/integration/cdk/adopted-names.test.ts). A name written so
 * that cairn cannot read it before CloudFormation does (a parameter, an attribute) is refused too:
 * it could be anyone's. A read the identity may not make fails closed (`aws.name-check`), naming
 * the permission to grant. `making`: the logical ids the change makes (makingIds), or `all` for a
 * nested stack's template. `pseudo` holds the pseudo parameters' values (`AWS::StackName` too, for a
 * top-level stack, whose name cairn knows).
 */
export async function assertNoAdoptedNames(
  stackName: string,
  template: StackTemplate,
  making: ReadonlySet<string> | 'all',
  check: AdoptionCheck,
  pseudo: Readonly<Record<string, string>>,
  phase: 'plan' | 'apply-aws',
): Promise<void> {
  let own: readonly OwnResource[] | undefined;
  for (const [id, resource] of resourcesOf(template)) {
    const type = typeName(resource);
    const adopting = ADOPTING.get(type);
    if (!adopting || (making !== 'all' && !making.has(id))) continue;
    const properties = (resource.Properties ?? {}) as Record<string, unknown>;
    // Properties written whole as an intrinsic (an Fn::If) may hold a name cairn cannot read.
    const whole = writtenWhole(properties);
    if (!whole && !Object.hasOwn(properties, adopting.property)) continue; // CloudFormation names it uniquely
    const where = `Resources.${safeOutput(id, 200)}.Properties${whole ? '' : `.${adopting.property}`}`;
    const subject = `stack ${stackName}`;
    const refuse = (why: string, hint: string) =>
      new CairnError(`${where} of ${safeOutput(String(resource.Type), 200)} ${why}`, {
        code: 'aws.out-of-bounds',
        phase,
        retryable: false,
        subject,
        hint,
      });
    const name = whole ? undefined : literalText(properties[adopting.property], pseudo);
    if (name === undefined)
      throw refuse(
        'is not a name cairn can read before CloudFormation does, so whether another resource holds it cannot be checked',
        `write the name as text (the pseudo parameters and AWS::StackName may be used), or leave ${adopting.property} out and let CloudFormation name it`,
      );
    let taken: boolean;
    try {
      taken = await adopting.exists(check.clients, name, check.target);
    } catch (error) {
      throw readFailed(error, adopting.permission, name, subject, phase);
    }
    if (!taken) continue;
    try {
      own ??= await check.own();
    } catch (error) {
      throw readFailed(error, 'cloudformation:ListStackResources', name, subject, phase);
    }
    if (own.some((r) => typeName({ Type: r.type }) === type && physicalIdNames(r.physicalId, name))) continue;
    throw refuse(
      `names ${safeOutput(JSON.stringify(name), 200)}, which exists and belongs to something outside this app (another environment's stack, or made by hand): CloudFormation would take it over as this stack's, and delete it with the stack`,
      `choose a name no other resource has, ideally under a prefix of this environment's, or leave ${adopting.property} out`,
    );
  }
}

function readFailed(
  error: unknown,
  permission: string,
  name: string,
  subject: string,
  phase: 'plan' | 'apply-aws',
): CairnError {
  if (isCairnError(error)) return error; // the environment's role could not be assumed: it says so
  const denied = /AccessDenied|AuthorizationError|UnauthorizedOperation/.test(errorName(error));
  return new CairnError(
    `could not check whether ${safeOutput(JSON.stringify(name), 200)} is taken: ${errorMessage(error)}`,
    {
      code: 'aws.name-check',
      phase,
      // Denied stays denied until the policy changes; anything else (throttling, the network) may pass.
      retryable: !denied,
      subject,
      hint: `a named queue, topic, state machine, KMS alias or Lambda function is checked before it is created (and, when its name is taken, against the environment's own stacks), as the environment's own identity: allow it ${permission}`,
    },
  );
}

/**
 * The resources of the stacks named and of their nested stacks, as CloudFormation lists them: what
 * the environment may re-create under its own names (a resource moved between its stacks).
 */
export async function ownResources(
  cfn: CloudFormationClient,
  stackNames: readonly string[],
): Promise<OwnResource[]> {
  const found: OwnResource[] = [];
  const pending = [...stackNames];
  const seen = new Set<string>();
  for (let stack = pending.pop(); stack !== undefined; stack = pending.pop()) {
    if (seen.has(stack)) continue;
    seen.add(stack);
    let token: string | undefined;
    do {
      const page = await cfn.send(
        new ListStackResourcesCommand({ StackName: stack, ...(token ? { NextToken: token } : {}) }),
      );
      for (const r of page.StackResourceSummaries ?? []) {
        if (!r.PhysicalResourceId || !r.ResourceType) continue;
        found.push({ type: r.ResourceType, physicalId: r.PhysicalResourceId });
        if (r.ResourceType === 'AWS::CloudFormation::Stack') pending.push(r.PhysicalResourceId);
      }
      token = page.NextToken;
    } while (token);
  }
  return found;
}
