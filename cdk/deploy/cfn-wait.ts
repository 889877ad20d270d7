import {
  DescribeChangeSetCommand,
  DescribeStackEventsCommand,
  DescribeStacksCommand,
  type CloudFormationClient,
  type DescribeChangeSetCommandOutput,
  type Stack,
  type StackEvent,
} from '@aws-sdk/client-cloudformation';
import { CairnError, type Log } from '../../controller/model';

/** The stack, or undefined when CloudFormation has none by that name (or only a deleted one). */
export async function describeStack(
  cfn: CloudFormationClient,
  stackName: string,
): Promise<Stack | undefined> {
  try {
    const out = await cfn.send(new DescribeStacksCommand({ StackName: stackName }));
    const stack = out.Stacks?.[0];
    return stack && stack.StackStatus !== 'DELETE_COMPLETE' ? stack : undefined;
  } catch (error) {
    if (/does not exist/.test((error as Error).message)) return undefined;
    throw error;
  }
}

/** True while CloudFormation is working on the stack (an empty REVIEW_IN_PROGRESS shell is not). */
export const isInProgress = (status: string | undefined): boolean =>
  Boolean(status?.endsWith('_IN_PROGRESS')) && status !== 'REVIEW_IN_PROGRESS';

/**
 * Waits, with backoff, until the stack leaves every *_IN_PROGRESS state, logging its new events
 * as they arrive. Returns the final stack (undefined once deleted) and the failed events' reasons.
 */
export async function waitForStack(
  cfn: CloudFormationClient,
  stackName: string,
  options: {
    readonly log: Log;
    readonly since: Date;
    readonly timeoutMs: number;
    /** After executing a CREATE change set the stack may still read REVIEW_IN_PROGRESS for a moment. */
    readonly reviewIsPending?: boolean;
  },
): Promise<{ stack: Stack | undefined; failures: readonly string[] }> {
  const seen = new Set<string>();
  const failures: string[] = [];
  const deadline = Date.now() + options.timeoutMs;
  let delay = 200;
  for (;;) {
    const stack = await describeStack(cfn, stackName);
    await readEvents(cfn, stack?.StackId ?? stackName, options.since, seen, (event) => {
      options.log.info(
        {
          stack: stackName,
          subject: event.LogicalResourceId,
          resourceType: event.ResourceType,
          status: event.ResourceStatus,
          reason: event.ResourceStatusReason,
        },
        'stack event',
      );
      if (event.ResourceStatus?.endsWith('_FAILED') && event.ResourceStatusReason) {
        failures.push(
          `${event.LogicalResourceId ?? '?'} (${event.ResourceType ?? '?'}): ${event.ResourceStatusReason}`,
        );
      }
    });
    const pending =
      isInProgress(stack?.StackStatus) ||
      (options.reviewIsPending && stack?.StackStatus === 'REVIEW_IN_PROGRESS');
    if (!stack || !pending) return { stack, failures };
    if (Date.now() > deadline)
      throw waitTimeout(stackName, `the stack to leave ${stack.StackStatus}`, options.timeoutMs);
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()) + 1)));
    delay = Math.min(delay * 1.5, 5000);
  }
}

/**
 * Polls a change set (by ARN) until CloudFormation has finished creating it, and returns it; gives
 * up with a retryable `aws.wait-timeout` after `timeoutMs`, so that a change set CloudFormation
 * never finishes cannot hold the environment (and its lock) forever.
 */
export async function waitForChangeSet(
  cfn: CloudFormationClient,
  arn: string,
  options: { readonly stackName: string; readonly timeoutMs: number },
): Promise<DescribeChangeSetCommandOutput> {
  const deadline = Date.now() + options.timeoutMs;
  let delay = 200;
  for (;;) {
    const described = await cfn.send(new DescribeChangeSetCommand({ ChangeSetName: arn }));
    if (described.Status !== 'CREATE_PENDING' && described.Status !== 'CREATE_IN_PROGRESS') return described;
    if (Date.now() > deadline)
      throw waitTimeout(
        options.stackName,
        `change set ${described.ChangeSetName ?? arn} to leave ${described.Status}`,
        options.timeoutMs,
      );
    await new Promise((r) => setTimeout(r, Math.min(delay, Math.max(0, deadline - Date.now()) + 1)));
    delay = Math.min(delay * 1.5, 3000);
  }
}

/** A CloudFormation wait that ran past its deadline: retryable, naming the stack and what it waited for. */
function waitTimeout(stackName: string, waitedFor: string, timeoutMs: number): CairnError {
  return new CairnError(
    `stack ${stackName}: gave up waiting for ${waitedFor} after ${formatSeconds(timeoutMs)}`,
    {
      code: 'aws.wait-timeout',
      phase: 'apply-aws',
      subject: `stack ${stackName}`,
      retryable: true,
      hint: 'look at the stack in the CloudFormation console; cairn tries again with backoff (raise aws.deployTimeout if this stack is slow)',
    },
  );
}

function formatSeconds(ms: number): string {
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

async function readEvents(
  cfn: CloudFormationClient,
  stackId: string,
  since: Date,
  seen: Set<string>,
  onEvent: (e: StackEvent) => void,
): Promise<void> {
  const out = await cfn.send(new DescribeStackEventsCommand({ StackName: stackId })).catch(() => undefined);
  const fresh = (out?.StackEvents ?? []).filter(
    (e) =>
      e.EventId && !seen.has(e.EventId) && (!e.Timestamp || e.Timestamp >= new Date(since.getTime() - 1000)),
  );
  for (const event of fresh.reverse()) {
    seen.add(event.EventId!);
    onEvent(event);
  }
}
