import { bootstrapKind, requireBootstrap } from '../../../cdk/deploy/bootstrap';
import { destroyClients, makeClients, type AwsClients } from '../../../cdk/deploy/aws-clients';
import { isCairnError } from '../../../controller/model/errors';

const target = {
  region: 'us-east-1',
  account: '123456789012',
  prune: false,
  synthTimeoutMs: 1,
  deployTimeoutMs: 1,
  // never reached: the SDK fails for want of credentials before it sends anything
  endpoint: 'http://127.0.0.1:9',
};

// The SDK's default chain with nothing to find: no variables, no profile files, no instance role.
const saved = { ...process.env };
beforeEach(() => {
  for (const name of Object.keys(process.env)) if (name.startsWith('AWS_')) delete process.env[name];
  process.env.AWS_CONFIG_FILE = '/nonexistent/cairn-test/config';
  process.env.AWS_SHARED_CREDENTIALS_FILE = '/nonexistent/cairn-test/credentials';
  process.env.AWS_EC2_METADATA_DISABLED = 'true';
});
afterEach(() => {
  process.env = { ...saved };
});

async function failure(run: () => Promise<unknown>): Promise<Error> {
  try {
    await run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected a failure');
}

describe('the bootstrap checks without any AWS credentials', () => {
  it('say to give cairn credentials, not to grant a permission', async () => {
    const clients = makeClients(target);
    try {
      for (const error of [
        await failure(() => bootstrapKind(clients, target)),
        await failure(() => requireBootstrap(clients, 'dev', target)),
      ]) {
        expect(isCairnError(error)).toBe(true);
        expect(error.message).toContain('Could not load credentials');
        expect(error.message).toContain('give cairn AWS credentials');
        expect(error.message).toContain('AWS_ACCESS_KEY_ID');
        expect(error.message).not.toContain('allow the environment');
      }
    } finally {
      destroyClients(clients);
    }
  });
});

describe('the bootstrap checks against an AWS endpoint that refuses connections', () => {
  it('say to check the endpoint, not to grant a permission', async () => {
    // given aws.endpoint pointing where nothing listens (a stopped moto, a typo'd port): the SDK's
    // error after its retries, as it throws it
    const refused = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:9'), {
      code: 'ECONNREFUSED',
      syscall: 'connect',
      $metadata: { attempts: 8 },
    });
    const clients = { ssm: { send: () => Promise.reject(refused) } } as unknown as AwsClients;
    for (const error of [
      await failure(() => bootstrapKind(clients, target)),
      await failure(() => requireBootstrap(clients, 'dev', target)),
    ]) {
      expect(isCairnError(error)).toBe(true);
      expect(error.message).toContain('ECONNREFUSED');
      expect(error.message).toContain('check that http://127.0.0.1:9 is reachable (aws.endpoint)');
      expect(error.message).not.toContain('allow the environment');
    }
  });
});
