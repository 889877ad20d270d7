import { silentLog } from '../../../controller/log';
import { createAwsApplier } from '../../../cdk/create-aws-applier';
import type { Assembly } from '../../../cdk/types';
import type { CfnFaultProxy } from '../../helpers/cfn-fault-proxy';
import { only, sandboxCredentials, sandboxTarget, unique, synthesizeBehindProxy } from './cdk-fixture';

// moto finishes every change set and stack at once; the fault proxy in front of it keeps answering
// CREATE_IN_PROGRESS, as a CloudFormation that never finishes would.
const credentials = sandboxCredentials();
const prefix = unique('deadline');
const sha = '5555555eeeeeeeeeeeeeeeeeeeeeeeeeeeeeeeee';
const DEADLINE_MS = 1_500;
let assembly: Assembly;
let proxy: CfnFaultProxy;

beforeAll(async () => {
  ({ assembly, proxy } = await synthesizeBehindProxy(
    {
      prefix,
      stacks: ['ChangeSet', 'Stack'].map((name) => ({ name, queues: ['Q'] })),
    },
    sha,
  ));
}, 120_000);

afterAll(() => proxy?.close());

jest.setTimeout(60_000);

const applier = () =>
  createAwsApplier(
    unique('deadline'),
    sandboxTarget({ endpoint: proxy.url, deployTimeoutMs: DEADLINE_MS }),
    silentLog(),
    { credentials },
  );

describe('every CloudFormation wait has a deadline', () => {
  it.each([
    [
      'a change set that stays CREATE_IN_PROGRESS',
      'ChangeSet',
      { changeSetStatus: 'CREATE_IN_PROGRESS' },
      /change set .* to leave CREATE_IN_PROGRESS/,
    ],
    [
      'a stack that stays CREATE_IN_PROGRESS',
      'Stack',
      { status: 'CREATE_IN_PROGRESS' },
      /the stack to leave CREATE_IN_PROGRESS/,
    ],
  ] as const)(
    '%s ends in a retryable failure naming the stack and what it waited for',
    async (_what, stack, rule, waited) => {
      // given CloudFormation never finishes
      const name = `${prefix}-${stack}`;
      proxy.addRule({ stackName: name, ...rule });

      // when the stack is applied
      const started = Date.now();
      const result = await applier().apply(only(assembly, [stack]), sha);

      // then the wait gives up soon after its deadline, with a retryable failure that says so
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(DEADLINE_MS + 10_000);
      expect(result.failure).toMatchObject({
        code: 'aws.wait-timeout',
        retryable: true,
        subject: `stack ${name}`,
      });
      expect(result.failure?.message).toContain(`stack ${name}`);
      expect(result.failure?.message).toMatch(waited);
      expect(result.failure?.message).toContain('after 1.5s');
      proxy.removeRules(name);
    },
  );
});
