import type { FastifyReply } from 'fastify';

/** The JSON body of every answer that is not data: a sentence a person can act on. */
export interface MessageBody {
  readonly message: string;
  readonly environments?: readonly string[];
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
