import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, type BucketLocationConstraint } from '@aws-sdk/client-s3';
import { DeleteParameterCommand, PutParameterCommand } from '@aws-sdk/client-ssm';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { BOOTSTRAP, makeClients, type AwsClients } from '../../../cdk/deploy/aws-clients';
import { bootstrapRoleArn, resolvePlaceholders } from '../../../cdk/deploy/stack-identity';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { AwsTargetConfig } from '../../../controller/config/types';
import type { Assembly } from '../../../cdk/types';
import { silentLog } from '../../../controller/log';
import { startCfnFaultProxy, type CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxCredentials, sandboxTarget, unique, workspaceWith } from './cdk-fixture';

/**
 * The deploy and execution roles a standard `cdk bootstrap` provides, used as `cdk deploy` uses
 * them, against moto through the recording proxy (moto's STS answers every AssumeRole with keys
 * of their own, so the key that signed a request says which identity made it). The account's
 * bootstrap is in a region of its own (eu-north-1), so the shared default region, where the
 * other tests have cairn's bootstrap, is left alone.
 */
jest.setTimeout(180_000);

const REGION = 'eu-north-1';
const credentials = sandboxCredentials();
const prefix = unique('cdkroles');
const sha = '4444444ddddddddddddddddddddddddddddddddd';
const target = (overrides: Partial<AwsTargetConfig> = {}) =>
  sandboxTarget({ region: REGION, endpoint: proxy.url, ...overrides });
let proxy: CfnFaultProxy;
let assembly: Assembly;
let admin: AwsClients;
const deployRole = () => bootstrapRoleArn('deploy', sandboxTarget({ region: REGION }));
const execRole = () => bootstrapRoleArn('cfn-exec', sandboxTarget({ region: REGION }));
const publishRole = () => bootstrapRoleArn('file-publishing', sandboxTarget({ region: REGION }));

/**
 * What `cdk bootstrap` (with `--qualifier`, else the default) leaves that cairn reads: the
 * version parameter (no cairn mark) and the bucket.
 */
async function cdkBootstrap(qualifier?: string): Promise<void> {
  const bootstrapped = sandboxTarget({
    region: REGION,
    ...(qualifier ? { bootstrapQualifier: qualifier } : {}),
  });
  await admin.ssm
    .send(new DeleteParameterCommand({ Name: BOOTSTRAP.versionParameter(bootstrapped) }))
    .catch(() => undefined);
  await admin.ssm.send(
    new PutParameterCommand({ Name: BOOTSTRAP.versionParameter(bootstrapped), Value: '27', Type: 'String' }),
  );
  await admin.s3
    .send(
      new CreateBucketCommand({
        Bucket: BOOTSTRAP.bucket(bootstrapped),
        CreateBucketConfiguration: { LocationConstraint: REGION as BucketLocationConstraint },
      }),
    )
    .catch((error: Error) => {
      if (!/BucketAlreadyOwnedByYou|BucketAlreadyExists/.test(error.name)) throw error;
    });
}

/** One stack of the assembly, renamed so each test has a stack of its own. */
const stackNamed = (name: string): Assembly => ({
  dir: assembly.dir,
  stacks: assembly.stacks.map((s) => ({ ...s, stackName: `${prefix}-${name}` })),
});

/**
 * The same stack with a queue added to a copy of its template: a change to the deployed stack,
 * which a plan describes through a change set (a stack that does not exist is planned from its
 * template, with none).
 */
const withExtraQueue = (stacks: Assembly): Assembly => {
  const [stack] = stacks.stacks;
  const template = JSON.parse(readFileSync(stack!.templateFile, 'utf8')) as {
    Resources: Record<string, unknown>;
  };
  template.Resources.Extra = { Type: 'AWS::SQS::Queue', Properties: {} };
  const templateFile = join(stacks.dir, `${stack!.id}-extra.template.json`);
  writeFileSync(templateFile, JSON.stringify(template));
  return { dir: stacks.dir, stacks: [{ ...stack!, templateFile }] };
};

const sinceMark = () => {
  const from = proxy.signed.length;
  const cfnFrom = proxy.requests.length;
  return {
    signed: () => proxy.signed.slice(from),
    cfn: () => proxy.requests.slice(cfnFrom),
  };
};

const assumeKey = (seen: ReturnType<typeof proxy.signed.slice>, roleArn: string) =>
  seen.filter((r) => r.action === 'AssumeRole' && r.roleArn === roleArn);

beforeAll(async () => {
  proxy = await startCfnFaultProxy(sandboxTarget().endpoint!);
  admin = makeClients(sandboxTarget({ region: REGION }), credentials);
  await cdkBootstrap();
  // One stack with a file asset: CloudFormation (deploy role) and S3 (publishing role) are both used.
  assembly = await synthesizeApp({
    workspaceDir: workspaceWith({ prefix, stacks: [{ name: 'Fn', lambda: true }] }),
    env: 'dev',
    target: sandboxTarget({ region: REGION }),
    commitSha: sha,
    log: silentLog(),
  });
});

afterAll(async () => {
  await proxy?.close();
});

describe('an account that cdk bootstrap prepared', () => {
  it('the assembly names the bootstrap roles with placeholders, which cairn resolves', () => {
    const roles = assembly.stacks[0]!.roles!;
    expect(roles.deployRoleArn).toContain('${AWS::Partition}');
    expect(roles.deployRoleArn?.replace('${AWS::Partition}', 'aws')).toBe(deployRole());
  });

  it('deploys as the deploy role, publishes as the publishing role, and passes the execution role as RoleARN', async () => {
    // given an environment with no role of its own, on the CDK-bootstrapped account
    const env = unique('cdkdeploy');
    const applier = createAwsApplier(env, target(), silentLog(), { credentials });
    const seen = sinceMark();
    // when it applies the app
    const result = await applier.apply(stackNamed('Deploy'), sha);
    // then the stack was created
    expect(result.failure).toBeUndefined();
    // and STS was asked, with the controller's key, for the deploy role and the publishing role, as cairn-<env>
    const signed = seen.signed();
    const deployAssumes = assumeKey(signed, deployRole());
    expect(deployAssumes.map((r) => [r.accessKeyId, r.sessionName])).toEqual([
      [credentials.accessKeyId, `cairn-${env}`],
    ]);
    expect(assumeKey(signed, publishRole()).map((r) => r.accessKeyId)).toEqual([credentials.accessKeyId]);
    // and every change set call was signed with one key that is neither the controller's nor the publisher's
    // (ExecuteChangeSet names the change set's ARN, not the stack; the listing of the environment's
    // stacks for prune is the environment's own call)
    const stackCalls = seen
      .cfn()
      .filter((r) => r.stackName === `${prefix}-Deploy` || /ChangeSet$/.test(r.action));
    expect(stackCalls.map((r) => r.action)).toEqual(
      expect.arrayContaining(['CreateChangeSet', 'ExecuteChangeSet']),
    );
    const deployKeys = new Set(stackCalls.map((r) => r.accessKeyId));
    expect(deployKeys.size).toBe(1);
    const [deployKey] = [...deployKeys];
    expect(deployKey).not.toBe(credentials.accessKeyId);
    expect(deployKey).toMatch(/^ASIA/);
    // and the asset upload was signed by a third key: the publishing role's
    const s3Keys = new Set(signed.filter((r) => r.service === 's3').map((r) => r.accessKeyId));
    expect(s3Keys.size).toBe(1);
    expect(s3Keys.has(deployKey!)).toBe(false);
    expect(s3Keys.has(credentials.accessKeyId)).toBe(false);
    // and the change set was created with the assembly's execution role
    const created = stackCalls.filter((r) => r.action === 'CreateChangeSet');
    expect(created.map((r) => r.params?.RoleARN)).toEqual([execRole()]);
    await applier.close();
  });

  it('passes a configured aws.cloudFormationExecutionRoleArn instead of the assembly’s, still as the deploy role', async () => {
    // given an environment that configures its own execution role
    const configured = `arn:aws:iam::${sandboxTarget().account}:role/team-exec`;
    const applier = createAwsApplier(
      unique('cfgexec'),
      target({ cloudFormationExecutionRoleArn: configured }),
      silentLog(),
      {
        credentials,
      },
    );
    const seen = sinceMark();
    // when it applies, and then plans a change to the stack
    const result = await applier.apply(stackNamed('Configured'), sha);
    const plan = await applier.plan(withExtraQueue(stackNamed('Configured')), sha);
    // then both change sets carried the configured role, signed as the deploy role
    expect(result.failure).toBeUndefined();
    expect(plan.failure).toBeUndefined();
    const created = seen
      .cfn()
      .filter((r) => r.action === 'CreateChangeSet' && r.stackName === `${prefix}-Configured`);
    expect(created.map((r) => r.params?.RoleARN)).toEqual([configured, configured]);
    expect(created.every((r) => r.accessKeyId !== credentials.accessKeyId)).toBe(true);
    expect(assumeKey(seen.signed(), deployRole())).toHaveLength(1);
    await applier.close();
  });

  it('assumes the deploy role after the environment’s aws.roleArn, with that role’s key', async () => {
    // given an environment with a role of its own
    const own = `arn:aws:iam::${sandboxTarget().account}:role/cairn-chain`;
    const applier = createAwsApplier(unique('chain'), target({ roleArn: own }), silentLog(), { credentials });
    const seen = sinceMark();
    // when it plans
    const plan = await applier.plan(stackNamed('Chained'), sha);
    expect(plan.failure).toBeUndefined();
    // then the controller's key assumed only the environment's role, and that role's key assumed the deploy role
    const signed = seen.signed();
    const ownAssumes = assumeKey(signed, own);
    expect(ownAssumes.length).toBeGreaterThan(0);
    expect(ownAssumes.every((r) => r.accessKeyId === credentials.accessKeyId)).toBe(true);
    const deployAssumes = assumeKey(signed, deployRole());
    expect(deployAssumes).toHaveLength(1);
    expect(deployAssumes[0]!.accessKeyId).not.toBe(credentials.accessKeyId);
    expect(deployAssumes[0]!.accessKeyId).toMatch(/^ASIA/);
    await applier.close();
  });

  it('fails the stack, naming the role and the stack, terminal, when the deploy role cannot be assumed; nothing is written with the controller’s key', async () => {
    // given a deploy role IAM refuses (the account was bootstrapped without --trust for cairn)
    proxy.refuseAssumeRole(deployRole());
    try {
      const applier = createAwsApplier(unique('refused'), target(), silentLog(), { credentials });
      const seen = sinceMark();
      // when it applies
      const result = await applier.apply(stackNamed('Refused'), sha);
      // then the stack failed terminally with an error naming the role and the stack
      expect(result.failure).toMatchObject({ code: 'aws.assume-role', retryable: false });
      expect(result.failure!.message).toContain(deployRole());
      expect(result.failure!.message).toContain(`${prefix}-Refused`);
      // and CloudFormation never saw a change set for it (no fallback to cairn's own credentials)
      const stackCalls = seen.cfn().filter((r) => r.stackName === `${prefix}-Refused`);
      expect(stackCalls.map((r) => r.action)).not.toContain('CreateChangeSet');
      expect(stackCalls.filter((r) => r.accessKeyId === credentials.accessKeyId)).toEqual([]);
      await applier.close();
    } finally {
      proxy.allowAssumeRole(deployRole());
    }
  });

  it('deploys a stack whose artifact names no role as the bootstrap’s roles, never with the controller’s key', async () => {
    // given an app whose stack artifact leaves its roles out (another synthesizer, or an edited manifest)
    const bare: Assembly = {
      dir: assembly.dir,
      stacks: stackNamed('Bare').stacks.map((s) => ({ ...s, roles: {} })),
    };
    const applier = createAwsApplier(unique('bare'), target(), silentLog(), { credentials });
    const seen = sinceMark();
    // when it applies
    const result = await applier.apply(bare, sha);
    // then the stack was created as the deploy role, with the bootstrap's execution role as RoleARN
    expect(result.failure).toBeUndefined();
    expect(assumeKey(seen.signed(), deployRole())).toHaveLength(1);
    const created = seen
      .cfn()
      .filter((r) => r.action === 'CreateChangeSet' && r.stackName === `${prefix}-Bare`);
    expect(created.map((r) => r.params?.RoleARN)).toEqual([execRole()]);
    expect(created.filter((r) => r.accessKeyId === credentials.accessKeyId)).toEqual([]);
    // and its asset was published as the publishing role, not with the controller's key
    const s3Keys = seen
      .signed()
      .filter((r) => r.service === 's3')
      .map((r) => r.accessKeyId);
    expect(s3Keys.length).toBeGreaterThan(0);
    expect(s3Keys).not.toContain(credentials.accessKeyId);
    await applier.close();
  });

  it('refuses an assembly naming a role other than the bootstrap’s, before anything is assumed or applied', async () => {
    // given an app that names another account's deploy role
    const other = 'arn:aws:iam::999999999999:role/cdk-hnb659fds-deploy-role-999999999999-eu-north-1';
    const hostile: Assembly = {
      dir: assembly.dir,
      stacks: stackNamed('Hostile').stacks.map((s) => ({
        ...s,
        roles: { ...s.roles, deployRoleArn: other },
      })),
    };
    const applier = createAwsApplier(unique('hostile'), target(), silentLog(), { credentials });
    const seen = sinceMark();
    // when it applies
    const result = await applier.apply(hostile, sha);
    // then it failed as out of bounds, naming the stack and the role, and nothing was assumed or created
    expect(result.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(result.failure!.message).toContain(other);
    expect(result.failure!.message).toContain(`${prefix}-Hostile`);
    expect(seen.signed().filter((r) => r.action === 'AssumeRole')).toEqual([]);
    expect(seen.cfn().filter((r) => r.action === 'CreateChangeSet')).toEqual([]);
    await applier.close();
  });
});

describe('an account that cairn bootstrap prepared', () => {
  it('ignores the assembly’s roles (cairn’s bootstrap makes none) and deploys as the environment’s identity', async () => {
    // given the same region bootstrapped by cairn instead
    await admin.ssm.send(
      new DeleteParameterCommand({ Name: BOOTSTRAP.versionParameter(sandboxTarget({ region: REGION })) }),
    );
    await bootstrapEnvironment(sandboxTarget({ region: REGION }), silentLog(), { credentials });
    try {
      const applier = createAwsApplier(unique('cairnboot'), target(), silentLog(), { credentials });
      const seen = sinceMark();
      // when it applies
      const result = await applier.apply(stackNamed('CairnBoot'), sha);
      // then no role was assumed, the controller's key made the change set, and no RoleARN was sent
      expect(result.failure).toBeUndefined();
      expect(seen.signed().filter((r) => r.action === 'AssumeRole')).toEqual([]);
      const created = seen.cfn().filter((r) => r.action === 'CreateChangeSet');
      expect(created.map((r) => [r.accessKeyId, r.params?.RoleARN])).toEqual([
        [credentials.accessKeyId, undefined],
      ]);
      await applier.close();
    } finally {
      await cdkBootstrap();
    }
  });
});

describe('an account bootstrapped with another qualifier (cdk bootstrap --qualifier)', () => {
  const qualified = (overrides: Partial<AwsTargetConfig> = {}) =>
    target({ bootstrapQualifier: 'team1', ...overrides });
  const team1Role = (role: 'deploy' | 'cfn-exec') =>
    bootstrapRoleArn(role, sandboxTarget({ region: REGION, bootstrapQualifier: 'team1' }));
  let teamAssembly: Assembly;

  beforeAll(async () => {
    await cdkBootstrap('team1');
    // synthesized for an environment with aws.bootstrapQualifier: the app is told the qualifier
    teamAssembly = await synthesizeApp({
      workspaceDir: workspaceWith({ prefix, stacks: [{ name: 'Fn', lambda: true }] }),
      env: 'dev',
      target: sandboxTarget({ region: REGION, bootstrapQualifier: 'team1' }),
      commitSha: sha,
      log: silentLog(),
    });
  });

  const teamStack = (name: string): Assembly => ({
    dir: teamAssembly.dir,
    stacks: teamAssembly.stacks.map((s) => ({ ...s, stackName: `${prefix}-${name}` })),
  });

  it('deploys as that qualifier’s deploy role, with its execution role as RoleARN', async () => {
    // given the app synthesized with the environment's qualifier: it names that bootstrap's roles
    expect(
      resolvePlaceholders(teamAssembly.stacks[0]!.roles!.deployRoleArn!, sandboxTarget({ region: REGION })),
    ).toBe(team1Role('deploy'));
    const applier = createAwsApplier(unique('team1'), qualified(), silentLog(), { credentials });
    const seen = sinceMark();
    // when it applies
    const result = await applier.apply(teamStack('Team1'), sha);
    // then the stack was created as team1's deploy role, passing team1's execution role
    expect(result.failure).toBeUndefined();
    expect(assumeKey(seen.signed(), team1Role('deploy'))).toHaveLength(1);
    expect(assumeKey(seen.signed(), deployRole())).toEqual([]);
    const created = seen
      .cfn()
      .filter((r) => r.action === 'CreateChangeSet' && r.stackName === `${prefix}-Team1`);
    expect(created.map((r) => r.params?.RoleARN)).toEqual([team1Role('cfn-exec')]);
    await applier.close();
  });

  it('refuses that assembly for an environment on the default qualifier, naming what is not its own', async () => {
    // given an environment that did not say it uses team1's bootstrap
    const applier = createAwsApplier(unique('notteam1'), target(), silentLog(), { credentials });
    const seen = sinceMark();
    // when it applies an assembly naming team1's roles
    const result = await applier.apply(teamStack('NotTeam1'), sha);
    // then it is out of bounds (its asset bucket is the first thing checked), and nothing was assumed
    expect(result.failure).toMatchObject({ code: 'aws.out-of-bounds', retryable: false });
    expect(result.failure!.message).toContain(`${prefix}-NotTeam1`);
    expect(result.failure!.message).toMatch(/cdk-team1-assets-/);
    expect(seen.signed().filter((r) => r.action === 'AssumeRole')).toEqual([]);
    await applier.close();
  });
});
