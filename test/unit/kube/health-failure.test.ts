import { healthOf } from '../../../controller/kube/health';
import type { KubeObject } from '../../../controller/kube/types';
import { unhealthyError, type Unhealthy } from '../../../controller/kube/wait-health';

const object = (kind: string, status: object, generation = 1): KubeObject => ({
  apiVersion: kind === 'Job' ? 'batch/v1' : 'apps/v1',
  kind,
  metadata: { name: 'x', namespace: 'n', generation },
  spec: { replicas: 2 },
  status: { observedGeneration: generation, ...status },
});

describe('health: what a failure says', () => {
  it.each([
    {
      name: 'a Deployment past its progress deadline quotes the condition',
      object: object('Deployment', {
        conditions: [
          {
            type: 'Progressing',
            status: 'False',
            reason: 'ProgressDeadlineExceeded',
            message: 'ReplicaSet "x-6d4" has timed out progressing.',
          },
        ],
      }),
      health: {
        status: 'failed',
        reason: 'ProgressDeadlineExceeded: ReplicaSet "x-6d4" has timed out progressing',
      },
    },
    {
      name: 'a failed Job quotes its Failed condition',
      object: object('Job', {
        conditions: [
          {
            type: 'Failed',
            status: 'True',
            reason: 'DeadlineExceeded',
            message: 'Job was active longer than specified deadline',
          },
        ],
      }),
      health: { status: 'failed', reason: 'DeadlineExceeded: Job was active longer than specified deadline' },
    },
    {
      name: 'a Deployment whose ReplicaSet cannot create pods is still progressing, and says why',
      object: object('Deployment', {
        availableReplicas: 0,
        updatedReplicas: 2,
        conditions: [
          { type: 'ReplicaFailure', status: 'True', reason: 'FailedCreate', message: 'quota exceeded' },
        ],
      }),
      health: { status: 'progressing', reason: 'availableReplicas 0/2; FailedCreate: quota exceeded' },
    },
  ])('$name', ({ object, health }) => {
    expect(healthOf(object)).toEqual(health);
  });
});

describe('unhealthyError', () => {
  const timedOut: Unhealthy = {
    subject: 'Deployment/n/slow',
    reason: 'availableReplicas 0/2',
    terminal: false,
  };
  const gaveUp: Unhealthy = {
    subject: 'Deployment/n/stuck',
    reason: 'ProgressDeadlineExceeded: ReplicaSet "stuck-1" has timed out progressing',
    terminal: true,
  };

  it('is undefined when every object is healthy', () => {
    expect(unhealthyError(new Map(), 5000)).toBeUndefined();
  });

  it.each([
    {
      name: 'an object that ran out of time is a retryable verify failure',
      problems: [timedOut],
      expected: {
        code: 'kube.unhealthy',
        phase: 'verify',
        retryable: true,
        subject: 'Deployment/n/slow',
        message: expect.stringMatching(
          /^Deployment\/n\/slow: not healthy after 5s: availableReplicas 0\/2\./,
        ),
      },
    },
    {
      name: 'an object whose controller gave up is terminal and named first, whatever the order',
      problems: [timedOut, gaveUp],
      expected: {
        code: 'kube.rollout-failed',
        phase: 'verify',
        retryable: false,
        subject: 'Deployment/n/stuck',
        message: expect.stringMatching(
          /^Deployment\/n\/stuck: failed: ProgressDeadlineExceeded: ReplicaSet "stuck-1" has timed out progressing \(and 1 more object\(s\) not healthy\)/,
        ),
      },
    },
  ])('$name', ({ problems, expected }) => {
    const error = unhealthyError(new Map(problems.map((p) => [p.subject, p])), 5000);
    expect(error).toMatchObject(expected);
  });
});
