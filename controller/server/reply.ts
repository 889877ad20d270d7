import type { FastifyReply } from 'fastify';
import type { Slot } from './holder-slots';

/** The JSON body of every answer that is not data: a sentence a person can act on. */
export interface MessageBody {
  readonly message: string;
  readonly environments?: readonly string[];
  /** With sharding: how the webhook was handed to the replicas holding its environments. */
  readonly handoffs?: readonly unknown[];
}

/** Sends `{ message }` with `status`; every error the server returns goes through here. */
export function answer(
  reply: FastifyReply,
  status: number,
  message: string,
  extra: Omit<MessageBody, 'message'> = {},
): FastifyReply {
  return reply.code(status).send({ message, ...extra } satisfies MessageBody);
}

/**
 * Answers like `answer`, then cuts the connection as soon as the answer is written, so that the
 * rest of a refused body is never read: under a flood, reading and dropping each refused
 * megabyte is what costs the server its CPU and memory. A client still sending may see a reset
 * rather than the answer.
 */
export function refuse(reply: FastifyReply, status: number, message: string): FastifyReply {
  void reply.header('connection', 'close');
  const socket = reply.request.raw.socket;
  reply.raw.once('finish', () => socket.destroy());
  return answer(reply, status, message);
}

/**
 * The answer to a request `HolderSlots` refused, with `Retry-After`: 429 when its holder's own
 * share is taken (`holder`: the sentence naming who and how many), 503 when the server's are all
 * taken (`server`), so that one holder at its cap is told apart from a server full for everyone.
 */
export function refusedSlot(
  reply: FastifyReply,
  slot: Extract<Slot, { readonly refused: unknown }>,
  retryAfterSeconds: number,
  text: { readonly holder: string; readonly server: string },
): FastifyReply {
  void reply.header('retry-after', String(retryAfterSeconds));
  return slot.refused === 'holder' ? answer(reply, 429, text.holder) : answer(reply, 503, text.server);
}
