import type { Log, WriteFence } from '../../controller/model';
import type { AwsClients } from './aws-clients';
import type { AwsTargetConfig } from '../../controller/model';
import type { StackTemplate } from './template-bounds';
import type { TargetKind } from './template-targets';
import type { AdoptionCheck } from './adopted-names';

/** Reads one template file of the assembly, bounded in size and parsed (see templateReader). */
export type TemplateReader = (file: string, subject: string) => StackTemplate;

/**
 * What deploying one stack needs: the environment, its target, clients and logger. Its own file so
 * that the deployer and the recovery it calls both use it without importing each other.
 */
export interface StackContext {
  readonly env: string;
  /** The value of the ENV_TAG this controller puts on its stacks: the environment, qualified by its owner. */
  readonly envTag: string;
  readonly target: AwsTargetConfig;
  /** The clients the stack's CloudFormation calls use: the CDK bootstrap's deploy role, or the environment's own. */
  readonly clients: AwsClients;
  /** The clients that write to the bootstrap bucket (large templates): the publishing role, or `clients`. */
  readonly uploads?: AwsClients;
  /** `RoleARN` for the stack (see stackIdentity); absent means `target.cloudFormationExecutionRoleArn`. */
  readonly executionRoleArn?: string;
  readonly log: Log;
  /**
   * What this stack's templates may import: the exports of the app's stacks it depends on (see
   * importableExports and assertImportsInBounds). Absent: nothing.
   */
  readonly ownExports?: ReadonlySet<string>;
  /**
   * Which of those exports are a provider of the exporting stack's own, which this stack's custom
   * resources may call (see providerExports and assertProvidersInBounds). Absent: none.
   */
  readonly ownProviders?: ReadonlySet<string>;
  /**
   * Which of those exports name a resource of the exporting stack's own, and what they name (see
   * targetExports), which this stack's policies, permissions and subscriptions may attach to (see
   * assertTargetsInBounds). Absent: none.
   */
  readonly ownTargets?: ReadonlyMap<string, TargetKind>;
  /**
   * The names the app's stacks this stack depends on give their data-bearing resources (see
   * namedResources), which this stack's identity policies may grant by ARN (see
   * assertGrantsInBounds). Absent: none.
   */
  readonly ownNamed?: ReadonlySet<string>;
  /**
   * How this plan or apply reads the app's template files (`templateReader`: each once, shared by
   * every stack); absent: each read from its file.
   */
  readonly templates?: TemplateReader;
  /**
   * With a Lease (sharding, or the unsharded heartbeat): called right before every write request to
   * AWS is sent, each SDK retry included (asset and template uploads, change set create and execute,
   * stack delete, rollback continue); see fencedWrite and WriteFence.
   */
  readonly fence?: WriteFence;
  /**
   * How a queue or topic the change set adds under a name is checked not to be someone else's (see
   * assertNoAdoptedNames); absent: not checked (createAwsApplier always sets it).
   */
  readonly adoption?: AdoptionCheck;
}

/** `RoleARN` for a change set or delete: the environment's execution role, so CloudFormation acts as it. */
export function executionRole(ctx: StackContext): { RoleARN?: string } {
  const role = ctx.executionRoleArn ?? ctx.target.cloudFormationExecutionRoleArn;
  return role ? { RoleARN: role } : {};
}
