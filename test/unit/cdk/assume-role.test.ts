import {
  assumeRoleCredentials,
  REFRESH_MARGIN_MS,
  sessionName,
  type AssumeRoleCall,
} from '../../../cdk/deploy/assume-role';
import { isCairnError } from '../../../controller/model/errors';
import { forgetSecrets, maskSecrets } from '../../../controller/model';

const roleArn = 'arn:aws:iam::111111111111:role/deployer';
const target = {
  region: 'eu-west-1',
  account: '111111111111',
  prune: false,
  synthTimeoutMs: 1,
  deployTimeoutMs: 1,
  roleArn,
};

/** An STS double handing out numbered credentials that expire an hour after `clock`. */
function sts(clock: { now: number }) {
  const calls: Parameters<AssumeRoleCall>[0][] = [];
  const call: AssumeRoleCall = async (input) => {
    calls.push(input);
    const n = calls.length;
    return {
      Credentials: {
        AccessKeyId: `ASIAEXAMPLE${n}`,
        SecretAccessKey: `secret-number-${n}`,
        SessionToken: `session-token-${n}`,
        Expiration: new Date(clock.now + 3600_000),
      },
    };
  };
  return { calls, call };
}

afterEach(() => forgetSecrets());

describe('assumeRoleCredentials', () => {
  it('assumes the role once as cairn-<env> and serves concurrent callers from that one call', async () => {
    // given a provider for environment "prod"
    const clock = { now: 1_000_000 };
    const double = sts(clock);
    const provider = assumeRoleCredentials({
      env: 'prod',
      target,
      assumeRole: double.call,
      now: () => clock.now,
    });
    // when three clients ask at once
    const got = await Promise.all([provider(), provider(), provider()]);
    // then STS was called once, with the environment in the session name
    expect(double.calls).toEqual([
      { RoleArn: roleArn, RoleSessionName: 'cairn-prod', DurationSeconds: 3600 },
    ]);
    expect(new Set(got.map((c) => c.accessKeyId))).toEqual(new Set(['ASIAEXAMPLE1']));
    // and the secret it returned is masked from then on
    expect(maskSecrets('leaked secret-number-1')).toBe('leaked [masked]');
  });

  it.each([
    ['well before expiry', 3600_000 - REFRESH_MARGIN_MS - 1, 1],
    ['inside the refresh margin', 3600_000 - REFRESH_MARGIN_MS + 1, 2],
    ['after expiry', 3600_000 + 1, 2],
  ])('asked again %s, it calls STS %i time(s) in all', async (_when, later, calls) => {
    const clock = { now: 0 };
    const double = sts(clock);
    const provider = assumeRoleCredentials({
      env: 'dev',
      target,
      assumeRole: double.call,
      now: () => clock.now,
    });
    await provider();
    clock.now += later;
    const second = await provider();
    expect(double.calls).toHaveLength(calls);
    expect(second.accessKeyId).toBe(`ASIAEXAMPLE${calls}`);
    // and what it hands out is never inside the SDK's own five-minute expiry window
    expect(second.expiration!.getTime() - clock.now).toBeGreaterThan(5 * 60_000);
  });

  it('fails with an error naming the role and the environment, and tries again on the next call', async () => {
    let refuse = true;
    const provider = assumeRoleCredentials({
      env: 'prod',
      target,
      assumeRole: async () => {
        if (refuse)
          throw Object.assign(new Error('User is not authorized to perform sts:AssumeRole'), {
            name: 'AccessDenied',
          });
        return { Credentials: { AccessKeyId: 'ASIAOK', SecretAccessKey: 'secret-ok-1' } };
      },
    });
    const error: unknown = await provider().catch((e: unknown) => e);
    expect(isCairnError(error) && [error.code, error.subject, error.retryable]).toEqual([
      'aws.assume-role',
      `role ${roleArn}`,
      true,
    ]);
    expect((error as Error).message).toContain(
      'could not be assumed for environment prod: User is not authorized',
    );
    refuse = false;
    await expect(provider()).resolves.toMatchObject({ accessKeyId: 'ASIAOK' });
  });

  it.each([
    ['dev', 'cairn-dev'],
    ['eu west/1', 'cairn-eu-west-1'],
    ['x'.repeat(80), `cairn-${'x'.repeat(58)}`],
  ])('names the session for %s as %s', (env, name) => {
    expect(sessionName(env)).toBe(name);
  });
});
