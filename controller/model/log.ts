import type { Logger } from 'pino';

/**
 * The structured logger every module takes (pino's). Fixed field names: env, sha, trigger, phase,
 * subject, action, stack, durationMs, err. It lives in the model so that cdk/ and the middle layer
 * name it without importing the controller's logger factory.
 */
export type Log = Logger;
