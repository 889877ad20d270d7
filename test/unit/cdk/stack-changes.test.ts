import {
  planeResult,
  resourceChange,
  stackEndedFailure,
  stackErrorFailure,
} from '../../../cdk/deploy/stack-changes';
import type { StackOutcome } from '../../../cdk/types';
import { CairnError } from '../../../controller/model';

describe('stack outcomes as the model vocabulary', () => {
  it.each([
    ['Add', 'True', 'created', true],
    ['Modify', 'Conditional', 'configured', 'conditional'],
    ['Remove', null, 'deleted', undefined],
    ['Import', 'False', 'created', undefined],
    ['Dynamic', null, 'configured', undefined],
  ] as const)('a resource %s (replacement %s) is %s', (action, replacement, expected, replaces) => {
    const change = resourceChange('data', {
      logicalId: 'Queue',
      type: 'AWS::SQS::Queue',
      action,
      replacement,
    });
    expect(change).toEqual({
      target: 'aws',
      subject: 'data/Queue',
      action: expected,
      type: 'AWS::SQS::Queue',
      ...(replaces === undefined ? {} : { replacement: replaces }),
    });
  });

  it('lists each stack, then its resources, and keeps the first failure whole', () => {
    // given a stack that deployed, one that failed and one skipped behind it
    const failure = stackEndedFailure(
      'orders',
      'ROLLBACK_COMPLETE',
      'Queue (AWS::SQS::Queue): Queue name is invalid',
    );
    const outcomes: StackOutcome[] = [
      {
        stackName: 'data',
        action: 'configured',
        changes: [{ logicalId: 'Bucket', type: 'AWS::S3::Bucket', action: 'Modify', replacement: 'False' }],
        durationMs: 1200,
      },
      {
        stackName: 'orders',
        action: 'skipped',
        reason: 'ended ROLLBACK_COMPLETE',
        changes: [{ logicalId: 'Queue', type: 'AWS::SQS::Queue', action: 'Add', replacement: null }],
        durationMs: 900,
        failure,
      },
      {
        stackName: 'api',
        action: 'skipped',
        reason: 'depends on orders, which did not deploy',
        changes: [],
        durationMs: 0,
      },
    ];
    // when they become the plane's result
    const result = planeResult(outcomes);
    // then the failed stack's (rolled back) resources are not listed as changed
    expect(result.changes.map((c) => `${c.action} ${c.subject}${c.reason ? ` (${c.reason})` : ''}`)).toEqual([
      'configured data',
      'configured data/Bucket',
      'skipped orders (ended ROLLBACK_COMPLETE)',
      'skipped api (depends on orders, which did not deploy)',
    ]);
    expect(result.failure).toEqual({
      code: 'aws.stack-failed',
      phase: 'apply-aws',
      retryable: false,
      subject: 'orders',
      message: 'stack orders ended ROLLBACK_COMPLETE: Queue (AWS::SQS::Queue): Queue name is invalid',
    });
  });

  it.each([
    ['Queue name is invalid', false],
    ['Resource handler returned message: "Rate exceeded"', true],
    ['Internal Failure', true],
    ['Bucket already exists', false],
  ])('a stack that failed with "%s" is retryable: %s', (reason, retryable) => {
    expect(stackEndedFailure('s', 'UPDATE_ROLLBACK_COMPLETE', reason).retryable).toBe(retryable);
  });

  it('keeps the code and retryable of a CairnError, and names the stack', () => {
    const error = new CairnError('change set failed: Template format error', {
      code: 'aws.change-set',
      phase: 'apply-aws',
      subject: 'stack data',
    });
    expect(stackErrorFailure('data', error)).toEqual({
      code: 'aws.change-set',
      phase: 'apply-aws',
      retryable: false,
      subject: 'stack data',
      message: 'stack data: change set failed: Template format error',
    });
    // an unknown error (a socket, the SDK) is retryable and still says which stack
    expect(stackErrorFailure('data', new Error('socket hang up'))).toEqual({
      code: 'unexpected',
      phase: 'apply-aws',
      retryable: true,
      subject: 'data',
      message: 'stack data: socket hang up',
    });
  });
});
