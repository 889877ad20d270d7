import { CreateStackCommand, DeleteStackCommand } from '@aws-sdk/client-cloudformation';
import { HeadBucketCommand } from '@aws-sdk/client-s3';
import {
  DeleteParameterCommand,
  DescribeParametersCommand,
  GetParameterCommand,
  PutParameterCommand,
} from '@aws-sdk/client-ssm';
import { bootstrapEnvironment } from '../../../cdk/deploy/bootstrap';
import { makeClients } from '../../../cdk/deploy/aws-clients';
import { silentLog } from '../../../controller/log';
import { sandboxCredentials, sandboxTarget } from './cdk-fixture';

/**
 * `cairn bootstrap` against moto on an account a real `cdk bootstrap` prepared: the CDK's version
 * parameter and the CDKToolkit stack are used as they are, never overwritten (that would
 * downgrade the bootstrap `cdk deploy` relies on). Each case has a region of its own, so the
 * shared moto's default region, where the other tests bootstrap, is left alone.
 */
jest.setTimeout(60_000);
const credentials = sandboxCredentials();
const PARAMETER = '/cdk-bootstrap/hnb659fds/version';

describe('cairn bootstrap on an account with a CDK bootstrap', () => {
  it('leaves the CDK version parameter exactly as it was, and makes no bucket', async () => {
    // given a version parameter that `cdk bootstrap` wrote (version 21, no cairn mark)
    const target = sandboxTarget({ region: 'eu-west-3' });
    const clients = makeClients(target, credentials);
    await clients.ssm.send(new DeleteParameterCommand({ Name: PARAMETER })).catch(() => undefined);
    await clients.ssm.send(new PutParameterCommand({ Name: PARAMETER, Value: '21', Type: 'String' }));
    const before = (await clients.ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter!;

    // when cairn bootstraps the environment
    const result = await bootstrapEnvironment(target, silentLog(), { credentials });

    // then the parameter has the same value and version, and cairn reports the CDK's bootstrap
    const after = (await clients.ssm.send(new GetParameterCommand({ Name: PARAMETER }))).Parameter!;
    expect({ value: after.Value, version: after.Version }).toEqual({ value: '21', version: before.Version });
    expect(result).toMatchObject({ version: '21', madeBy: 'cdk' });
    const bucket = await clients.s3.send(new HeadBucketCommand({ Bucket: result.bucketName })).then(
      () => 'exists',
      () => 'absent',
    );
    expect(bucket).toBe('absent');
    clients.ssm.destroy();
  });

  it('uses the bucket the CDKToolkit stack names', async () => {
    // given a CDKToolkit stack whose output names its bucket, and no version parameter
    const target = sandboxTarget({ region: 'sa-east-1' });
    const clients = makeClients(target, credentials);
    await clients.ssm.send(new DeleteParameterCommand({ Name: PARAMETER })).catch(() => undefined);
    await clients.cfn.send(new DeleteStackCommand({ StackName: 'CDKToolkit' })).catch(() => undefined);
    await clients.cfn.send(
      new CreateStackCommand({
        StackName: 'CDKToolkit',
        TemplateBody: JSON.stringify({
          Resources: { Marker: { Type: 'AWS::CloudFormation::WaitConditionHandle' } },
          Outputs: { BucketName: { Value: 'cdk-custom-assets-bucket' }, BootstrapVersion: { Value: '27' } },
        }),
      }),
    );
    try {
      // when cairn bootstraps the environment
      const result = await bootstrapEnvironment(target, silentLog(), { credentials });

      // then it reports the toolkit's bucket, writes no version parameter of its own
      expect(result).toMatchObject({ bucketName: 'cdk-custom-assets-bucket', madeBy: 'cdk' });
      const described = await clients.ssm.send(
        new DescribeParametersCommand({
          ParameterFilters: [{ Key: 'Name', Option: 'Equals', Values: [PARAMETER] }],
        }),
      );
      expect(described.Parameters ?? []).toEqual([]);
    } finally {
      await clients.cfn.send(new DeleteStackCommand({ StackName: 'CDKToolkit' }));
    }
  });

  it('refreshes a bootstrap it made itself', async () => {
    // given cairn's own bootstrap in a fresh region
    const target = sandboxTarget({ region: 'ca-central-1' });
    const clients = makeClients(target, credentials);
    await clients.ssm.send(new DeleteParameterCommand({ Name: PARAMETER })).catch(() => undefined);
    const first = await bootstrapEnvironment(target, silentLog(), { credentials });

    // when it runs again
    const again = await bootstrapEnvironment(target, silentLog(), { credentials });

    // then it is cairn's both times, with its bucket
    expect([first.madeBy, again.madeBy]).toEqual(['cairn', 'cairn']);
    await expect(clients.s3.send(new HeadBucketCommand({ Bucket: again.bucketName }))).resolves.toBeDefined();
  });
});
