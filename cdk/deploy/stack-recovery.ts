import {
  ContinueUpdateRollbackCommand,
  DeleteStackCommand,
  type Stack,
} from '@aws-sdk/client-cloudformation';
import { isInProgress, waitForStack } from './cfn-wait';
import { executionRole, type StackContext } from './stack-context';
import { fencedWrite } from '../../controller/model/fenced-write';

/**
 * A stack whose first create failed (ROLLBACK_COMPLETE, ROLLBACK_FAILED): no update starts from
 * it, so a deploy deletes it and creates the stack again (recover), and a plan shows it created.
 */
export const failedFirstCreate = (status: string | undefined): boolean =>
  status === 'ROLLBACK_COMPLETE' || status === 'ROLLBACK_FAILED';

/**
 * Brings a stack out of states a deploy cannot start from: a failed first create
 * (ROLLBACK_COMPLETE) is deleted, UPDATE_ROLLBACK_FAILED is continued, a busy stack is waited for.
 */
export async function recover(ctx: StackContext, stack: Stack | undefined): Promise<Stack | undefined> {
  const { cfn } = ctx.clients;
  const name = stack?.StackName ?? '';
  const wait = async () =>
    (
      await waitForStack(cfn, name, {
        log: ctx.log,
        since: new Date(),
        timeoutMs: ctx.target.deployTimeoutMs,
      })
    ).stack;
  if (stack && isInProgress(stack.StackStatus)) {
    ctx.log.info({ stack: name, status: stack.StackStatus }, 'stack busy; waiting');
    stack = await wait();
  }
  if (stack && failedFirstCreate(stack.StackStatus)) {
    ctx.log.warn(
      { stack: name, status: stack.StackStatus },
      'deleting a stack whose first create failed, to create it again',
    );
    await cfn.send(
      fencedWrite(new DeleteStackCommand({ StackName: name, ...executionRole(ctx) }), ctx.fence),
    );
    return wait();
  }
  if (stack?.StackStatus === 'UPDATE_ROLLBACK_FAILED') {
    ctx.log.warn({ stack: name }, 'continuing a failed update rollback');
    // As the execution role, like every other write: without it CloudFormation would roll back
    // with the caller's own (deploy) credentials, which a least-privilege deploy role lacks.
    await cfn.send(
      fencedWrite(new ContinueUpdateRollbackCommand({ StackName: name, ...executionRole(ctx) }), ctx.fence),
    );
    return wait();
  }
  return stack;
}
