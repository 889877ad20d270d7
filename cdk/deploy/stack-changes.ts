import {
  errorMessage,
  failureFrom,
  type Action,
  type Change,
  type Failure,
  type PlaneResult,
} from '../../controller/model';
import type { ResourceChange, StackOutcome } from '../types';

const RESOURCE_ACTION: Readonly<Record<ResourceChange['action'], Action>> = {
  Add: 'created',
  Import: 'created',
  Modify: 'configured',
  Dynamic: 'configured',
  Remove: 'deleted',
};

// CloudFormation reasons that say the service, not the template, was the problem: the same
// template may deploy on a later attempt. Anything else (an invalid property, a name taken, a
// quota) fails the same way again, so the environment stalls until a new commit.
const TRANSIENT_REASON =
  /throttl|rate exceeded|too many requests|internal ?failure|service ?unavailable|timed? ?out|try again/i;

/** One resource change of a stack's change set, as the model's Change (`stackName/LogicalId`). */
export function resourceChange(stackName: string, rc: ResourceChange): Change {
  const replacement =
    rc.replacement === 'True' ? true : rc.replacement === 'Conditional' ? 'conditional' : undefined;
  return {
    target: 'aws',
    subject: `${stackName}/${rc.logicalId}`,
    action: RESOURCE_ACTION[rc.action],
    type: rc.type,
    ...(replacement === undefined ? {} : { replacement }),
  };
}

/** The Changes of one stack: the stack itself, then its resources (none for a stack that failed). */
export function stackChanges(outcome: StackOutcome): Change[] {
  const stack: Change = {
    target: 'aws',
    subject: outcome.stackName,
    action: outcome.action,
    ...(outcome.reason ? { reason: outcome.reason } : {}),
    durationMs: outcome.durationMs,
  };
  // A failed stack rolled back: its change set's resources were not changed.
  if (outcome.failure) return [stack];
  return [stack, ...outcome.changes.map((rc) => resourceChange(outcome.stackName, rc))];
}

/** The plane's result: every stack's Changes in order, and the first stack failure. */
export function planeResult(outcomes: readonly StackOutcome[]): PlaneResult {
  const failure = outcomes.find((o) => o.failure)?.failure;
  return { changes: outcomes.flatMap(stackChanges), ...(failure ? { failure } : {}) };
}

/**
 * The Failure of a stack that ended in a failed state, keeping CloudFormation's reasons (the
 * failing resources and why) in the message.
 */
export function stackEndedFailure(stackName: string, status: string, reasons: string): Failure {
  return {
    code: 'aws.stack-failed',
    phase: 'apply-aws',
    retryable: TRANSIENT_REASON.test(reasons),
    subject: stackName,
    message: `stack ${stackName} ended ${status}: ${reasons}`,
  };
}

/** The Failure of anything thrown while deploying or deleting a stack; its subject is the stack. */
export function stackErrorFailure(stackName: string, error: unknown): Failure {
  const failure = failureFrom(error, 'apply-aws');
  const message = failure.message.includes(stackName)
    ? failure.message
    : `stack ${stackName}: ${errorMessage(error)}`;
  return { ...failure, subject: failure.subject ?? stackName, message };
}

/** A stack that did not deploy because of `failure`: `skipped`, with the failure beside it. */
export function failedStack(
  stackName: string,
  durationMs: number,
  failure: Failure,
  reason = 'failed',
): StackOutcome {
  return { stackName, action: 'skipped', reason, changes: [], durationMs, failure };
}
