import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { gunzipSync } from 'node:zlib';

// Derives, from the CloudFormation resource specification the installed CDK is generated from
// (@aws-cdk/aws-service-spec, which @aws-cdk/cloudformation-diff brings), every property path
// that names an IAM role (or an instance profile, which carries one) a service acts as, and
// writes them to cdk/deploy/role-properties.generated.ts for template-targets.ts to check. A table
// of such properties written by hand never ends (SECURITY.md): a CDK or spec upgrade brings new
// ones, which test/unit/cdk/role-properties.test.ts shows as a difference from the checked-in table.
// Run: npx tsx test/tools/role-properties.ts

const root = join(__dirname, '..', '..');
/** The table template-targets.ts reads; never edited by hand. */
export const GENERATED_FILE = join(root, 'cdk', 'deploy', 'role-properties.generated.ts');

/** A property's type in the spec database: a scalar, a list or map of one, a property type, or one of several. */
interface SpecType {
  readonly type: string;
  readonly element?: SpecType;
  readonly types?: readonly SpecType[];
  readonly reference?: { readonly $ref: string };
}
interface SpecProperty {
  readonly type: SpecType;
  readonly previousTypes?: readonly SpecType[];
  readonly documentation?: string;
  readonly relationshipRefs?: readonly { readonly cloudFormationType: string }[];
}
interface SpecShape {
  readonly $id: string;
  readonly name: string;
  readonly cloudFormationType?: string;
  readonly properties?: Readonly<Record<string, SpecProperty>>;
}

/** What the database holds of resources and of the property types their properties use. */
function loadSpec(): { resources: SpecShape[]; types: Map<string, SpecShape> } {
  const file = require.resolve('@aws-cdk/aws-service-spec/db.json.gz');
  const { schema } = JSON.parse(gunzipSync(readFileSync(file)).toString()) as {
    schema: { resource: { entities: SpecShape[] }; typeDefinition: { entities: SpecShape[] } };
  };
  return {
    resources: schema.resource.entities,
    types: new Map(schema.typeDefinition.entities.map((t) => [t.$id, t])),
  };
}

/** Names of properties that take a role, by ARN or name: Role, RoleArn, ServiceRole, ExecutionRoleArn, IamRoles, ... */
const ROLE_NAME = /Role(s|Arn|ARN|Arns|Name)?$|^RoleArnForLogging$/;
/** Names of properties that take an instance profile (whose role EC2 instances run as). */
const INSTANCE_PROFILE_NAME = /InstanceProfile(Arn|Name)?$/i;
/** API Gateway's `Credentials`, `CredentialsArn`, `AuthorizerCredentials`: a role, when the docs or references say so. */
const CREDENTIALS_NAME = /Credentials(Arn)?$/;
/**
 * Names with "Role" in them that are not an IAM role: a role type, alias or session name, LDAP
 * and database roles, Snowflake's, QuickSight's and Transcribe's roles of a column or speaker, a
 * permissions boundary, a trust policy. Checked by hand against the docs of the spec.
 */
const NOT_A_ROLE =
  /(Type|Alias|Search\w*|Base|Required|Resolution|Region|SessionName|PolicyDocument|Boundary|Key|GeographicRole|GeographicalRole|ColumnDataRole|PropertyRole|ParticipantRole|SnowflakeRole|IdentityConfig)$/;
/** Properties that give a principal access (a grant), rather than lend it to what runs: template-grants.ts's. */
const PRINCIPAL = /Principal|MasterUser/;
/** Docs that enumerate the values a property takes (`PRIMARY`, `TASK`, `MASTER`): a role in a cluster or a chat. */
const ENUMERATED = /valid values|allowed values|can only be|indicates whether|the role of the|plays in/i;
const IAM_DOC = /\bIAM\b|Identity and Access Management|\bARN\b|Amazon Resource Name/;
/**
 * The few left that the rules above cannot tell, each read in the spec's docs: LDAP group
 * attributes of an MQ broker, the SAML attribute holding a Grafana user's role, a chat message's
 * speaker, a MediaLive node's and an ElastiCache member's part in a cluster, an Argo CD role, a
 * DMS instance profile (DMS's own resource, not IAM's).
 */
const NOT_IAM_PATHS: ReadonlySet<string> = new Set([
  'AWS::AmazonMQ::Broker LdapServerMetadata.RoleName',
  'AWS::AmazonMQ::Broker LdapServerMetadata.UserRoleName',
  'AWS::Grafana::Workspace SamlConfiguration.AssertionAttributes.Role',
  'AWS::Bedrock::Prompt Variants[].TemplateConfiguration.Chat.Messages[].Role',
  'AWS::BedrockAgent::Prompt Variants[].TemplateConfiguration.Chat.Messages[].Role',
  'AWS::BedrockAgent::PromptVersion Variants[].TemplateConfiguration.Chat.Messages[].Role',
  'AWS::MediaLive::Node Role',
  'AWS::ElastiCache::GlobalReplicationGroup Members[].Role',
  'AWS::EKS::Capability Configuration.ArgoCd.RbacRoleMappings[].Role',
  'AWS::DMS::MigrationProject InstanceProfileArn',
  'AWS::DMS::MigrationProject InstanceProfileName',
]);

/** What a property takes: a role, or an instance profile (a name of one is not a role's: they are named apart). */
type Takes = 'role' | 'instance-profile';

/** What a string property at `path` (its last name `name`) of `resource` names that a service acts as, if anything. */
function takes(resource: SpecShape, path: string, name: string, property: SpecProperty): Takes | undefined {
  const role = takesRole(resource, path, name, property);
  if (!role) return undefined;
  const parent =
    path
      .split('.')
      .slice(-2, -1)[0]
      ?.replace(/\[\]|\{\}/g, '') ?? '';
  const profile =
    INSTANCE_PROFILE_NAME.test(name) ||
    INSTANCE_PROFILE_NAME.test(parent) ||
    (property.relationshipRefs ?? []).some((r) => r.cloudFormationType === 'AWS::IAM::InstanceProfile');
  return profile ? 'instance-profile' : 'role';
}

function takesRole(resource: SpecShape, path: string, name: string, property: SpecProperty): boolean {
  const refs = (property.relationshipRefs ?? []).map((r) => r.cloudFormationType);
  const iamRefs = refs.filter((t) => t === 'AWS::IAM::Role' || t === 'AWS::IAM::InstanceProfile');
  const doc = property.documentation ?? '';
  // The resource's own name or id (a role's RoleName): what it creates, not what it names.
  if (!path.includes('.') && (name === `${resource.name}Name` || name === `${resource.name}Identifier`))
    return false;
  if (NOT_IAM_PATHS.has(`${resource.cloudFormationType} ${path}`)) return false;
  // Referenced as something else only (a DMS instance profile, a Lambda alias).
  if (refs.length > 0 && iamRefs.length === 0) return false;
  if (PRINCIPAL.test(name) || NOT_A_ROLE.test(name)) return false;
  if (ENUMERATED.test(doc) && !IAM_DOC.test(doc)) return false;
  const parent = path
    .split('.')
    .slice(-2, -1)[0]
    ?.replace(/\[\]|\{\}/g, '');
  if (ROLE_NAME.test(name) || INSTANCE_PROFILE_NAME.test(name)) return true;
  if (parent !== undefined && INSTANCE_PROFILE_NAME.test(parent) && /^(Arn|Name)$/.test(name)) return true;
  if (CREDENTIALS_NAME.test(name)) return iamRefs.length > 0 || /IAM role/i.test(doc);
  // Referenced as a role or profile only, under another name (a flow log's DeliverLogsPermissionArn).
  return iamRefs.length > 0 && iamRefs.length === refs.length;
}

/** Paths by lower-cased resource type, sorted. */
export type PathTable = Record<string, string[]>;

/**
 * Every property path (as template-targets.ts's TargetProperty writes them: `[]` for each item of
 * a list, `{}` for each value of a map) of each resource type, by its lower-cased type name, that
 * names a role a service acts as (`role`), or an instance profile (`instanceProfile`).
 */
export function deriveRoleProperties(): { role: PathTable; instanceProfile: PathTable } {
  const { resources, types } = loadSpec();
  const tables = { role: {} as PathTable, instanceProfile: {} as PathTable };
  for (const resource of resources) {
    const found = { role: new Set<string>(), instanceProfile: new Set<string>() };
    const walk = (shape: SpecShape, prefix: string, seen: ReadonlySet<string>) => {
      for (const [name, property] of Object.entries(shape.properties ?? {})) {
        const visit = (type: SpecType, suffix: string) => {
          const path = `${prefix}${name}${suffix}`;
          if (type.type === 'ref' && type.reference) {
            const next = types.get(type.reference.$ref);
            if (next && !seen.has(next.$id)) walk(next, `${path}.`, new Set([...seen, next.$id]));
          } else if (type.type === 'array' && type.element) visit(type.element, `${suffix}[]`);
          else if (type.type === 'map' && type.element) visit(type.element, `${suffix}{}`);
          else if (type.type === 'union') for (const t of type.types ?? []) visit(t, suffix);
          else if (type.type === 'string') {
            const taken = takes(resource, path, name, property);
            if (taken) found[taken === 'role' ? 'role' : 'instanceProfile'].add(path);
          }
        };
        for (const type of [property.type, ...(property.previousTypes ?? [])]) visit(type, '');
      }
    };
    walk(resource, '', new Set());
    for (const kind of ['role', 'instanceProfile'] as const)
      if (found[kind].size > 0 && resource.cloudFormationType)
        tables[kind][resource.cloudFormationType.toLowerCase()] = [...found[kind]].sort();
  }
  const sorted = (table: PathTable) =>
    Object.fromEntries(Object.entries(table).sort(([a], [b]) => a.localeCompare(b)));
  return { role: sorted(tables.role), instanceProfile: sorted(tables.instanceProfile) };
}

/**
 * The properties aws-cdk-lib's own L1 classes type as a role or instance profile reference
 * (`iamRefs.IRoleRef | string`), as `[type, name]` with the type lower-cased and the property's
 * camel-case name: a cross-check of the table against the CDK itself, which marks some of them
 * (not all: a Firehose destination's `roleArn` is a plain string).
 */
export function cdkRoleReferences(): [string, string][] {
  const root = join(dirname(require.resolve('aws-cdk-lib/package.json')));
  const found: [string, string][] = [];
  const walk = (dir: string) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory() && entry.name !== 'node_modules') walk(path);
      else if (entry.name.endsWith('.generated.d.ts'))
        found.push(...referencesIn(readFileSync(path, 'utf8')));
    }
  };
  walk(root);
  return found;
}

/** The role references of one generated declaration file: each class, its Props and namespace, by its `@cloudformationResource`. */
function referencesIn(text: string): [string, string][] {
  if (!/I(Role|InstanceProfile)Ref/.test(text)) return [];
  const found: [string, string][] = [];
  const typeOf = new Map<string, string>();
  let owner: string | undefined;
  let documented: string | undefined;
  const owned: [string, string][] = [];
  for (const line of text.split('\n')) {
    const resource = /@cloudformationResource (\S+)/.exec(line);
    if (resource) documented = resource[1];
    const declared = /^export (?:declare )?(class|namespace|interface) (Cfn\w+?)(?:Props)?\b/.exec(line);
    if (declared) {
      owner = declared[2];
      if (declared[1] === 'class' && documented) typeOf.set(owner, documented.toLowerCase());
      documented = undefined;
    }
    const property = /^\s+readonly (\w+)\??: (?:Array<)?iamRefs\.I(?:Role|InstanceProfile)Ref \| string/.exec(
      line,
    );
    if (property && owner) owned.push([owner, property[1]!]);
  }
  for (const [cls, name] of owned) found.push([typeOf.get(cls) ?? cls, name]);
  return found;
}

async function main() {
  const { role, instanceProfile } = deriveRoleProperties();
  const text = `// Generated by test/tools/role-properties.ts from @aws-cdk/aws-service-spec; do not edit.
// Run \`npx tsx test/tools/role-properties.ts\` after a CDK upgrade.

/**
 * The property paths, by lower-cased resource type, that name an IAM role the service acts as:
 * \`[]\` for each item of a list, \`{}\` for each value of a map.
 */
export const ROLE_PROPERTIES: Readonly<Record<string, readonly string[]>> = ${JSON.stringify(role)};

/** The property paths, by lower-cased resource type, that name an instance profile EC2 instances run as. */
export const INSTANCE_PROFILE_PROPERTIES: Readonly<Record<string, readonly string[]>> = ${JSON.stringify(instanceProfile)};
`;
  // Loaded here, not at the top: the unit test imports deriveRoleProperties, and jest cannot load prettier.
  const { format, resolveConfig } = await import('prettier');
  const options = await resolveConfig(GENERATED_FILE);
  writeFileSync(GENERATED_FILE, await format(text, { ...options, filepath: GENERATED_FILE }));
  const count = (table: PathTable) => Object.values(table).flat().length;
  console.log(
    `${GENERATED_FILE}: ${count(role)} role and ${count(instanceProfile)} instance profile properties`,
  );
}

if (require.main === module) void main();
