import type { WriteFence } from './pipeline';

type Handler = (args: unknown) => Promise<unknown>;
type AddDeserialize = (
  middleware: (next: Handler) => Handler,
  options: { readonly step: 'deserialize'; readonly name: string; readonly priority: 'low' },
) => void;

/** An AWS SDK command, as much of it as fencing needs: its own middleware stack. */
export interface FenceableCommand {
  readonly middlewareStack: { add(...args: never[]): void };
}

/**
 * Makes `command` a fenced write (a CloudFormation or S3 write, a ledger append on DynamoDB):
 * `fence` is called right before each attempt the SDK puts on the wire, after signing (which may
 * first assume a role over the network) and before every retry of a throttled or failed call. A
 * check before `send` alone let a replica whose Lease deadline passed while a request was in flight
 * send the SDK's retry of it (an ExecuteChangeSet, a DeleteStack) seconds later, over the release
 * of the replica that took over; a write already sent cannot be recalled, but nothing is sent after. Without a fence the command is returned unchanged.
 */
export function fencedWrite<C extends FenceableCommand>(command: C, fence: WriteFence | undefined): C {
  if (!fence) return command;
  const stack = command.middlewareStack;
  // The deserialize step runs once per attempt, inside the SDK's retry and signing middleware.
  (stack.add.bind(stack) as AddDeserialize)(
    (next) => async (args) => {
      fence();
      return next(args);
    },
    { step: 'deserialize', name: 'cairnWriteFence', priority: 'low' },
  );
  return command;
}
