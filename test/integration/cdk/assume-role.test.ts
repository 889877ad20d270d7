import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import { synthesizeApp } from '../../../cdk/synth/synthesize';
import type { Assembly } from '../../../cdk/types';
import { isCairnError } from '../../../controller/model/errors';
import { silentLog } from '../../../controller/log';
import { startCfnFaultProxy, type CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { sandboxCredentials, sandboxTarget, unique, workspaceWith } from './cdk-fixture';

jest.setTimeout(120_000);

const credentials = sandboxCredentials();
const prefix = unique('role');
const sha = '3333333ccccccccccccccccccccccccccccccccc';
let proxy: CfnFaultProxy;
let assembly: Assembly;
const account = () => sandboxTarget().account;
const role = (name: string) => `arn:aws:iam::${account()}:role/${name}`;

beforeAll(async () => {
  await bootstrapEnvironment(sandboxTarget(), silentLog(), { credentials });
  proxy = await startCfnFaultProxy(sandboxTarget().endpoint!);
  // One stack with a file asset, so CloudFormation, S3 (asset upload) and SSM (bootstrap check) are all used.
  assembly = await synthesizeApp({
    workspaceDir: workspaceWith({ prefix, stacks: [{ name: 'Fn', lambda: true }] }),
    env: 'dev',
    target: sandboxTarget(),
    commitSha: sha,
    log: silentLog(),
  });
});

afterAll(() => proxy?.close());

describe('an environment with aws.roleArn', () => {
  it('deploys with the assumed role’s credentials, asked for as cairn-<env>, never with the controller’s', async () => {
    // given an environment whose target names a role, in front of moto through the recording proxy
    const env = unique('assumer');
    const roleArn = role('cairn-deployer');
    const applier = createAwsApplier(env, sandboxTarget({ endpoint: proxy.url, roleArn }), silentLog(), {
      credentials,
    });
    const from = proxy.signed.length;
    // when it applies the app
    const result = await applier.apply(assembly, sha);
    // then the stack was created
    expect(result.failure).toBeUndefined();
    const seen = proxy.signed.slice(from);
    // and STS was asked, with the controller's key, for that role as cairn-<env>
    const assumes = seen.filter((r) => r.action === 'AssumeRole');
    expect(assumes.map((r) => [r.accessKeyId, r.roleArn, r.sessionName])).toEqual([
      [credentials.accessKeyId, roleArn, `cairn-${env}`],
    ]);
    // and every CloudFormation, S3 and SSM call was signed with one other key: the role's
    const used = seen.filter((r) => r.service !== 'sts');
    expect(new Set(used.map((r) => r.service))).toEqual(new Set(['cloudformation', 's3', 'ssm']));
    expect(used.map((r) => r.action)).toContain('ExecuteChangeSet');
    const keys = new Set(used.map((r) => r.accessKeyId));
    expect(keys.size).toBe(1);
    expect(keys.has(credentials.accessKeyId)).toBe(false);
    expect([...keys][0]).toMatch(/^ASIA/);
    // and the change set calls in the proxy's CloudFormation record carry that key too
    const stackCalls = proxy.requests.filter((r) => r.stackName === `${prefix}-Fn`);
    expect(stackCalls.map((r) => r.action)).toContain('CreateChangeSet');
    expect(new Set(stackCalls.map((r) => r.accessKeyId))).toEqual(keys);
  });

  it('fails that environment alone, naming the role, when the role cannot be assumed', async () => {
    // given two environments, one of them with a role IAM refuses to let cairn assume
    const refused = role(`refused-${unique('r')}`);
    proxy.refuseAssumeRole(refused);
    const bad = createAwsApplier(
      unique('bad'),
      sandboxTarget({ endpoint: proxy.url, roleArn: refused }),
      silentLog(),
      {
        credentials,
      },
    );
    // (the stack exists already, owned by the previous test's environment: adopting it keeps this
    // test about roles, not ownership)
    const good = createAwsApplier(
      unique('good'),
      sandboxTarget({ endpoint: proxy.url, roleArn: role('cairn-deployer'), adopt: true }),
      silentLog(),
      { credentials },
    );
    // when both plan at the same time
    const [badPlan, goodPlan] = await Promise.allSettled([bad.plan(assembly, sha), good.plan(assembly, sha)]);
    // then the one fails with an error naming its role, and the other plans normally
    expect(badPlan.status).toBe('rejected');
    const error = (badPlan as PromiseRejectedResult).reason as Error;
    expect(isCairnError(error) && error.code).toBe('aws.assume-role');
    expect(error.message).toContain(`role ${refused}`);
    expect(error.message).toContain('not authorized to perform: sts:AssumeRole');
    expect(goodPlan.status).toBe('fulfilled');
  });
});
