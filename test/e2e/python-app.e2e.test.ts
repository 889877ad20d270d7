import { makeE2ePlatform, type E2ePlatform } from '../helpers/e2e-platform';
import { pythonExampleKit } from '../helpers/python-example';

jest.setTimeout(420_000);

/**
 * The Python example (examples/platform-python) through `cairn sync` against the sandbox: pip
 * installs its wheels from the package index, bubblewrap runs it (the default isolation), and
 * CloudFormation on moto creates its stack with both outputs. A requirement with only an sdist
 * fails the sync naming the package, and nothing is deployed.
 */
describe('a Python CDK app through cairn sync', () => {
  let platform: E2ePlatform;
  const prefix = () => `e2e${platform.id}py`;
  const stackName = () => `${prefix()}-dev-jobs`;
  const { sync, outputs, commitExample, expectSdistRefused } = pythonExampleKit(() => platform, prefix);

  beforeAll(async () => {
    platform = makeE2ePlatform(['dev']);
    await commitExample();
  });

  afterAll(() => platform?.cleanup());

  it('synthesizes and deploys the stack with its queue URL and role ARN', async () => {
    // When the Python commit is synced
    const { code, entry } = await sync();
    // Then it succeeded, creating the queue and the role
    expect({ code, outcome: entry.outcome, failure: entry.failure }).toEqual({
      code: 0,
      outcome: 'succeeded',
      failure: undefined,
    });
    const created = entry.changes.filter((c) => c.action === 'created').map((c) => c.subject);
    expect(created).toEqual(
      expect.arrayContaining([
        expect.stringMatching(new RegExp(`^${stackName()}/Queue`)),
        expect.stringMatching(new RegExp(`^${stackName()}/WorkerRole`)),
      ]),
    );
    // And the stack exists with both outputs
    const out = await outputs();
    expect(out.QueueUrl).toMatch(/^https?:\/\/.+\/123456789012\//);
    expect(out.RoleArn).toMatch(/^arn:aws:iam::123456789012:role\//);
  });

  it('fails a requirement that has only an sdist, naming it, and deploys nothing', () =>
    expectSdistRefused());
});
